// watch(): the application's own descriptors in the driver's poll() (a pipe here): called when
// readable or hung up, never after unwatch(), and callbacks that change the watch set.
//
// The client is started against a loopback server that is never stepped: the kernel completes
// its TCP connect, the Session waits for the server's header (30 s), and the loop has nothing to
// do but the pipes. A check that a callback is NOT called leaves the pipe readable, so a
// callback still registered would run at once: the waits there are not races.
#include <doctest/doctest.h>
#include <poll.h>

#include <string>
#include <vector>

#include "loopback.hpp"

namespace xmpp::posix::test {
namespace {

struct Started {
  LoopbackServer server{plain_server_config()};
  Recorder seen;
  Client client{plain_config(server.address()), seen.hooks()};

  Started() { REQUIRE(client.start()); }
  /// run_once() a few times, each waiting at most `wait`.
  void spin(int rounds = 3, std::chrono::milliseconds wait = 20ms) {
    for (int i = 0; i < rounds; ++i)
      REQUIRE(client.run_once(wait));
  }
};

TEST_CASE("posix watch: called when the pipe is written; unwatch() stops it") {
  Started s;
  Pipe pipe;
  std::vector<short> calls;
  s.client.watch(pipe.read_end.get(), [&](short revents) {
    calls.push_back(revents);
    pipe.read();
  });
  s.spin(1, 0ms);
  CHECK(calls.empty());

  pipe.write("a");
  CHECK(s.client.run_until([&] { return !calls.empty(); }, 2s));
  REQUIRE(calls.size() == 1);
  CHECK((calls[0] & POLLIN) != 0);
  s.spin();
  CHECK(calls.size() == 1);  // read: nothing more to report

  s.client.unwatch(pipe.read_end.get());
  pipe.write("b");  // stays in the pipe
  s.spin();
  CHECK(calls.size() == 1);

  // Watched again: the byte is still there, so it is reported at once.
  s.client.watch(pipe.read_end.get(), [&](short revents) {
    calls.push_back(revents);
    CHECK(pipe.read() == "b");
  });
  CHECK(s.client.run_until([&] { return calls.size() == 2; }, 2s));
}

TEST_CASE("posix watch: a callback may unwatch itself") {
  Started s;
  Pipe pipe;
  int calls = 0;
  s.client.watch(pipe.read_end.get(), [&](short) {
    ++calls;
    s.client.unwatch(pipe.read_end.get());  // leaves the byte unread
  });
  pipe.write("x");
  CHECK(s.client.run_until([&] { return calls == 1; }, 2s));
  s.spin();
  CHECK(calls == 1);
}

TEST_CASE("posix watch: a second watch() of a descriptor replaces the first") {
  Started s;
  Pipe pipe;
  int first = 0;
  int second = 0;
  s.client.watch(pipe.read_end.get(), [&](short) { ++first; });
  s.client.watch(pipe.read_end.get(), [&](short) {
    ++second;
    pipe.read();
  });
  pipe.write("x");
  CHECK(s.client.run_until([&] { return second == 1; }, 2s));
  s.spin();
  CHECK(first == 0);
  CHECK(second == 1);
}

TEST_CASE("posix watch: a descriptor unwatched by an earlier callback is not called") {
  Started s;
  Pipe one;
  Pipe two;
  int one_calls = 0;
  int two_calls = 0;
  s.client.watch(one.read_end.get(), [&](short) {
    ++one_calls;
    one.read();
    s.client.unwatch(two.read_end.get());
  });
  s.client.watch(two.read_end.get(), [&](short) { ++two_calls; });
  // Both readable before the same poll(): the first callback removes the second.
  two.write("2");
  one.write("1");
  CHECK(s.client.run_until([&] { return one_calls == 1; }, 2s));
  s.spin();
  CHECK(one_calls == 1);
  CHECK(two_calls == 0);
}

TEST_CASE("posix watch: a callback may watch another descriptor; hang-up is reported") {
  Started s;
  Pipe one;
  Pipe two;
  int two_calls = 0;
  short two_revents = 0;
  s.client.watch(one.read_end.get(), [&](short) {
    one.read();
    s.client.watch(two.read_end.get(), [&](short revents) {
      ++two_calls;
      two_revents = revents;
      s.client.unwatch(two.read_end.get());
    });
  });
  one.write("1");
  two.write_end.reset();  // the writer goes away: POLLHUP, no data
  CHECK(s.client.run_until([&] { return two_calls == 1; }, 2s));
  CHECK((two_revents & POLLHUP) != 0);
  s.spin();
  CHECK(two_calls == 1);
}

TEST_CASE("posix watch: the component driver polls watched descriptors too") {
  Listener listener = Listener::open();
  ComponentConfig config(*Jid::parse("component.localhost"));
  config.secret = "secret";
  ComponentClient component(config, listener.address(), {});
  REQUIRE(component.start());
  Pipe pipe;
  int calls = 0;
  component.watch(pipe.read_end.get(), [&](short) {
    ++calls;
    pipe.read();
  });
  pipe.write("x");
  CHECK(component.run_until([&] { return calls == 1; }, 2s));
  component.unwatch(pipe.read_end.get());
  pipe.write("y");
  for (int i = 0; i < 3; ++i)
    component.run_once(20ms);
  CHECK(calls == 1);
}

}  // namespace
}  // namespace xmpp::posix::test
