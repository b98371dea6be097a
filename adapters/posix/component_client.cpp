// xmpp::posix::ComponentClient: one XEP-0114 component stream over plain TCP, with poll(). The
// connection logic is the ComponentDriver's (shared with the epoll loop); this file waits.
#include <poll.h>

#include <cerrno>
#include <utility>
#include <vector>

#include "component_driver.hpp"
#include "tcp_socket.hpp"
#include "watch_set.hpp"
#include "xmpp/adapters/posix.hpp"

namespace xmpp::posix {

struct ComponentClient::Impl {
  Impl(ComponentConfig config, std::string server, ComponentHooks hooks, Options opts)
      : options(std::move(opts)),
        driver(std::move(config), std::move(server), std::move(hooks), options) {}

  Options options;
  std::unique_ptr<dns::Resolver> resolver;
  detail::ComponentDriver driver;
  detail::WatchSet watches;
  /// A poll() failure (the driver's own errors are driver.last_error()).
  std::string poll_error;

  static TimePoint now() { return Clock::now(); }

  bool start(std::string* error) {
    std::string why;
    if (!resolver) {
      resolver = dns::Resolver::create(options.dns, &why);
      if (!resolver) {
        if (error) *error = "DNS: " + why;
        return false;
      }
    }
    return driver.start(*resolver, detail::DnsMode::blocking, error);
  }

  bool run_once(std::chrono::milliseconds max_wait) {
    if (!driver.running()) return false;
    driver.step(now());
    if (!driver.running()) return false;
    std::vector<pollfd> fds;
    const int fd = driver.fd();
    if (fd >= 0) fds.push_back({fd, driver.poll_events(), 0});
    watches.add_to(fds);
    const int timeout = detail::poll_timeout_ms(now(), driver.next_deadline(), max_wait);
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) poll_error = "poll(): " + detail::describe_errno(errno);
    if (ready > 0) {
      if (fd >= 0 && fds[0].revents != 0) driver.on_ready(fds[0].revents, now());
      watches.dispatch(fds);
    }
    driver.step(now());
    return driver.running();
  }
};

ComponentClient::ComponentClient(ComponentConfig config, std::string server, ComponentHooks hooks,
                                 Options options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(server), std::move(hooks),
                                   std::move(options))) {}

ComponentClient::~ComponentClient() = default;

bool ComponentClient::start(std::string* error) {
  return impl_->start(error);
}

CloseReason ComponentClient::run() {
  while (impl_->run_once(std::chrono::hours(1))) {
  }
  return impl_->driver.close_reason().value_or(CloseReason::connection_lost);
}

bool ComponentClient::run_once(std::chrono::milliseconds max_wait) {
  return impl_->run_once(max_wait);
}

bool ComponentClient::run_until(const std::function<bool()>& done,
                                std::chrono::milliseconds limit) {
  return detail::run_until(
      done, limit, [this](std::chrono::milliseconds wait) { return impl_->run_once(wait); });
}

void ComponentClient::watch(int fd, std::function<void(short)> on_ready) {
  impl_->watches.watch(fd, std::move(on_ready));
}

void ComponentClient::unwatch(int fd) {
  impl_->watches.unwatch(fd);
}

Component& ComponentClient::component() noexcept {
  return impl_->driver.component();
}

const std::string& ComponentClient::last_transport_error() const noexcept {
  const std::string& error = impl_->driver.last_error();
  return error.empty() ? impl_->poll_error : error;
}

}  // namespace xmpp::posix
