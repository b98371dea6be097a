// xmpp-chat's --adapter posix (the default): posix::Client, poll() over the socket and the
// watched descriptors.
#include <utility>

#include "chat_driver.hpp"
#include "xmpp/adapters/posix.hpp"

namespace xmpp::chat {

namespace {

class PosixDriver final : public ChatDriver {
 public:
  PosixDriver(SessionConfig config, SessionHooks hooks, const adapters::TransportOptions& options)
      : client_(std::move(config), std::move(hooks), options) {}

  bool start(const std::function<void(Session&)>& prepare, std::string* error) override {
    if (prepare) prepare(client_.session());
    return client_.start(error);
  }
  bool run_once(std::chrono::milliseconds max_wait) override { return client_.run_once(max_wait); }
  void watch(int fd, std::function<void()> on_ready) override {
    // poll() reports a regular file as always readable, which is what ChatDriver promises.
    client_.watch(fd, [on_ready = std::move(on_ready)](short) { on_ready(); });
  }
  void unwatch(int fd) override { client_.unwatch(fd); }
  void drop_transport() override { client_.drop_transport(); }
  Session& session() override { return client_.session(); }
  const std::string& last_transport_error() const override {
    return client_.last_transport_error();
  }

 private:
  posix::Client client_;
};

}  // namespace

std::unique_ptr<ChatDriver> make_posix_driver(SessionConfig config, SessionHooks hooks,
                                              const adapters::TransportOptions& options) {
  return std::make_unique<PosixDriver>(std::move(config), std::move(hooks), options);
}

}  // namespace xmpp::chat
