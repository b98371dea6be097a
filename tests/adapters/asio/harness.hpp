// The Asio adapter's tests reuse the POSIX driver's loopback harness (tests/adapters/posix/
// loopback.hpp: LoopbackServer stepped by the test thread, Recorder, plain_config()). The
// io_context runs in the test thread too, in small steps (run_for(1ms)) alternating with the
// servers' steps, so the hooks (on the Client's strand, hence in this thread) and the test read
// the same state without locks. The ThreadSanitizer test (tsan_test.cpp) is the one that runs
// the io_context on several threads.
#pragma once

#include <asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loopback.hpp"
#include "xmpp/adapters/asio.hpp"

namespace xmpp::asio_adapter::test {

using namespace std::chrono_literals;
using namespace posix::test;  // the loopback harness

/// One Client on `io` and what its hooks saw.
struct Member {
  Member(::asio::io_context& io, SessionConfig config, Options options = {});
  Recorder seen;
  std::unique_ptr<Client> client;
  /// start() (REQUIREd to succeed).
  void start();
};

/// Alternates io.run_for(1ms) with a step of every server until `done()` (false after `limit`).
bool drive(::asio::io_context& io, const std::vector<LoopbackServer*>& servers,
           const std::function<bool()>& done, std::chrono::milliseconds limit = 5s);

/// plain_config() with resource `resource`.
SessionConfig config_with_resource(const std::string& address, const std::string& resource);

/// Options trusting the test CA.
Options test_ca_options();

/// `<iq type='get' id=ID><ping xmlns='urn:xmpp:ping'/></iq>` to the server (no `to`).
xml::Element ping(xml::Arena& arena, const std::string& id);

/// The server answers the latest connection's request `id` with a result (REQUIREs success).
void answer(LoopbackServer& server, const std::string& id, const std::string& type = "result");

/// Whether the latest connection's server received a stanza with this id.
bool server_received(LoopbackServer& server, const std::string& id);

}  // namespace xmpp::asio_adapter::test
