// A FIFO of bytes with a contiguous view of what is queued: appends at the back, consumes from
// the front without moving the rest every time.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace xmpp::tls::detail {

class ByteQueue {
 public:
  /// Everything queued. Valid until the next non-const call.
  std::string_view view() const noexcept { return std::string_view(bytes_).substr(front_); }
  bool empty() const noexcept { return front_ == bytes_.size(); }

  /// Drops the first min(n, size) bytes. O(1): the storage is compacted by a later append().
  void consume(std::size_t n) noexcept {
    front_ += n < bytes_.size() - front_ ? n : bytes_.size() - front_;
    if (front_ == bytes_.size()) {
      bytes_.clear();
      front_ = 0;
    }
  }

  /// Appends `bytes`. Moves the unconsumed bytes to the front first when the consumed prefix is
  /// at least half the storage, so a queue drained steadily stays amortised O(1) per byte.
  void append(std::string_view bytes) {
    if (front_ > 0 && front_ >= bytes_.size() / 2) {
      bytes_.erase(0, front_);
      front_ = 0;
    }
    bytes_.append(bytes);
  }

 private:
  std::string bytes_;
  std::size_t front_ = 0;
};

}  // namespace xmpp::tls::detail
