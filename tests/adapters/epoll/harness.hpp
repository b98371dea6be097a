// The epoll loop's tests reuse the POSIX driver's loopback harness (tests/adapters/posix/
// loopback.hpp: LoopbackServer stepped by the test thread, Recorder, plain_config()); this adds
// what many sessions in one Loop need.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "xmpp/adapters/epoll.hpp"

namespace xmpp::epoll::test {

using namespace std::chrono_literals;
using namespace posix::test;  // the loopback harness

/// One session of a Loop and what its hooks saw.
struct Member {
  SessionId id = 0;
  Recorder seen;
};

/// Adds a session recording into `member` (REQUIREs success).
void add(Loop& loop, Member& member, SessionConfig config);

/// `count` members, each added with `config_for(i)`.
std::vector<std::unique_ptr<Member>> add_many(Loop& loop, int count,
                                              const std::function<SessionConfig(int)>& config_for);

/// Alternates loop.run_once(1ms) with `step_servers()` until `done()` (false after `limit`).
bool drive_with(Loop& loop, const std::function<void()>& step_servers,
                const std::function<bool()>& done, std::chrono::milliseconds limit = 5s);

/// Alternates loop.run_once(1ms) with a step of every server until `done()` (false after
/// `limit`).
bool drive(Loop& loop, const std::vector<LoopbackServer*>& servers,
           const std::function<bool()>& done, std::chrono::milliseconds limit = 5s);

/// plain_config() with resource `resource`.
SessionConfig config_with_resource(const std::string& address, const std::string& resource);

/// `<message to='bob@localhost' id=ID><body>BODY</body></message>` as the server sends it to
/// `to`.
std::string message_to(const std::string& to, const std::string& id, const std::string& body);

}  // namespace xmpp::epoll::test
