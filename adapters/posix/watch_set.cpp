#include "watch_set.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace xmpp::posix::detail {

void WatchSet::watch(int fd, Callback callback) {
  auto shared = std::make_shared<Callback>(std::move(callback));
  for (Entry& entry : entries_) {
    if (entry.fd == fd) {
      entry.callback = std::move(shared);
      return;
    }
  }
  entries_.push_back({fd, std::move(shared)});
}

void WatchSet::unwatch(int fd) {
  std::erase_if(entries_, [fd](const Entry& entry) { return entry.fd == fd; });
}

void WatchSet::add_to(std::vector<pollfd>& fds) const {
  for (const Entry& entry : entries_)
    fds.push_back({entry.fd, POLLIN, 0});
}

void WatchSet::dispatch(const std::vector<pollfd>& fds) {
  for (const pollfd& ready : fds) {
    if (ready.revents == 0) continue;
    // Looked up again for each descriptor: an earlier callback may have changed the set.
    auto found = std::find_if(entries_.begin(), entries_.end(),
                              [&](const Entry& entry) { return entry.fd == ready.fd; });
    if (found == entries_.end()) continue;
    const std::shared_ptr<Callback> callback = found->callback;  // survives an unwatch inside
    (*callback)(ready.revents);
  }
}

int poll_timeout_ms(std::chrono::steady_clock::time_point now,
                    std::optional<std::chrono::steady_clock::time_point> deadline,
                    std::chrono::milliseconds max_wait) {
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(max_wait);
  if (deadline) {
    const auto until = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now);
    wait = std::min(wait, std::max(until, std::chrono::milliseconds(0)));
  }
  return static_cast<int>(std::clamp<std::int64_t>(wait.count(), 0, 1'000'000'000));
}

bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
               const std::function<bool(std::chrono::milliseconds)>& run_once) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= end) break;
    if (!run_once(std::chrono::ceil<std::chrono::milliseconds>(end - now))) break;
  }
  return done();
}

}  // namespace xmpp::posix::detail
