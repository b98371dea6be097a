#include "xmpp/xml/arena.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace xmpp::xml {

// Blocks are one malloc each: a header followed by the payload.
struct Arena::Block {
  Block* next;
  std::size_t payload;
  char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
};

Arena::Arena(std::size_t first_block) noexcept
    : first_block_(std::max<std::size_t>(first_block, 64)) {}

Arena::~Arena() {
  release();
}

Arena::Arena(Arena&& o) noexcept
    : head_(std::exchange(o.head_, nullptr)),
      top_(std::exchange(o.top_, nullptr)),
      end_(std::exchange(o.end_, nullptr)),
      open_size_(std::exchange(o.open_size_, 0)),
      used_(std::exchange(o.used_, 0)),
      reserved_(std::exchange(o.reserved_, 0)),
      first_block_(o.first_block_) {}

Arena& Arena::operator=(Arena&& o) noexcept {
  if (this != &o) {
    release();
    head_ = std::exchange(o.head_, nullptr);
    top_ = std::exchange(o.top_, nullptr);
    end_ = std::exchange(o.end_, nullptr);
    open_size_ = std::exchange(o.open_size_, 0);
    used_ = std::exchange(o.used_, 0);
    reserved_ = std::exchange(o.reserved_, 0);
    first_block_ = o.first_block_;
  }
  return *this;
}

void Arena::new_block(std::size_t min_payload) {
  // Geometric growth keeps the number of blocks per tree logarithmic in its size.
  std::size_t payload = head_ ? head_->payload * 2 : first_block_;
  payload = std::max(payload, min_payload + 16);
  void* raw = std::malloc(sizeof(Block) + payload);
  if (!raw) throw std::bad_alloc();
  auto* b = static_cast<Block*>(raw);
  b->next = head_;
  b->payload = payload;
  head_ = b;
  top_ = b->data();
  end_ = top_ + payload;
  reserved_ += sizeof(Block) + payload;
}

void* Arena::allocate_slow(std::size_t size, std::size_t align) {
  new_block(size + align);
  return allocate(size, align);
}

std::string_view Arena::copy(std::string_view s) {
  append(s.data(), s.size());
  return close_string();
}

void Arena::append_slow(const char* data, std::size_t size) {
  // The open string moves to a fresh block big enough for it and what is appended.
  const char* old = top_;
  std::size_t have = open_size_;
  new_block(have + size);
  if (have) std::memcpy(top_, old, have);
  if (size) std::memcpy(top_ + have, data, size);
  open_size_ = have + size;
}

void Arena::reset() noexcept {
  if (!head_) return;
  // Keep the largest block: the next tree of similar size then needs no allocation.
  Block* keep = head_;
  for (Block* b = head_; b; b = b->next) {
    if (b->payload > keep->payload) keep = b;
  }
  for (Block* b = head_; b;) {
    Block* next = b->next;
    if (b != keep) {
      reserved_ -= sizeof(Block) + b->payload;
      std::free(b);
    }
    b = next;
  }
  keep->next = nullptr;
  head_ = keep;
  top_ = keep->data();
  end_ = top_ + keep->payload;
  open_size_ = 0;
  used_ = 0;
}

void Arena::release() noexcept {
  for (Block* b = head_; b;) {
    Block* next = b->next;
    std::free(b);
    b = next;
  }
  head_ = nullptr;
  top_ = end_ = nullptr;
  open_size_ = used_ = reserved_ = 0;
}

}  // namespace xmpp::xml
