#include "stream/output_buffer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace xmpp::stream {

// One block: block_size_ bytes of storage, of which [begin, end) are queued and unconsumed.
// The storage never moves or shrinks while the block is in the chain.
struct OutputBuffer::Block {
  explicit Block(std::size_t capacity) : data(std::make_unique<char[]>(capacity)) {}

  BlockPtr next;
  std::unique_ptr<char[]> data;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// Iterative, so a long chain never recurses through Block::next.
void OutputBuffer::BlockDeleter::operator()(Block* block) const noexcept {
  while (block != nullptr) {
    Block* next = block->next.release();
    delete block;
    block = next;
  }
}

OutputBuffer::OutputBuffer(std::size_t max_bytes, std::size_t block_size)
    : max_bytes_(max_bytes), block_size_(std::max<std::size_t>(block_size, 1)) {}

OutputBuffer::~OutputBuffer() = default;

OutputBuffer::OutputBuffer(OutputBuffer&& other) noexcept
    : head_(std::move(other.head_)),
      tail_(std::exchange(other.tail_, nullptr)),
      spare_(std::move(other.spare_)),
      size_(std::exchange(other.size_, 0)),
      max_bytes_(other.max_bytes_),
      block_size_(other.block_size_),
      blocks_allocated_(other.blocks_allocated_) {}

OutputBuffer& OutputBuffer::operator=(OutputBuffer&& other) noexcept {
  if (this != &other) {
    head_ = std::move(other.head_);
    tail_ = std::exchange(other.tail_, nullptr);
    spare_ = std::move(other.spare_);
    size_ = std::exchange(other.size_, 0);
    max_bytes_ = other.max_bytes_;
    block_size_ = other.block_size_;
    blocks_allocated_ = other.blocks_allocated_;
  }
  return *this;
}

OutputBuffer::BlockPtr OutputBuffer::new_block() {
  BlockPtr block(new Block(block_size_));
  ++blocks_allocated_;
  return block;
}

void OutputBuffer::recycle(BlockPtr block) noexcept {
  block->next.reset();
  block->begin = 0;
  block->end = 0;
  if (!spare_) spare_ = std::move(block);
  // Otherwise `block` is freed here: at most one spare is kept.
}

bool OutputBuffer::append(std::string_view bytes) {
  if (bytes.size() > max_bytes_ - size_) return false;  // size_ <= max_bytes_ always holds
  if (bytes.empty()) return true;

  const std::size_t room = tail_ != nullptr ? block_size_ - tail_->end : 0;
  const std::size_t rest = bytes.size() > room ? bytes.size() - room : 0;
  const std::size_t blocks_needed = (rest + block_size_ - 1) / block_size_;

  // Gather every new block before copying anything, so a throwing allocation appends nothing.
  // Fresh blocks first and the spare last, so the spare is not lost if an allocation throws.
  BlockPtr chain;
  Block* chain_tail = nullptr;
  for (std::size_t i = 0; i < blocks_needed; ++i) {
    BlockPtr block;
    if (i + 1 == blocks_needed && spare_) {
      block = std::move(spare_);
    } else {
      block = new_block();
    }
    Block* raw = block.get();
    if (chain_tail != nullptr) {
      chain_tail->next = std::move(block);
    } else {
      chain = std::move(block);
    }
    chain_tail = raw;
  }

  // Fill what is left of the last block, then the new blocks in order.
  std::size_t done = 0;
  if (room > 0) {
    const std::size_t n = std::min(room, bytes.size());
    std::memcpy(tail_->data.get() + tail_->end, bytes.data(), n);
    tail_->end += n;
    done = n;
  }
  for (Block* block = chain.get(); block != nullptr; block = block->next.get()) {
    const std::size_t n = std::min(block_size_, bytes.size() - done);
    std::memcpy(block->data.get(), bytes.data() + done, n);
    block->end = n;
    done += n;
  }

  if (chain) {
    if (tail_ != nullptr) {
      tail_->next = std::move(chain);
    } else {
      head_ = std::move(chain);
    }
    tail_ = chain_tail;
  }
  size_ += bytes.size();
  return true;
}

std::string_view OutputBuffer::front() const noexcept {
  if (!head_) return {};
  return {head_->data.get() + head_->begin, head_->end - head_->begin};
}

bool OutputBuffer::consume(std::size_t n) noexcept {
  if (n == 0) return true;
  if (!head_ || n > head_->end - head_->begin) return false;
  head_->begin += n;
  size_ -= n;
  if (head_->begin < head_->end) return true;

  if (head_.get() == tail_) {
    // The only block is now empty: rewind it and keep it in place. Every view into it has been
    // covered by consume(), so reusing its storage is allowed.
    head_->begin = 0;
    head_->end = 0;
    return true;
  }
  BlockPtr done = std::move(head_);
  head_ = std::move(done->next);
  recycle(std::move(done));
  return true;
}

void OutputBuffer::release_memory() noexcept {
  spare_.reset();
  // A lone block with nothing unconsumed holds no byte anyone may still point at (consume()
  // covered them all), so it can go too: an idle connection keeps no output memory.
  if (size_ == 0 && head_) {
    head_.reset();
    tail_ = nullptr;
  }
}

std::size_t OutputBuffer::heap_bytes() const noexcept {
  std::size_t blocks = spare_ ? 1 : 0;
  for (const Block* block = head_.get(); block != nullptr; block = block->next.get())
    ++blocks;
  return blocks * (sizeof(Block) + block_size_);
}

}  // namespace xmpp::stream
