// xmpp-chat's --adapter asio (when Asio is installed): asio_adapter::Client on one io_context run
// by the calling thread, standard input and the signal pipe as posix::stream_descriptors on the
// same io_context.
#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "chat_driver.hpp"
#include "xmpp/adapters/asio.hpp"

namespace xmpp::chat {

namespace {

/// One watched descriptor. The callback is shared so that it survives a watch() replacing it or
/// an unwatch() from inside itself.
struct Watch {
  Watch(::asio::io_context& io, int fd) : descriptor(io) {
    std::error_code ec;
    descriptor.assign(fd, ec);
    registered = !ec;
  }
  Watch(const Watch&) = delete;
  Watch& operator=(const Watch&) = delete;
  ~Watch() {
    // The descriptor stays the caller's: release() (which also cancels a pending wait) keeps
    // the destructor from closing it.
    if (descriptor.is_open()) (void)descriptor.release();
  }

  ::asio::posix::stream_descriptor descriptor;
  std::shared_ptr<std::function<void()>> callback;
  bool registered = false;
};

class AsioDriver final : public ChatDriver {
 public:
  AsioDriver(SessionConfig config, SessionHooks hooks, const adapters::TransportOptions& options)
      : client_(io_.get_executor(), std::move(config), std::move(hooks), options) {}

  ~AsioDriver() override {
    // Before the Client and the io_context: the descriptors are released, not closed.
    watches_.clear();
  }

  bool start(const std::function<void(Session&)>& prepare, std::string* error) override {
    // Nothing runs the io_context yet, so the idle Session may be prepared directly.
    if (prepare) prepare(client_.session());
    return client_.start(error);
  }

  bool run_once(std::chrono::milliseconds max_wait) override {
    if (stopped()) return false;
    // The caller uses the Session between rounds (sends, close()) off the Client's strand: what
    // that produced is written, and the new deadlines armed, once a post()ed function returns.
    client_.post([](Session&) {});
    // poll() counts that nudge: anything more means there is work now, so no waiting.
    const bool busy = io_.poll() > 1 || !always_ready_.empty();
    if (!busy && !stopped()) io_.run_one_for(max_wait);
    io_.poll();
    run_always_ready();
    return !stopped();
  }

  void watch(int fd, std::function<void()> on_ready) override {
    auto callback = std::make_shared<std::function<void()>>(std::move(on_ready));
    if (const auto it = always_ready_.find(fd); it != always_ready_.end()) {
      it->second = std::move(callback);
      return;
    }
    if (const auto it = watches_.find(fd); it != watches_.end()) {
      it->second->callback = std::move(callback);  // its wait stays armed
      return;
    }
    auto watch = std::make_shared<Watch>(io_, fd);
    if (!watch->registered) {
      // Asio could not take it (not a descriptor it can hold): reading it reports why, as
      // poll() would report POLLNVAL, so the callback runs at every round.
      always_ready_[fd] = std::move(callback);
      return;
    }
    watch->callback = std::move(callback);
    watches_[fd] = watch;
    arm(fd, watch);
  }

  void unwatch(int fd) override {
    watches_.erase(fd);  // ~Watch releases it; its pending wait completes as aborted
    always_ready_.erase(fd);
  }

  void drop_transport() override { client_.drop_transport(); }
  Session& session() override { return client_.session(); }
  const std::string& last_transport_error() const override {
    last_error_ = client_.last_transport_error();  // the Client returns a copy
    return last_error_;
  }

 private:
  bool stopped() const { return client_.session().state() == SessionState::stopped; }

  /// One wait for readability (or a hang-up). Asio's epoll reactor is edge-triggered: re-arming
  /// only after the callback ran re-checks the descriptor, which makes it level-triggered as
  /// ChatDriver promises, without a second callback for data the first one already read.
  void arm(int fd, const std::shared_ptr<Watch>& watch) {
    watch->descriptor.async_wait(
        ::asio::posix::stream_descriptor::wait_read,
        [this, fd, weak = std::weak_ptr<Watch>(watch)](const std::error_code& ec) {
          const auto alive = weak.lock();
          const auto it = watches_.find(fd);
          if (!alive || it == watches_.end() || it->second != alive) return;  // unwatched
          if (ec == ::asio::error::operation_not_supported) {
            // epoll refuses regular files and /dev/null: reading them never blocks, so they are
            // called at every round instead, as poll() would report them.
            always_ready_[fd] = alive->callback;
            watches_.erase(it);
            return;
          }
          if (ec) return;
          // On the Client's strand, so that what the callback makes the Session send is written
          // when it returns.
          client_.post([this, fd, weak](Session&) { on_ready(fd, weak); });
        });
  }

  void on_ready(int fd, const std::weak_ptr<Watch>& weak) {
    auto watch = weak.lock();
    if (!watch) return;
    const auto callback = watch->callback;  // survives a watch() or unwatch() inside
    (*callback)();
    const auto it = watches_.find(fd);
    if (it != watches_.end() && it->second == watch) arm(fd, watch);
  }

  void run_always_ready() {
    std::vector<int> ready;
    for (const auto& [fd, callback] : always_ready_)
      ready.push_back(fd);
    for (const int fd : ready) {
      const auto it = always_ready_.find(fd);
      if (it == always_ready_.end()) continue;  // unwatched by an earlier callback
      const auto callback = it->second;
      // No thread runs the io_context now: the Session may be used directly; what it sends is
      // written at the next round's nudge.
      (*callback)();
    }
  }

  // Destroyed in reverse: the descriptors, the Client, the work guard, then the io_context that
  // still holds the Client's last handlers.
  ::asio::io_context io_;
  /// The io_context never runs out of work: run_one_for() waits for max_wait even when nothing
  /// is pending (a Session between attempts with only always-ready descriptors).
  ::asio::executor_work_guard<::asio::io_context::executor_type> work_ =
      ::asio::make_work_guard(io_);
  asio_adapter::Client client_;
  std::map<int, std::shared_ptr<Watch>> watches_;
  std::map<int, std::shared_ptr<std::function<void()>>> always_ready_;
  mutable std::string last_error_;
};

}  // namespace

std::unique_ptr<ChatDriver> make_asio_driver(SessionConfig config, SessionHooks hooks,
                                             const adapters::TransportOptions& options) {
  return std::make_unique<AsioDriver>(std::move(config), std::move(hooks), options);
}

}  // namespace xmpp::chat
