// Stanza errors (RFC 6120 §8.3): the names of every condition and type both ways, parse_error()
// on the RFC's examples and on every problem, build_error_reply() and may_reply_with_error().
#include <doctest/doctest.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>

#include "stanza_test_util.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace xmpp::stanza;

namespace {

struct ConditionRow {
  ErrorCondition condition;
  std::string_view name;
  ErrorType example_type;  // the type of the condition's example in RFC 6120 §8.3.3
};

// RFC 6120 §8.3.3.1 to §8.3.3.22, in order.
constexpr std::array<ConditionRow, 22> kConditions{{
    {ErrorCondition::bad_request, "bad-request", ErrorType::modify},
    {ErrorCondition::conflict, "conflict", ErrorType::cancel},
    {ErrorCondition::feature_not_implemented, "feature-not-implemented", ErrorType::cancel},
    {ErrorCondition::forbidden, "forbidden", ErrorType::auth},
    {ErrorCondition::gone, "gone", ErrorType::cancel},
    {ErrorCondition::internal_server_error, "internal-server-error", ErrorType::cancel},
    {ErrorCondition::item_not_found, "item-not-found", ErrorType::cancel},
    {ErrorCondition::jid_malformed, "jid-malformed", ErrorType::modify},
    {ErrorCondition::not_acceptable, "not-acceptable", ErrorType::modify},
    {ErrorCondition::not_allowed, "not-allowed", ErrorType::cancel},
    {ErrorCondition::not_authorized, "not-authorized", ErrorType::auth},
    {ErrorCondition::policy_violation, "policy-violation", ErrorType::modify},
    {ErrorCondition::recipient_unavailable, "recipient-unavailable", ErrorType::wait},
    {ErrorCondition::redirect, "redirect", ErrorType::modify},
    {ErrorCondition::registration_required, "registration-required", ErrorType::auth},
    {ErrorCondition::remote_server_not_found, "remote-server-not-found", ErrorType::cancel},
    {ErrorCondition::remote_server_timeout, "remote-server-timeout", ErrorType::wait},
    {ErrorCondition::resource_constraint, "resource-constraint", ErrorType::wait},
    {ErrorCondition::service_unavailable, "service-unavailable", ErrorType::cancel},
    {ErrorCondition::subscription_required, "subscription-required", ErrorType::auth},
    {ErrorCondition::undefined_condition, "undefined-condition", ErrorType::modify},
    {ErrorCondition::unexpected_request, "unexpected-request", ErrorType::wait},
}};

constexpr std::array<std::pair<ErrorType, std::string_view>, 5> kTypes{{
    {ErrorType::auth, "auth"},
    {ErrorType::cancel, "cancel"},
    {ErrorType::continue_, "continue"},
    {ErrorType::modify, "modify"},
    {ErrorType::wait, "wait"},
}};

// The request most build_error_reply() cases answer.
constexpr std::string_view kRequest =
    "<iq type='get' id='info1' from='romeo@example.net/orchard' to='plays.shakespeare.lit'>"
    "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>";

}  // namespace

TEST_CASE("error conditions: the 22 names of RFC 6120 §8.3.3 both ways") {
  for (const auto& row : kConditions) {
    CAPTURE(row.name);
    CHECK(to_string(row.condition) == row.name);
    CHECK(error_condition_from_string(row.name) == row.condition);
  }
  CHECK(error_condition_from_string("payment-required") == std::nullopt);  // RFC 3920 only
  CHECK(error_condition_from_string("Bad-Request") == std::nullopt);
  CHECK(error_condition_from_string("") == std::nullopt);
  CHECK(to_string(static_cast<ErrorCondition>(22)) == "unknown");
}

TEST_CASE("error types: the 5 names of RFC 6120 §8.3.2 both ways") {
  for (const auto& [type, name] : kTypes) {
    CAPTURE(name);
    CHECK(to_string(type) == name);
    CHECK(error_type_from_string(name) == type);
  }
  CHECK(error_type_from_string("continue_") == std::nullopt);
  CHECK(error_type_from_string("Cancel") == std::nullopt);
  CHECK(to_string(static_cast<ErrorType>(5)) == "unknown");
}

TEST_CASE("default_type: the type of each condition's example in RFC 6120 §8.3.3") {
  for (const auto& row : kConditions) {
    CAPTURE(row.name);
    CHECK(to_string(default_type(row.condition)) == to_string(row.example_type));
  }
}

TEST_CASE("parse_error: RFC 6120 §8.3.3.2 conflict (resource binding)") {
  Parsed p(
      "<iq id='wy2xa82b4' type='error'><error type='cancel'>"
      "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  const ErrorParseResult r = parse_error(p.element);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.type == ErrorType::cancel);
  CHECK(r.error.condition == ErrorCondition::conflict);
  CHECK(r.error.text.empty());
  CHECK(r.error.by.empty());
  CHECK(r.error.uri.empty());
  CHECK_FALSE(r.error.application);
}

TEST_CASE("parse_error: RFC 6120 §8.3.3.4 forbidden in a presence error") {
  Parsed p(
      "<presence from='characters@muc.example.com/JulieC' id='y2bs71v4' "
      "to='juliet@im.example.com/balcony' type='error'><error type='auth'>"
      "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>");
  const ErrorParseResult r = parse_error(p.element);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.type == ErrorType::auth);
  CHECK(r.error.condition == ErrorCondition::forbidden);
}

TEST_CASE("parse_error: RFC 6120 §8.3.3.5 gone with by and the new address") {
  Parsed p(
      "<message from='romeo@example.net' id='sj2b371v' to='juliet@im.example.com/churchyard' "
      "type='error'><error by='example.net' type='cancel'>"
      "<gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:romeo@afterlife.example.net</gone>"
      "</error></message>");
  const ErrorParseResult r = parse_error(p.element);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.type == ErrorType::cancel);
  CHECK(r.error.condition == ErrorCondition::gone);
  CHECK(r.error.by == "example.net");
  CHECK(r.error.uri == "xmpp:romeo@afterlife.example.net");
}

TEST_CASE("parse_error: RFC 6120 §8.3.3.14 redirect, and text with its language") {
  Parsed p(
      "<iq from='characters@muc.example.com' id='redirect1' to='romeo@example.net/orchard' "
      "type='error'><error type='modify'>"
      "<redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>"
      "xmpp:characters@conference.example.org</redirect>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Moved</text>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='cs'>P\xC5\x99"
      "esunuto</text></error></iq>");
  const ErrorParseResult r = parse_error(p.element);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.type == ErrorType::modify);
  CHECK(r.error.condition == ErrorCondition::redirect);
  CHECK(r.error.uri == "xmpp:characters@conference.example.org");
  CHECK(r.error.text == "Moved");  // the first of several
  CHECK(r.error.text_lang == "en");
}

TEST_CASE("parse_error: the text may come before the condition; a uri only for gone/redirect") {
  Parsed p(
      "<iq id='a' type='error'><error type='wait'>"
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>Busy</text>"
      "<resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>not a uri</"
      "resource-constraint></error></iq>");
  const ErrorParseResult r = parse_error(p.element);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::resource_constraint);
  CHECK(r.error.text == "Busy");
  CHECK(r.error.text_lang.empty());
  CHECK(r.error.uri.empty());
}

TEST_CASE("parse_error: RFC 6120 §8.3.4 application-specific condition") {
  Parsed p(
      "<iq from='pubsub.example.com' id='sub1' to='romeo@example.net/orchard' type='error'>"
      "<error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
      "<too-many-subscriptions xmlns='http://jabber.org/protocol/pubsub#errors'/>"
      "<other xmlns='urn:example'/></error></iq>");
  const ErrorParseResult r = parse_error(p.element);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::bad_request);
  REQUIRE(r.error.application);
  CHECK(
      r.error.application.is("too-many-subscriptions", "http://jabber.org/protocol/pubsub#errors"));
}

TEST_CASE("parse_error: RFC 6120 §8.3.3.19 service-unavailable, and every type by name") {
  for (const auto& [type, name] : kTypes) {
    CAPTURE(name);
    const std::string text = "<message type='error' id='x'><error type='" + std::string(name) +
                             "'><service-unavailable "
                             "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>";
    Parsed p(text);
    const ErrorParseResult r = parse_error(p.element);
    REQUIRE(r.problem == ErrorParseProblem::ok);
    CHECK(r.error.type == type);
    CHECK(r.error.condition == ErrorCondition::service_unavailable);
  }
}

TEST_CASE("parse_error: every condition by name; the `<error/>` element alone too") {
  for (const auto& row : kConditions) {
    CAPTURE(row.name);
    const std::string error = "<error type='cancel'><" + std::string(row.name) +
                              " xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";
    Parsed stanza("<iq type='error' id='e'>" + error + "</iq>");
    CHECK(parse_error(stanza.element).error.condition == row.condition);
    Parsed alone(error);
    const ErrorParseResult r = parse_error(alone.element);
    CHECK(r.problem == ErrorParseProblem::ok);
    CHECK(r.error.condition == row.condition);
  }
}

TEST_CASE("parse_error: every problem") {
  const auto problem = [](std::string_view text) {
    Parsed p(text);
    return parse_error(p.element).problem;
  };
  CHECK(parse_error(xml::Element()).problem == ErrorParseProblem::not_an_error);
  CHECK(problem("<iq type='result' id='1'/>") == ErrorParseProblem::not_an_error);
  CHECK(problem("<message><error type='cancel'/></message>") == ErrorParseProblem::not_an_error);
  CHECK(problem("<foo type='error'/>") == ErrorParseProblem::not_an_error);
  CHECK(problem("<error xmlns='urn:example' type='cancel'/>") == ErrorParseProblem::not_an_error);
  CHECK(problem("<iq type='error' id='1'/>") == ErrorParseProblem::missing_error);
  CHECK(problem("<iq type='error' id='1'><error xmlns='urn:example' type='cancel'/></iq>") ==
        ErrorParseProblem::missing_error);
  CHECK(problem("<iq type='error' id='1'><error><conflict "
                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>") ==
        ErrorParseProblem::missing_type);
  CHECK(problem("<iq type='error' id='1'><error type='fatal'><conflict "
                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>") ==
        ErrorParseProblem::unknown_type);
  CHECK(problem("<iq type='error' id='1'><error type='cancel'/></iq>") ==
        ErrorParseProblem::missing_condition);
  CHECK(problem("<iq type='error' id='1'><error type='cancel'><text "
                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>only text</text>"
                "<conflict/></error></iq>") == ErrorParseProblem::missing_condition);
  CHECK(problem("<iq type='error' id='1'><error type='cancel'><payment-required "
                "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>") ==
        ErrorParseProblem::unknown_condition);
  for (int i = 0; i <= 6; ++i) {
    CHECK_FALSE(to_string(static_cast<ErrorParseProblem>(i)).empty());
  }
  CHECK(to_string(ErrorParseProblem::ok) == "ok");
  CHECK(to_string(static_cast<ErrorParseProblem>(7)) == "unknown error parse problem");
}

TEST_CASE("build_error_reply: RFC 6120 §8.3.1 defaults for an iq") {
  Parsed request(kRequest);
  xml::Arena arena;
  const xml::Element reply = build_error_reply(arena, request.element, ErrorReply{});
  CHECK(serialised(reply) ==
        "<iq type='error' id='info1' to='romeo@example.net/orchard'>"
        "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "</error></iq>");
}

TEST_CASE("build_error_reply: from = the request's to for a component (XEP-0114)") {
  Parsed request(kRequest, kComponentHeader);
  xml::Arena arena;
  ErrorReply spec;
  spec.condition = ErrorCondition::item_not_found;
  spec.from = ReplyFrom::request_to;
  const xml::Element reply = build_error_reply(arena, request.element, spec);
  CHECK(reply.ns() == ns::kComponent);
  CHECK(reply.attribute("from") == "plays.shakespeare.lit");
  CHECK(reply.attribute("to") == "romeo@example.net/orchard");
  const ErrorParseResult r = parse_error(reply);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::item_not_found);
  CHECK(r.error.type == ErrorType::cancel);
}

TEST_CASE("build_error_reply: no to when the request had no from; no id when it had none") {
  Parsed request("<message to='juliet@example.com'><body>hi</body></message>");
  xml::Arena arena;
  ErrorReply spec;
  spec.from = ReplyFrom::request_to;
  const xml::Element reply = build_error_reply(arena, request.element, spec);
  CHECK(reply.name() == "message");
  CHECK_FALSE(reply.attribute("to"));
  CHECK_FALSE(reply.attribute("id"));
  CHECK(reply.attribute("from") == "juliet@example.com");
  CHECK(reply.attribute("type") == "error");
  CHECK(reply.child_element_count() == 1);  // the body is not echoed by default
}

TEST_CASE("build_error_reply: include_request, text, type, application element") {
  Parsed request(kRequest);
  Parsed app("<unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='x'/>");
  xml::Arena arena;
  ErrorReply spec;
  spec.condition = ErrorCondition::feature_not_implemented;
  spec.type = ErrorType::modify;
  spec.text = "Not here & not now";
  spec.application = app.element;
  spec.include_request = true;
  const xml::Element reply = build_error_reply(arena, request.element, spec);
  CHECK(serialised(reply) ==
        "<iq type='error' id='info1' to='romeo@example.net/orchard'>"
        "<query xmlns='http://jabber.org/protocol/disco#info'/>"
        "<error type='modify'><feature-not-implemented "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>Not here &amp; not now"
        "</text><unsupported xmlns='http://jabber.org/protocol/pubsub#errors' feature='x'/>"
        "</error></iq>");
  const ErrorParseResult r = parse_error(reply);
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.text == "Not here & not now");
  CHECK(r.error.text_lang == "en");
  REQUIRE(r.error.application);
  CHECK(r.error.application.attribute("feature") == "x");
}

TEST_CASE("build_error_reply: the uri of gone and redirect, and of nothing else") {
  Parsed request("<presence from='a@example.com/r' to='room@muc.example.com/nick' id='p1'/>");
  xml::Arena arena;
  ErrorReply spec;
  spec.condition = ErrorCondition::redirect;
  spec.uri = "xmpp:room@muc.example.org";
  ErrorParseResult r = parse_error(build_error_reply(arena, request.element, spec));
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::redirect);
  CHECK(r.error.type == ErrorType::modify);
  CHECK(r.error.uri == "xmpp:room@muc.example.org");
  spec.condition = ErrorCondition::conflict;
  const xml::Element conflict = build_error_reply(arena, request.element, spec);
  CHECK(conflict.child("error").child("conflict", ns::kStanzas).text().empty());
}

TEST_CASE("build_error_reply: every condition gets its RFC 6120 §8.3.3 example type") {
  Parsed request(kRequest);
  xml::Arena arena;
  for (const auto& row : kConditions) {
    CAPTURE(row.name);
    ErrorReply spec;
    spec.condition = row.condition;
    const ErrorParseResult r = parse_error(build_error_reply(arena, request.element, spec));
    REQUIRE(r.problem == ErrorParseProblem::ok);
    CHECK(r.error.condition == row.condition);
    CHECK(r.error.type == row.example_type);
  }
}

TEST_CASE("may_reply_with_error: never to an error (RFC 6120 §8.3.1), never to a non-stanza") {
  CHECK(may_reply_with_error(Parsed(kRequest).element));
  CHECK(may_reply_with_error(Parsed("<message/>").element));
  CHECK(may_reply_with_error(Parsed("<presence type='subscribe'/>").element));
  CHECK(may_reply_with_error(Parsed("<iq type='result' id='1'/>").element));
  CHECK_FALSE(may_reply_with_error(Parsed("<message type='error'/>").element));
  CHECK_FALSE(may_reply_with_error(Parsed("<iq type='error' id='1'/>").element));
  CHECK_FALSE(may_reply_with_error(Parsed("<presence type='error'/>").element));
  CHECK_FALSE(may_reply_with_error(Parsed("<r xmlns='urn:xmpp:sm:3'/>").element));
  CHECK_FALSE(may_reply_with_error(xml::Element()));
}
