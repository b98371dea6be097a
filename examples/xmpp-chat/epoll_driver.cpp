// xmpp-chat's --adapter epoll (Linux): an epoll::Loop driving one Session, standard input and
// the signal pipe in the same epoll set.
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "chat_driver.hpp"
#include "xmpp/adapters/epoll.hpp"

namespace xmpp::chat {

namespace {

class EpollDriver final : public ChatDriver {
 public:
  EpollDriver(SessionConfig config, SessionHooks hooks, const adapters::TransportOptions& options)
      : loop_(options), config_(std::move(config)), hooks_(std::move(hooks)) {}

  bool start(const std::function<void(Session&)>& prepare, std::string* error) override {
    id_ = loop_.add(std::move(config_), std::move(hooks_), error, prepare);
    return id_ != 0;
  }

  bool run_once(std::chrono::milliseconds max_wait) override {
    // The watched descriptors keep the Loop itself busy: the Session decides when this ends.
    if (loop_.running() == 0) return false;
    loop_.run_once(always_ready_.empty() ? max_wait : std::chrono::milliseconds(0));
    std::vector<int> ready;
    for (const auto& [fd, callback] : always_ready_)
      ready.push_back(fd);
    for (const int fd : ready) {
      const auto it = always_ready_.find(fd);
      if (it == always_ready_.end()) continue;  // unwatched by an earlier callback
      const auto callback = it->second;         // survives an unwatch inside
      (*callback)();
    }
    return loop_.running() > 0;
  }

  void watch(int fd, std::function<void()> on_ready) override {
    auto callback = std::make_shared<std::function<void()>>(std::move(on_ready));
    // epoll refuses regular files and /dev/null (EPERM): reading them never blocks, so they
    // are called at every round instead, as poll() would report them.
    if (loop_.watch(fd, [callback](std::uint32_t) { (*callback)(); })) {
      always_ready_.erase(fd);
    } else {
      always_ready_[fd] = std::move(callback);
    }
  }

  void unwatch(int fd) override {
    loop_.unwatch(fd);
    always_ready_.erase(fd);
  }

  void drop_transport() override { loop_.drop_transport(id_); }
  Session& session() override { return *loop_.session(id_); }
  const std::string& last_transport_error() const override {
    return loop_.last_transport_error(id_);
  }

 private:
  epoll::Loop loop_;
  SessionConfig config_;  // until start()
  SessionHooks hooks_;
  epoll::SessionId id_ = 0;
  std::map<int, std::shared_ptr<std::function<void()>>> always_ready_;
};

}  // namespace

std::unique_ptr<ChatDriver> make_epoll_driver(SessionConfig config, SessionHooks hooks,
                                              const adapters::TransportOptions& options) {
  return std::make_unique<EpollDriver>(std::move(config), std::move(hooks), options);
}

}  // namespace xmpp::chat
