#include "harness.hpp"

#include <doctest/doctest.h>

#include <utility>

namespace xmpp::epoll::test {

void add(Loop& loop, Member& member, SessionConfig config) {
  std::string error;
  member.id = loop.add(std::move(config), member.seen.hooks(), &error);
  REQUIRE_MESSAGE(member.id != 0, error);
  member.seen.transport_error = [&loop, &member] { return loop.last_transport_error(member.id); };
}

std::vector<std::unique_ptr<Member>> add_many(Loop& loop, int count,
                                              const std::function<SessionConfig(int)>& config_for) {
  std::vector<std::unique_ptr<Member>> members;
  for (int i = 0; i < count; ++i) {
    members.push_back(std::make_unique<Member>());
    add(loop, *members.back(), config_for(i));
  }
  return members;
}

bool drive_with(Loop& loop, const std::function<void()>& step_servers,
                const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    loop.run_once(1ms);
    step_servers();
  }
  return true;
}

bool drive(Loop& loop, const std::vector<LoopbackServer*>& servers,
           const std::function<bool()>& done, std::chrono::milliseconds limit) {
  return drive_with(
      loop,
      [&] {
        for (LoopbackServer* server : servers)
          server->step();
      },
      done, limit);
}

SessionConfig config_with_resource(const std::string& address, const std::string& resource) {
  SessionConfig config = posix::test::plain_config(address);
  config.client.resource = resource;
  return config;
}

std::string message_to(const std::string& to, const std::string& id, const std::string& body) {
  return "<message from='bob@localhost' to='" + to + "' id='" + id + "' type='chat'><body>" + body +
         "</body></message>";
}

}  // namespace xmpp::epoll::test
