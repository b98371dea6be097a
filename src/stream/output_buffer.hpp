// Bytes queued for the transport: what the engine has produced and the caller has not yet written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace xmpp::stream {

/// A FIFO of bytes stored in a list of fixed-size heap blocks.
///
/// Ownership and validity (the key property): bytes never move once queued. A view returned by
/// front() points into a block and stays valid until consume() has covered every byte of it, even
/// if more bytes are appended in between, so an asynchronous write may keep pointing at it. Any
/// other call (append, front, size, a partial consume, release_memory) leaves it valid; only
/// destroying the buffer or move-assigning onto it ends it early.
///
/// Memory: a block is block_size() bytes; an append larger than the room left in the last block
/// spans as many blocks as it needs. front() is the unconsumed part of the first block only (the
/// longest contiguous run at the head); after consuming it the next block becomes the front.
/// When a block is fully consumed it is kept as the single spare block (at most one) and reused by
/// the next append that needs a block, so a steady stream of appends and consumes allocates
/// nothing. A lone block that becomes empty is rewound and reused in place.
///
/// Bound: size() never exceeds max_bytes(); an append that would exceed it is refused whole.
class OutputBuffer {
 public:
  static constexpr std::size_t kDefaultBlockSize = 4096;

  /// `max_bytes` bounds size(). A `block_size` of 0 is treated as 1.
  explicit OutputBuffer(std::size_t max_bytes, std::size_t block_size = kDefaultBlockSize);
  ~OutputBuffer();

  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;
  /// Moving transfers the blocks (views stay valid and now belong to the target); the source is
  /// left empty with the same limits.
  OutputBuffer(OutputBuffer&& other) noexcept;
  OutputBuffer& operator=(OutputBuffer&& other) noexcept;

  /// Queues `bytes` after everything already queued. Returns false, and appends nothing, when
  /// size() + bytes.size() would exceed max_bytes(). Appending no bytes always succeeds. Strong
  /// guarantee: if a block allocation throws, nothing is appended.
  bool append(std::string_view bytes);

  /// The longest contiguous run of unconsumed bytes at the head; empty iff empty(). Valid until
  /// consume() covers it (see the class comment).
  std::string_view front() const noexcept;

  /// Drops the first `n` bytes of front(). Returns false and changes nothing when
  /// n > front().size() (API misuse: consume what front() gave, possibly in several steps).
  /// consume(0) always succeeds and does nothing.
  bool consume(std::size_t n) noexcept;
  /// Drops every queued byte (their transport is gone); ends the validity of every view.
  void clear() noexcept {
    while (!empty() && !front().empty())
      consume(front().size());
  }

  /// Unconsumed bytes queued (over all blocks).
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t max_bytes() const noexcept { return max_bytes_; }
  std::size_t block_size() const noexcept { return block_size_; }

  /// Frees the spare block, and the last block too when nothing is queued (an idle connection then
  /// holds no output memory). Never invalidates a view of unconsumed bytes.
  void release_memory() noexcept;

  /// Heap memory held: every block in use plus the spare, with their bookkeeping.
  std::size_t heap_bytes() const noexcept;

  /// Number of blocks allocated since construction (for tests and accounting: in a steady state
  /// it stops growing).
  std::uint64_t blocks_allocated() const noexcept { return blocks_allocated_; }

 private:
  struct Block;
  struct BlockDeleter {
    void operator()(Block* block) const noexcept;
  };
  using BlockPtr = std::unique_ptr<Block, BlockDeleter>;

  BlockPtr new_block();
  void recycle(BlockPtr block) noexcept;

  BlockPtr head_;          // first block (owns the chain through Block::next)
  Block* tail_ = nullptr;  // last block of the chain, null iff head_ is null
  BlockPtr spare_;         // at most one unused block kept for reuse
  std::size_t size_ = 0;
  std::size_t max_bytes_;
  std::size_t block_size_;
  std::uint64_t blocks_allocated_ = 0;
};

}  // namespace xmpp::stream
