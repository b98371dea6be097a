// The application's own descriptors (standard input, pipes) that a POSIX driver polls beside
// its socket.
#pragma once

#include <poll.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace xmpp::posix::detail {

class WatchSet {
 public:
  using Callback = std::function<void(short revents)>;

  void watch(int fd, Callback callback);
  void unwatch(int fd);
  /// Appends a pollfd (POLLIN) per watched descriptor.
  void add_to(std::vector<pollfd>& fds) const;
  /// Calls the callbacks of the entries of `fds` that belong to this set and are ready. A
  /// callback may watch or unwatch (its own descriptor included): entries removed meanwhile are
  /// not called.
  void dispatch(const std::vector<pollfd>& fds);

 private:
  struct Entry {
    int fd;
    std::shared_ptr<Callback> callback;
  };
  std::vector<Entry> entries_;
};

/// The poll() timeout for waiting from `now` until `deadline` (rounded up, so that the loop
/// never wakes just before a deadline and spins), at most `max_wait`.
int poll_timeout_ms(std::chrono::steady_clock::time_point now,
                    std::optional<std::chrono::steady_clock::time_point> deadline,
                    std::chrono::milliseconds max_wait);

/// run_once(wait) until `done()`, `run_once` returns false, or `limit` passed. Returns done().
bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
               const std::function<bool(std::chrono::milliseconds)>& run_once);

}  // namespace xmpp::posix::detail
