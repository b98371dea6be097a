// Session::send_iq(): results correlated by id and sender, timeouts by the deadline, requests
// across resumption and fresh sessions, misuse.
#include <doctest/doctest.h>

#include "world.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;

struct Outcome {
  std::string id;
  IqOutcome outcome;
  std::string type;  // of the response stanza; "" when none
};

IqCallback record(std::vector<Outcome>& out) {
  return [&out](Session&, const IqResponse& r) {
    out.push_back({std::string(r.id), r.outcome,
                   r.stanza ? std::string(r.stanza.attribute_or_empty("type")) : ""});
  };
}

// The server application answers each IQ get with a result carrying `from` (none when empty).
std::function<void(World&, const std::string&)> answer_from(std::string from) {
  return [from](World& w, const std::string& stanza) {
    if (stanza.rfind("<iq", 0) != 0 || attribute_of(stanza, "type") != "get") return;
    std::string reply = "<iq type='result' id='" + attribute_of(stanza, "id") + "'";
    if (!from.empty()) reply += " from='" + from + "'";
    CHECK(w.server_send(reply + "/>"));
  };
}

std::string result_from(std::string_view from, std::string_view id) {
  return "<iq type='result' from='" + std::string(from) + "' id='" + std::string(id) + "'/>";
}

}  // namespace

TEST_CASE("session: a hook sends stanzas and IQs and receives their results") {
  std::vector<Outcome> results;
  std::vector<std::string> ids;
  SessionHooks hooks;
  hooks.on_connect = [&](Session& s, const event::Online&) {
    xml::Arena arena;
    xml::Builder presence(arena, "presence", "jabber:client");
    CHECK(s.send(presence.root()) == SendStatus::ok);
    // No `to`: the account answers (here without `from`); from its callback, a request to the
    // server, answered with from='example.com'.
    const auto first = s.send_iq(
        ping_iq(arena),
        [&](Session& inner, const IqResponse& r) {
          record(results)(inner, r);
          xml::Arena a;
          const auto second =
              inner.send_iq(ping_iq(a, "example.com"), record(results), inner.now());
          CHECK(second.status == IqSendStatus::ok);
          ids.push_back(second.id);
        },
        s.now());
    REQUIRE(first.status == IqSendStatus::ok);
    ids.push_back(first.id);
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.on_server_stanza = [](World& world, const std::string& stanza) {
    const bool to_server = attribute_of(stanza, "to") == "example.com";
    answer_from(to_server ? "example.com" : "")(world, stanza);
  };
  w.start();
  REQUIRE(ids.size() == 2);
  CHECK(ids[0].size() == 16);  // 8 entropy bytes in hex
  CHECK(ids[0] != ids[1]);
  REQUIRE(results.size() == 2);
  CHECK(results[0].id == ids[0]);
  CHECK(results[0].outcome == IqOutcome::result);
  CHECK(results[0].type == "result");
  CHECK(results[1].id == ids[1]);
  CHECK(results[1].outcome == IqOutcome::result);
  CHECK(w.session.pending_iqs() == 0);
  const auto& delivered = w.server()->sm_session()->delivered;
  REQUIRE(delivered.size() == 3);
  CHECK(delivered[0].rfind("<presence", 0) == 0);
  CHECK(attribute_of(delivered[1], "id") == ids[0]);
}

TEST_CASE("session: a response from anyone but the addressee is not a result") {
  std::vector<Outcome> results;
  std::vector<std::string> stanzas;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session&, xml::Element e) {
    stanzas.emplace_back(e.attribute_or_empty("from"));
  };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  xml::Arena arena;
  const auto sent =
      w.session.send_iq(ping_iq(arena, "bob@example.com/phone", "q1"), record(results), w.now);
  REQUIRE(sent.status == IqSendStatus::ok);
  CHECK(sent.id == "q1");
  w.run();
  // Another JID, the bare JID of the addressee, the account (no from), the server: all spoofs.
  REQUIRE(w.server_send(result_from("mallory@example.com/x", "q1")));
  REQUIRE(w.server_send(result_from("bob@example.com", "q1")));
  REQUIRE(w.server_send("<iq type='result' id='q1'/>"));
  REQUIRE(w.server_send(result_from("example.com", "q1")));
  REQUIRE(w.server_send(result_from("not a jid@@", "q1")));
  w.run();
  CHECK(results.empty());
  CHECK(stanzas == std::vector<std::string>{"mallory@example.com/x", "bob@example.com", "",
                                            "example.com", "not a jid@@"});
  CHECK(w.session.pending_iqs() == 1);
  // The genuine one (JIDs compare case-insensitively in local and domain parts).
  REQUIRE(w.server_send(result_from("Bob@Example.com/phone", "q1")));
  w.run();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome == IqOutcome::result);
  CHECK(w.session.pending_iqs() == 0);
}

TEST_CASE("session: an unanswered IQ times out at its deadline; a late answer is a stanza") {
  std::vector<Outcome> results;
  int stanzas = 0;
  SessionHooks hooks;
  hooks.on_stanza = [&](Session&, xml::Element) { ++stanzas; };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  xml::Arena arena;
  IqOptions options;
  options.timeout = 10s;
  const TimePoint sent_at = w.now;
  REQUIRE(w.session.send_iq(ping_iq(arena, "example.com", "t1"), record(results), w.now, options)
              .status == IqSendStatus::ok);
  w.run();
  // Other deadlines (the ack request after 5 s) come and go; the request's is exact.
  for (int i = 0; i < 10 && results.empty(); ++i)
    REQUIRE(w.advance_to_deadline());
  CHECK(w.now == sent_at + 10s);
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome == IqOutcome::timeout);
  CHECK(results[0].type.empty());
  REQUIRE(w.server_send(result_from("example.com", "t1")));
  w.run();
  CHECK(results.size() == 1);
  CHECK(stanzas == 1);
}

TEST_CASE("session: a pending IQ survives a resumption and gets its result") {
  std::vector<Outcome> results;
  World w(session_test_config(), session_server_config());
  w.start();
  xml::Arena arena;
  REQUIRE(w.session.send_iq(ping_iq(arena, "example.com", "r1"), record(results), w.now).status ==
          IqSendStatus::ok);
  w.run();
  w.cut();
  w.run();
  REQUIRE(w.session.client().phase() == ClientPhase::online);
  CHECK(w.attempts.size() == 2);
  CHECK(results.empty());
  CHECK(w.session.pending_iqs() == 1);
  REQUIRE(w.server_send(result_from("example.com", "r1")));
  w.run();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome == IqOutcome::result);
}

TEST_CASE("session: a fresh session fails pending IQs (session_replaced) before on_connect") {
  std::vector<std::string> log;
  SessionHooks hooks;
  hooks.on_connect = [&](Session&, const event::Online&) { log.push_back("connect"); };
  World w(session_test_config(), session_server_config(), hooks);
  w.start();
  xml::Arena arena;
  const auto callback = [&](Session&, const IqResponse& r) {
    log.push_back(std::string(r.id) + ":" + std::string(to_string(r.outcome)));
  };
  REQUIRE(w.session.send_iq(ping_iq(arena, "example.com", "f1"), callback, w.now).status ==
          IqSendStatus::ok);
  w.run();
  w.cut();
  // Sent while waiting to resume: it rides on the same session.
  REQUIRE(w.session.send_iq(ping_iq(arena, "example.com", "f2"), callback, w.now).status ==
          IqSendStatus::ok);
  w.sessions.handle_timeout(w.now + 61s);  // the server forgets the session
  w.run();
  CHECK(log == std::vector<std::string>{"connect", "f1:session_replaced", "f2:session_replaced",
                                        "connect"});
  CHECK(w.session.pending_iqs() == 0);
}

TEST_CASE("session: close() fails pending IQs with stopped") {
  std::vector<Outcome> results;
  World w(session_test_config(), session_server_config());
  w.start();
  xml::Arena arena;
  REQUIRE(w.session.send_iq(ping_iq(arena, "example.com"), record(results), w.now).status ==
          IqSendStatus::ok);
  REQUIRE(w.session.close(w.now) == CommandStatus::ok);
  w.run();
  REQUIRE(results.size() == 1);
  CHECK(results[0].outcome == IqOutcome::stopped);
  CHECK(w.session.state() == SessionState::stopped);
}

TEST_CASE("session: send_iq() refuses misuse and changes nothing") {
  std::vector<Outcome> results;
  SessionConfig config = session_test_config();
  config.max_pending_iqs = 2;
  World w(config, session_server_config());
  xml::Arena arena;
  const IqCallback callback = record(results);
  CHECK(w.session.send_iq(ping_iq(arena), callback, w.now).status == IqSendStatus::not_online);
  w.start();

  const auto refused = [&](xml::Element iq, IqSendStatus status, const IqCallback& cb,
                           IqOptions options = {}) {
    const std::size_t written = w.session.output().size();
    const IqSendResult r = w.session.send_iq(iq, cb, w.now, options);
    CHECK(r.status == status);
    CHECK(r.id.empty());
    CHECK(w.session.pending_iqs() == 0);
    CHECK(w.session.output().size() == written);
  };
  xml::Builder message(arena, "message", "jabber:client");
  refused(message.root(), IqSendStatus::invalid_request, callback);
  xml::Builder result(arena, "iq", "jabber:client");
  result.attribute("type", "result");
  refused(result.root(), IqSendStatus::invalid_request, callback);
  xml::Builder empty(arena, "iq", "jabber:client");
  empty.attribute("type", "get");
  refused(empty.root(), IqSendStatus::invalid_request, callback);
  xml::Builder two(arena, "iq", "jabber:client");
  two.attribute("type", "set").start("a", "urn:a").end().start("b", "urn:b").end();
  refused(two.root(), IqSendStatus::invalid_request, callback);
  refused(ping_iq(arena, "@bad"), IqSendStatus::invalid_request, callback);
  refused(ping_iq(arena), IqSendStatus::invalid_request, nullptr);
  IqOptions zero;
  zero.timeout = Duration::zero();
  refused(ping_iq(arena), IqSendStatus::invalid_request, callback, zero);
  refused(xml::Element{}, IqSendStatus::invalid_request, callback);

  REQUIRE(w.session.send_iq(ping_iq(arena, {}, "same"), callback, w.now).status ==
          IqSendStatus::ok);
  CHECK(w.session.send_iq(ping_iq(arena, {}, "same"), callback, w.now).status ==
        IqSendStatus::duplicate_id);
  REQUIRE(w.session.send_iq(ping_iq(arena), callback, w.now).status == IqSendStatus::ok);
  CHECK(w.session.send_iq(ping_iq(arena), callback, w.now).status ==
        IqSendStatus::too_many_pending);
  CHECK(w.session.pending_iqs() == 2);
  CHECK(results.empty());
}

}  // namespace xmpp::test
