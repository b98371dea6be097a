// Building the XEP-0198 elements a client sends, and the stream error of XEP-0198 §6.
#include <doctest/doctest.h>

#include <initializer_list>
#include <string>

#include "sm/sm_elements.hpp"
#include "sm_test_util.hpp"
#include "stream_test_util.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/arena.hpp"

using namespace xmpp;
using namespace xmpp::test;

namespace {

constexpr std::string_view kTooHigh =
    "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
    "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>acknowledged 10 stanzas but only 8 were "
    "sent (XEP-0198 §6)</text>"
    "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='10' send-count='8'/></stream:error>";

}  // namespace

TEST_CASE("<enable/> with and without resumption and max (XEP-0198 §3, §5)") {
  xml::Arena arena;
  CHECK(written(sm::build_enable(arena, false, std::nullopt)) == "<enable xmlns='urn:xmpp:sm:3'/>");
  CHECK(written(sm::build_enable(arena, true, std::nullopt)) ==
        "<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  CHECK(written(sm::build_enable(arena, true, 600)) ==
        "<enable xmlns='urn:xmpp:sm:3' resume='true' max='600'/>");
  CHECK(written(sm::build_enable(arena, false, 4294967295u)) ==
        "<enable xmlns='urn:xmpp:sm:3' max='4294967295'/>");
}

TEST_CASE("<resume/> carries previd and our h (XEP-0198 §5)") {
  xml::Arena arena;
  CHECK(written(sm::build_resume(arena, "some-long-sm-id", 0)) ==
        "<resume xmlns='urn:xmpp:sm:3' previd='some-long-sm-id' h='0'/>");
  CHECK(written(sm::build_resume(arena, "x", 4294967295u)) ==
        "<resume xmlns='urn:xmpp:sm:3' previd='x' h='4294967295'/>");
  // An SM-ID may hold any character an attribute can carry (§5); it is escaped.
  CHECK(written(sm::build_resume(arena, "a<'&b", 7)) ==
        "<resume xmlns='urn:xmpp:sm:3' previd='a&lt;&apos;&amp;b' h='7'/>");
}

TEST_CASE("<r/> and <a h/>") {
  xml::Arena arena;
  CHECK(written(sm::build_request(arena)) == "<r xmlns='urn:xmpp:sm:3'/>");
  CHECK(written(sm::build_ack(arena, 0)) == "<a xmlns='urn:xmpp:sm:3' h='0'/>");
  CHECK(written(sm::build_ack(arena, 123456789)) == "<a xmlns='urn:xmpp:sm:3' h='123456789'/>");
  CHECK(written(sm::build_ack(arena, 4294967295u)) == "<a xmlns='urn:xmpp:sm:3' h='4294967295'/>");
}

TEST_CASE("what the builders write, the readers read back") {
  xml::Arena arena;
  for (const std::uint32_t h : {0u, 1u, 9u, 10u, 4294967294u, 4294967295u}) {
    CAPTURE(h);
    OpenStream stream;
    const auto ack = sm::parse_ack(stream.element(written(sm::build_ack(arena, h))));
    REQUIRE(ack);
    CHECK(*ack.value == h);
    CHECK(stream.element(written(sm::build_request(arena))).is("r", kStreamManagementNamespace));
    const xml::Element resume = stream.element(written(sm::build_resume(arena, "id'\"<>", h)));
    CHECK(resume.attribute_or_empty("previd") == "id'\"<>");
    CHECK(sm::parse_h(resume.attribute_or_empty("h")) == h);
  }
}

TEST_CASE("the handled-count-too-high stream error as a StreamError (XEP-0198 §6)") {
  const StreamError e = sm::handled_count_too_high_error({10, 8});
  CHECK(e.condition == StreamErrorCondition::undefined_condition);
  REQUIRE(e.text);
  CHECK(*e.text == "acknowledged 10 stanzas but only 8 were sent (XEP-0198 §6)");
  CHECK(e.app_condition_name == "handled-count-too-high");
  CHECK(e.app_condition_ns == "urn:xmpp:sm:3");
}

TEST_CASE("the handled-count-too-high element carries h and send-count") {
  xml::Arena arena;
  const std::string bytes = written(sm::build_handled_count_too_high(arena, {10, 8}));
  CHECK(bytes == kTooHigh);
  OpenStream stream;
  const xml::Element parsed = stream.element(bytes);
  const auto counts = sm::parse_handled_count_too_high(parsed);
  REQUIRE(counts);
  CHECK(counts.value->h == 10u);
  CHECK(counts.value->send_count == 8u);
  const auto error = parse_stream_error(parsed);
  REQUIRE(error);
  CHECK(error->condition == StreamErrorCondition::undefined_condition);
  CHECK(error->app_condition_name == "handled-count-too-high");
  CHECK(error->app_condition_ns == "urn:xmpp:sm:3");
  CHECK(error->text == sm::handled_count_too_high_error({10, 8}).text);
}

TEST_CASE("build_stream_error() cannot carry the attributes, hence the dedicated builder") {
  xml::Arena arena;
  const std::string generic =
      written(build_stream_error(sm::handled_count_too_high_error({10, 8}), arena));
  OpenStream stream;
  const auto counts = sm::parse_handled_count_too_high(stream.element(generic));
  CHECK_FALSE(counts);
  CHECK(counts.error == "<handled-count-too-high/> lacks h or send-count (XEP-0198 §6)");
}
