// The whole negotiation is invariant under chunking: however the server's bytes are split,
// however much of the output the caller writes at a time, whenever it polls events and however
// the clock moves (within the timeouts), the client writes the same bytes and reports the same
// events. Also for transcripts with a corrupted byte, which must end in the same error.
#include <rapidcheck.h>

#include "client_harness.hpp"
#include "pair.hpp"
#include "rc_doctest.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::test {
namespace {

// The server's side of a STARTTLS + PLAIN + bind session, then traffic and the close. The
// hand-off happens right after <proceed/>; the bytes after it are the TLS session's.
std::string server_transcript() {
  std::string s;
  s += kServerHeader;
  s += kStartTlsFeatures;
  s += kProceed;
  s += kServerHeader;
  s += kPlainFeatures;
  s += kSuccess;
  s += kServerHeader;
  s += kBindFeatures;
  s += bind_result("000102030405", "alice@example.com/sansio");
  s += "<message from='bob@example.com/x' id='a'><body>one</body></message>";
  s += "<presence from='bob@example.com/x'><status>here &amp; there</status></presence>";
  s += "<iq type='get' id='p1' from='example.com'><ping xmlns='urn:xmpp:ping'/></iq>";
  s += "</stream:stream>";
  return s;
}

std::string describe(const Event& e) {
  return std::visit(
      [](const auto& ev) -> std::string {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, event::Authenticated>) {
          return "authenticated " + std::string(sasl::to_string(ev.mechanism));
        } else if constexpr (std::is_same_v<T, event::AuthenticationFailed>) {
          return "authentication-failed " + ev.text;
        } else if constexpr (std::is_same_v<T, event::Online>) {
          return "online " + std::string(ev.jid.str());
        } else if constexpr (std::is_same_v<T, event::Stanza>) {
          std::string out = "stanza ";
          xml::write(ev.element, out);
          return out;
        } else if constexpr (std::is_same_v<T, event::StreamErrorSent>) {
          return "error-sent " + std::string(to_string(ev.error.condition)) + " " +
                 ev.error.text.value_or("");
        } else if constexpr (std::is_same_v<T, event::StreamErrorReceived>) {
          return "error-received " + std::string(to_string(ev.error.condition));
        } else if constexpr (std::is_same_v<T, event::Acked>) {
          return "acked " + std::to_string(ev.stanzas.size());
        } else if constexpr (std::is_same_v<T, event::Unconfirmed>) {
          return "unconfirmed " + std::to_string(ev.stanzas.size()) + " " + ev.reason;
        } else if constexpr (std::is_same_v<T, event::LinkDead>) {
          return "link-dead " + std::to_string(ev.silent_for.count());
        } else {
          static_assert(std::is_same_v<T, event::Closed>);
          return "closed " + std::string(to_string(ev.reason)) + " " + ev.detail;
        }
      },
      e);
}

struct Outcome {
  std::string written;
  std::vector<std::string> events;
  ClientPhase phase = ClientPhase::idle;
};

// How the caller behaves in one run; each vector is used cyclically.
struct Plan {
  std::vector<std::size_t> chunk_sizes;    // bytes per receive() (>= 1)
  std::vector<std::size_t> write_budgets;  // output bytes written per drain (0: none this time)
  std::vector<bool> poll_now;              // whether a drain polls the events
  std::vector<int> clock_steps_ms;         // how far the clock moves before each input
};

Outcome run(std::string_view server, const Plan& plan) {
  Client client(test_config());
  Outcome out;
  TimePoint now{std::chrono::seconds(100)};
  std::size_t step = 0;
  const auto pick = [&step](const auto& v) { return v[step % v.size()]; };
  const auto drain = [&](bool everything) {
    std::size_t budget = everything ? SIZE_MAX : pick(plan.write_budgets);
    for (auto o = client.output(); !o.empty() && budget > 0; o = client.output()) {
      const std::size_t n = std::min(budget, o.size());
      out.written.append(o.substr(0, n));
      REQUIRE(client.consume_output(n) == CommandStatus::ok);
      budget -= n;
    }
    if (everything || pick(plan.poll_now)) {
      while (auto e = client.poll_event())
        out.events.push_back(describe(*e));
    }
  };
  REQUIRE(client.connect(now) == CommandStatus::ok);
  drain(false);
  std::size_t pos = 0;
  while (pos < server.size() && client.phase() != ClientPhase::closed) {
    ++step;
    now += std::chrono::milliseconds(pick(plan.clock_steps_ms));
    client.handle_timeout(now);
    drain(false);
    if (client.phase() == ClientPhase::tls_handoff) {
      REQUIRE(client.tls_established(test_tls_info(), now) == CommandStatus::ok);
      drain(false);
      continue;
    }
    const std::size_t n = std::min(pick(plan.chunk_sizes), server.size() - pos);
    const ReceiveResult r = client.receive(server.substr(pos, n), now);
    REQUIRE(r.consumed <= n);
    REQUIRE(r.status != ReceiveStatus::invalid_state);
    pos += r.consumed;
    if (r.status == ReceiveStatus::drain_needed) drain(true);
    drain(false);
  }
  drain(true);
  out.phase = client.phase();
  return out;
}

Plan whole_plan() {
  return Plan{{SIZE_MAX}, {SIZE_MAX}, {true}, {0}};
}

rc::Gen<Plan> plans() {
  return rc::gen::build<Plan>(
      rc::gen::set(&Plan::chunk_sizes,
                   rc::gen::nonEmpty(rc::gen::container<std::vector<std::size_t>>(
                       rc::gen::inRange<std::size_t>(1, 300)))),
      rc::gen::set(&Plan::write_budgets,
                   rc::gen::nonEmpty(rc::gen::container<std::vector<std::size_t>>(
                       rc::gen::inRange<std::size_t>(0, 200)))),
      rc::gen::set(&Plan::poll_now, rc::gen::nonEmpty(rc::gen::arbitrary<std::vector<bool>>())),
      // Well below every timeout (30 s by default) over the whole run.
      rc::gen::set(&Plan::clock_steps_ms, rc::gen::nonEmpty(rc::gen::container<std::vector<int>>(
                                              rc::gen::inRange(0, 20)))));
}

}  // namespace

TEST_CASE("client property: the negotiation does not depend on chunking, draining or time") {
  const std::string server = server_transcript();
  const Outcome expected = run(server, whole_plan());
  REQUIRE(expected.phase == ClientPhase::closed);
  REQUIRE(expected.events.size() == 6);  // authenticated, online, 3 stanzas, closed
  check_property("chunking invariance of a whole session", [&] {
    const Plan plan = *plans();
    const Outcome got = run(server, plan);
    RC_ASSERT(got.written == expected.written);
    RC_ASSERT(got.events == expected.events);
    RC_ASSERT(got.phase == expected.phase);
  });
}

TEST_CASE("client property: a corrupted transcript fails the same way whatever the chunking") {
  const std::string server = server_transcript();
  check_property("chunking invariance of failures", [&] {
    std::string corrupted = server;
    const auto at = *rc::gen::inRange<std::size_t>(0, corrupted.size());
    const auto byte = *rc::gen::arbitrary<char>();
    if (*rc::gen::arbitrary<bool>()) {
      corrupted[at] = byte;
    } else {
      corrupted.insert(at, 1, byte);
    }
    const Outcome expected = run(corrupted, whole_plan());
    const Outcome got = run(corrupted, *plans());
    RC_ASSERT(got.written == expected.written);
    RC_ASSERT(got.events == expected.events);
    RC_ASSERT(got.phase == expected.phase);
  });
}

namespace {

struct PairOutcome {
  std::string client_written;
  std::vector<std::string> events;
  std::vector<std::string> stanzas;
  std::vector<std::string> server_received;
  ClientPhase phase = ClientPhase::idle;
};

// A whole SCRAM-SHA-256 session against the test server: negotiation, a stanza each way, the
// close. `chunks` drives all three chunking functions (cyclically); empty means whole writes.
PairOutcome run_pair(const std::vector<std::size_t>& chunks) {
  auto client = test_config();
  client.mechanisms.assign(sasl::kDefaultPreference.begin(), sasl::kDefaultPreference.end());
  auto server = test_server_config();
  server.split_header_and_features = true;
  Pair p(client, server);
  std::size_t i = 0;
  if (!chunks.empty()) {
    const auto next = [&chunks, &i] { return chunks[i++ % chunks.size()]; };
    p.client_chunk = next;
    p.client_write_budget = next;
    p.server_chunk = next;
  }
  p.start();
  p.run();
  xml::Arena arena;
  xml::Builder msg(arena, "message", "jabber:client");
  msg.attribute("to", "bob@example.com").start("body").text("hi").end();
  if (p.client.phase() == ClientPhase::online) {
    RC_ASSERT(p.client.send(msg.root()) == SendStatus::ok);
  }
  p.server().send_raw("<message from='bob@example.com/x'><body>yo</body></message>");
  p.run();
  if (p.client.phase() == ClientPhase::online)
    RC_ASSERT(p.client.close(p.now) == CommandStatus::ok);
  p.run();
  PairOutcome out;
  out.client_written = p.client_written;
  for (const auto& e : p.events)
    out.events.push_back(describe(e));
  out.stanzas = p.stanzas;
  out.server_received = p.server().received_stanzas();
  out.phase = p.client.phase();
  return out;
}

}  // namespace

TEST_CASE("client property: client and server engines agree whatever the chunking both ways") {
  const PairOutcome expected = run_pair({});
  REQUIRE(expected.phase == ClientPhase::closed);
  REQUIRE(expected.stanzas.size() == 1);
  REQUIRE(expected.server_received.size() == 1);
  check_property("pair chunking invariance", [&] {
    const auto chunks = *rc::gen::nonEmpty(
        rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(1, 64)));
    const PairOutcome got = run_pair(chunks);
    RC_ASSERT(got.client_written == expected.client_written);
    RC_ASSERT(got.events == expected.events);
    RC_ASSERT(got.stanzas == expected.stanzas);
    RC_ASSERT(got.server_received == expected.server_received);
    RC_ASSERT(got.phase == expected.phase);
  });
}

}  // namespace xmpp::test
