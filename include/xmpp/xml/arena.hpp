// A bump allocator for element trees, reused from one stanza to the next.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string_view>
#include <type_traits>

namespace xmpp::xml {

/// Owns the memory of element trees. Everything allocated from an arena lives until the next
/// reset() or release() (or the arena's destruction); nothing is freed one by one.
///
/// reset() keeps the largest block, so a stream of similar stanzas reaches a steady state with no
/// heap allocation at all. release() returns every block to the heap (for idle connections).
///
/// Besides fixed allocations, the arena supports one *open string* at a time: bytes appended to
/// it stay contiguous (moved to a bigger block if needed) until close_string() fixes it in place.
/// No other allocation may happen while a string is open.
class Arena {
 public:
  /// `first_block` is the size of the first block allocated on first use (nothing is allocated
  /// before that).
  explicit Arena(std::size_t first_block = 1024) noexcept;
  ~Arena();
  Arena(Arena&& other) noexcept;
  Arena& operator=(Arena&& other) noexcept;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  /// Uninitialised memory for `size` bytes aligned to `align` (a power of two, at most 16).
  /// Throws std::bad_alloc if the heap is exhausted.
  void* allocate(std::size_t size, std::size_t align) {
    auto top = reinterpret_cast<std::uintptr_t>(top_);
    auto p = (top + align - 1) & ~(std::uintptr_t{align} - 1);
    if (top_ && p + size <= reinterpret_cast<std::uintptr_t>(end_)) [[likely]] {
      used_ += size + (p - top);
      top_ = reinterpret_cast<char*>(p + size);
      return top_ - size;
    }
    return allocate_slow(size, align);
  }

  /// Default-constructs a trivially destructible T in the arena.
  template <class T>
  T* make() {
    static_assert(std::is_trivially_destructible_v<T>, "arena objects are never destroyed");
    return ::new (allocate(sizeof(T), alignof(T))) T{};
  }

  /// Copies `s` into the arena; the view stays valid until reset()/release().
  std::string_view copy(std::string_view s);

  /// Appends to the open string (opening one if none is open).
  void append(const char* data, std::size_t size) {
    if (size <= static_cast<std::size_t>(end_ - top_) - open_size_) [[likely]] {
      copy_bytes(top_ + open_size_, data, size);
      open_size_ += size;
    } else {
      append_slow(data, size);
    }
  }
  void append(char c) { append(&c, 1); }
  /// Size of the open string so far (0 when none is open).
  std::size_t open_size() const noexcept { return open_size_; }
  /// The open string as it is now; valid until the next append or allocation.
  std::string_view open_view() const noexcept { return {top_, open_size_}; }
  /// Fixes the open string in place and returns it; valid until reset()/release().
  std::string_view close_string() noexcept {
    std::string_view s{top_, open_size_};
    top_ += open_size_;
    used_ += open_size_;
    open_size_ = 0;
    return s;
  }
  /// Drops the open string.
  void discard_string() noexcept { open_size_ = 0; }

  /// Invalidates everything allocated; keeps the largest block for reuse.
  void reset() noexcept;
  /// Invalidates everything allocated and frees every block.
  void release() noexcept;

  /// Bytes handed out since the last reset (logical use, independent of block layout).
  std::size_t bytes_used() const noexcept { return used_ + open_size_; }
  /// Bytes of heap held, including block headers.
  std::size_t bytes_reserved() const noexcept { return reserved_; }

 private:
  struct Block;
  // Names and short values dominate; copying them inline beats a call to memcpy.
  static void copy_bytes(char* dst, const char* src, std::size_t n) noexcept {
    if (n >= 8 && n <= 16) {
      std::uint64_t a, b;
      __builtin_memcpy(&a, src, 8);
      __builtin_memcpy(&b, src + n - 8, 8);
      __builtin_memcpy(dst, &a, 8);
      __builtin_memcpy(dst + n - 8, &b, 8);
    } else if (n >= 4 && n < 8) {
      std::uint32_t a, b;
      __builtin_memcpy(&a, src, 4);
      __builtin_memcpy(&b, src + n - 4, 4);
      __builtin_memcpy(dst, &a, 4);
      __builtin_memcpy(dst + n - 4, &b, 4);
    } else if (n > 16) {
      __builtin_memcpy(dst, src, n);
    } else {
      for (std::size_t i = 0; i < n; ++i)
        dst[i] = src[i];
    }
  }
  void append_slow(const char* data, std::size_t size);
  void* allocate_slow(std::size_t size, std::size_t align);
  void new_block(std::size_t min_payload);

  Block* head_ = nullptr;  // newest block first
  char* top_ = nullptr;    // next free byte in head_
  char* end_ = nullptr;    // end of head_'s payload
  std::size_t open_size_ = 0;
  std::size_t used_ = 0;
  std::size_t reserved_ = 0;
  std::size_t first_block_;
};

}  // namespace xmpp::xml
