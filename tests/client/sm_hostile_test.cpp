// Hostile stream management (XEP-0198) input from the server: each ends the stream with a
// specific stream error whose bytes are written, and every stanza the application sent is
// reported exactly once (Acked or Unconfirmed) - none lost, none twice.
#include <doctest/doctest.h>

#include "sm_test_support.hpp"

namespace xmpp::test {
namespace {

using namespace smt;

constexpr std::string_view kErrorEnd = "</stream:error></stream:stream>";

std::optional<CloseReason> last_closed_reason(const Harness& h) {
  std::optional<CloseReason> reason;
  for (const Event& e : h.events) {
    if (const auto* closed = std::get_if<event::Closed>(&e)) reason = closed->reason;
  }
  return reason;
}

// The stream ended with `condition`: the event, the last Closed reason and the bytes written
// since the last take_written(); the session is over (RFC 6120 §4.9.1.1: a stream error is
// unrecoverable, and our closing tag follows it, which ends the session for the server too,
// XEP-0198 §7), so nothing is kept for resumption.
void check_stream_error(Harness& h, StreamErrorCondition condition, std::string_view name) {
  CHECK(h.error_sent() == condition);
  CHECK(h.count<event::StreamErrorSent>() == 1);
  CHECK(last_closed_reason(h) == CloseReason::stream_error_sent);
  const std::string out = h.take_written();
  CHECK(out.starts_with(stream_error_start(name)));
  CHECK(out.ends_with(kErrorEnd));
  CHECK(h.client.phase() == ClientPhase::closed);
  CHECK_FALSE(h.client.resumption_pending());
}

// <enable/> out, stanzas 1 and 2 sent, no <enabled/> yet.
void enabling_with_two(Harness& h) {
  REQUIRE(bind(h) == kEnable);
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  REQUIRE(send_message(h, 2) == SendStatus::ok);
  h.take_written();
}

// Online and enabled, stanzas 1..3 sent, 1 acknowledged.
void active_with_three(Harness& h) {
  online_enabled(h);
  for (int i = 1; i <= 3; ++i)
    REQUIRE(send_message(h, i) == SendStatus::ok);
  h.feed(ack(1));
  h.take_written();
}

// As in sm_resumption_test: 1..3 sent, 1 acked, our h 2, link lost, 4 queued, then <resume/>.
void resuming_with_four(Harness& h) {
  active_with_three(h);
  h.feed(inbound_xml(1) + inbound_xml(2));
  REQUIRE(h.client.receive_eof(h.now) == CommandStatus::ok);
  h.drain();
  REQUIRE(send_message(h, 4) == SendStatus::ok);
  REQUIRE(authenticate(h, kSmBindFeatures) == resume("sm-1", 2));
}

}  // namespace

TEST_CASE("sm hostile: <r/> or <a/> before <enabled/> is unsupported-stanza-type") {
  for (const std::string& nonza : {std::string(kRequest), ack(0)}) {
    CAPTURE(nonza);
    {  // before <enable/>: while binding
      Harness h(quiet_config());
      const std::string request = authenticate(h, kSmBindFeatures);
      REQUIRE(request == bind_request(request_id(request)));
      h.feed(nonza);
      check_stream_error(h, StreamErrorCondition::unsupported_stanza_type,
                         "unsupported-stanza-type");
      CHECK(fates(h.events).acked_events + fates(h.events).unconfirmed_events == 0);
    }
    {  // after <enable/>, before <enabled/>
      Harness h(quiet_config());
      enabling_with_two(h);
      h.feed(nonza);
      check_stream_error(h, StreamErrorCondition::unsupported_stanza_type,
                         "unsupported-stanza-type");
      CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1, 2});
      check_reported_once(h.events, {1, 2});
    }
  }
}

TEST_CASE("sm hostile: a second <enabled/> is unsupported-stanza-type (XEP-0198 §3)") {
  Harness h(quiet_config());
  active_with_three(h);
  h.feed(enabled("id='sm-9' resume='true'"));
  check_stream_error(h, StreamErrorCondition::unsupported_stanza_type, "unsupported-stanza-type");
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3});
  // Handed back before the session's last event (event::Closed).
  CHECK(index_of<event::Unconfirmed>(h.events) < index_of<event::Closed>(h.events));
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm hostile: an unsolicited <enabled/> is unsupported-stanza-type") {
  Harness h(quiet_config());
  SUBCASE("the server did not offer <sm/>") {
    REQUIRE(bind(h, kBindFeatures).empty());
  }
  SUBCASE("stream management is off in the configuration") {
    ClientConfig config = quiet_config();
    config.stream_management.enable = false;
    h.client = Client(config);
    REQUIRE(bind(h).empty());
  }
  REQUIRE(send_message(h, 1) == SendStatus::ok);
  h.take_written();
  h.feed(enabled("id='sm-1' resume='true'"));
  check_stream_error(h, StreamErrorCondition::unsupported_stanza_type, "unsupported-stanza-type");
  // Nothing was tracked: nothing to report.
  CHECK(fates(h.events).acked_events + fates(h.events).unconfirmed_events == 0);
}

TEST_CASE("sm hostile: <enabled/> after <failed/> to <enable/> hands nothing back twice") {
  Harness h(quiet_config());
  enabling_with_two(h);
  h.feed(failed("feature-not-implemented"));
  REQUIRE(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1, 2});
  h.feed(enabled("id='sm-1' resume='true'"));
  check_stream_error(h, StreamErrorCondition::unsupported_stanza_type, "unsupported-stanza-type");
  CHECK(fates(h.events).unconfirmed_events == 1);
  check_reported_once(h.events, {1, 2});
}

TEST_CASE("sm hostile: <resumed/> naming another session is undefined-condition (XEP-0198 §5)") {
  Harness h(quiet_config());
  resuming_with_four(h);
  REQUIRE(send_message(h, 5) == SendStatus::ok);
  h.feed(resumed("sm-2", 2));
  check_stream_error(h, StreamErrorCondition::undefined_condition, "undefined-condition");
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3, 4, 5});
  CHECK(count_online(h.events, true) == 0);
  check_reported_once(h.events, {1, 2, 3, 4, 5});
}

TEST_CASE("sm hostile: <resumed/> without a <resume/> is unsupported-stanza-type") {
  Harness h(quiet_config());
  active_with_three(h);
  h.feed(resumed("sm-1", 3));
  check_stream_error(h, StreamErrorCondition::unsupported_stanza_type, "unsupported-stanza-type");
  // Its h acknowledged nothing: the element was refused whole.
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3});
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm hostile: an h in <a/> that is not an xs:unsignedInt is bad-format (XEP-0198 §12)") {
  for (const std::string_view value : {"", "-1", "4294967296", " 1", "1.0", "+1", "0x1"}) {
    CAPTURE(value);
    Harness h(quiet_config());
    active_with_three(h);
    h.feed("<a xmlns='urn:xmpp:sm:3' h='" + std::string(value) + "'/>");
    check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
    CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3});
    check_reported_once(h.events, {1, 2, 3});
  }
}

TEST_CASE("sm hostile: a bad h in the answer to <resume/> is bad-format, the queue handed back") {
  for (const std::string_view value : {"", "-1", "4294967296", " 1", "1.0"}) {
    CAPTURE(value);
    {  // in <resumed/>
      Harness h(quiet_config());
      resuming_with_four(h);
      h.feed("<resumed xmlns='urn:xmpp:sm:3' previd='sm-1' h='" + std::string(value) + "'/>");
      check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
      CHECK(count_online(h.events, true) == 0);
      CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3, 4});
      check_reported_once(h.events, {1, 2, 3, 4});
    }
    {  // in <failed/>
      Harness h(quiet_config());
      resuming_with_four(h);
      h.feed(failed("item-not-found", value));
      check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
      CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3, 4});
      check_reported_once(h.events, {1, 2, 3, 4});
    }
  }
}

TEST_CASE("sm hostile: <a/> without h is bad-format (XEP-0198 §4)") {
  Harness h(quiet_config());
  active_with_three(h);
  h.feed("<a xmlns='urn:xmpp:sm:3'/>");
  check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm hostile: an h above what was sent: <handled-count-too-high/> (XEP-0198 §6)") {
  Harness h(quiet_config());
  active_with_three(h);
  h.feed(ack(5));
  CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
  const auto* sent = h.find<event::StreamErrorSent>();
  REQUIRE(sent != nullptr);
  CHECK(sent->error.app_condition_name == "handled-count-too-high");
  CHECK(sent->error.app_condition_ns == "urn:xmpp:sm:3");
  CHECK(h.take_written() ==
        "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>acknowledged 5 stanzas but only 3 "
        "were sent (XEP-0198 §6)</text>"
        "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='5' send-count='3'/>"
        "</stream:error></stream:stream>");
  CHECK(last_closed_reason(h) == CloseReason::stream_error_sent);
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3});
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm hostile: <resumed h/> and <failed h/> above what was sent are too high as well") {
  // Written before the loss: 1..3 (4 was queued while disconnected, never written).
  Harness h(quiet_config());
  resuming_with_four(h);
  SUBCASE("<resumed/>") {
    h.feed(resumed("sm-1", 7));
  }
  SUBCASE("<failed/>") {
    h.feed(failed("item-not-found", "7"));
  }
  CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(last_closed_reason(h) == CloseReason::stream_error_sent);
  const std::string out = h.take_written();
  CHECK(out.find("<handled-count-too-high xmlns='urn:xmpp:sm:3' h='7' send-count='3'/>") !=
        std::string::npos);
  CHECK(out.ends_with(kErrorEnd));
  CHECK(count_online(h.events, true) == 0);
  CHECK_FALSE(h.client.resumption_pending());
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3, 4});
  check_reported_once(h.events, {1, 2, 3, 4});
}

TEST_CASE("sm hostile: an h covering stanzas queued while disconnected is too high (§6)") {
  // 1..3 were written and 1 acknowledged; 4 (while disconnected) and 5 (while resuming) are
  // queued for after <resumed/> and have never been written: the server cannot have handled
  // them, so an h above 3 acknowledges more than was sent.
  Harness h(quiet_config());
  resuming_with_four(h);
  REQUIRE(send_message(h, 5) == SendStatus::ok);
  h.take_written();
  CHECK(occurrences(h.written, message_xml(4)) == 0);
  CHECK(occurrences(h.written, message_xml(5)) == 0);
  SUBCASE("<resumed h='5'/>") {
    h.feed(resumed("sm-1", 5));
  }
  SUBCASE("<failed h='5'/>") {
    h.feed(failed("item-not-found", "5"));
  }
  CHECK(h.error_sent() == StreamErrorCondition::undefined_condition);
  CHECK(h.take_written().find(
            "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='5' send-count='3'/>") !=
        std::string::npos);
  // Never written, so never acknowledged.
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1});
  CHECK(count_online(h.events, true) == 0);
}

TEST_CASE("sm hostile: an h equal to what was written before the loss is accepted") {
  Harness h(quiet_config());
  resuming_with_four(h);
  h.feed(resumed("sm-1", 3));
  CHECK_FALSE(h.error_sent().has_value());
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(h.take_written() == message_xml(4) + std::string(kRequest));
}

TEST_CASE("sm hostile: an <a/> going backwards is undefined-condition (XEP-0198 §4)") {
  Harness h(quiet_config());
  active_with_three(h);
  h.feed(ack(2));
  h.take_written();
  h.feed(ack(1));
  check_stream_error(h, StreamErrorCondition::undefined_condition, "undefined-condition");
  // Not a count that is too high: no <handled-count-too-high/> for it.
  CHECK(h.written.find("handled-count-too-high") == std::string::npos);
  CHECK(fates(h.events).acked == std::vector<std::uint64_t>{1, 2});
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{3});
  check_reported_once(h.events, {1, 2, 3});
}

TEST_CASE("sm hostile: SM-IDs longer than sm::kMaxIdBytes are bad-format") {
  SUBCASE("an id of 4001 bytes in <enabled/> (XEP-0198 §5 allows at most 4000)") {
    Harness h(quiet_config());
    enabling_with_two(h);
    h.feed(enabled("id='" + std::string(4001, 'i') + "' resume='true'"));
    check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
    CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1, 2});
    check_reported_once(h.events, {1, 2});
  }
  SUBCASE("one byte over the bound") {
    Harness h(quiet_config());
    enabling_with_two(h);
    h.feed(enabled("id='" + std::string(sm::kMaxIdBytes + 1, 'i') + "' resume='true'"));
    check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
    check_reported_once(h.events, {1, 2});
  }
  SUBCASE("exactly the bound is accepted") {
    Harness h(quiet_config());
    enabling_with_two(h);
    h.feed(enabled("id='" + std::string(sm::kMaxIdBytes, 'i') + "' resume='true'"));
    CHECK_FALSE(h.error_sent().has_value());
    CHECK(h.client.stream_management().id().size() == sm::kMaxIdBytes);
  }
}

TEST_CASE("sm hostile: a previd of 4001 bytes in <resumed/> is bad-format") {
  Harness h(quiet_config());
  resuming_with_four(h);
  h.feed(resumed(std::string(4001, 'p'), 2));
  check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
  CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{2, 3, 4});
  check_reported_once(h.events, {1, 2, 3, 4});
}

TEST_CASE("sm hostile: a location that is not host[:port] is bad-format (XEP-0198 §3)") {
  for (const std::string_view location :
       {"example.com:99999", "example.com:0", "example.com:", "alice@example.com",
        "http://example.com/", "[2001:db8::1", "example.com:5222:1", "example.com:port"}) {
    CAPTURE(location);
    Harness h(quiet_config());
    enabling_with_two(h);
    h.feed(enabled("id='sm-1' resume='true' location='" + std::string(location) + "'"));
    check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
    CHECK(h.client.stream_management().location().empty());
    CHECK(unconfirmed_once(h.events) == std::vector<std::uint64_t>{1, 2});
    check_reported_once(h.events, {1, 2});
  }
}

TEST_CASE("sm hostile: other malformed <enabled/> attributes are bad-format") {
  for (const std::string_view attributes :
       {"id='sm-1' resume='yes'", "resume='true'", "id='' resume='true'",
        "id='sm-1' resume='true' max='0'", "id='sm-1' resume='true' max='-5'"}) {
    CAPTURE(attributes);
    Harness h(quiet_config());
    enabling_with_two(h);
    h.feed(enabled(attributes));
    check_stream_error(h, StreamErrorCondition::bad_format, "bad-format");
    check_reported_once(h.events, {1, 2});
  }
}

TEST_CASE("sm hostile: <failed/> while active (nothing pending) is unsupported-stanza-type") {
  Harness h(quiet_config());
  active_with_three(h);
  h.feed(failed("unexpected-request"));
  check_stream_error(h, StreamErrorCondition::unsupported_stanza_type, "unsupported-stanza-type");
  check_reported_once(h.events, {1, 2, 3});
}

}  // namespace xmpp::test
