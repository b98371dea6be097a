// The IQ view (RFC 6120 §8.2.3 rules, one per IqProblem) and its builders.
#include <doctest/doctest.h>

#include <optional>
#include <string_view>

#include "stanza_test_util.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/arena.hpp"

using namespace xmpp;
using namespace xmpp::test;
using namespace xmpp::stanza;

namespace {

IqProblem check(std::string_view text) {
  Parsed p(text);
  const auto iq = Iq::view(p.element);
  REQUIRE(iq);
  return iq->check();
}

}  // namespace

TEST_CASE("Iq::view: only <iq/> in a stanza namespace") {
  CHECK(Iq::view(Parsed("<iq/>").element));
  CHECK(Iq::view(Parsed("<iq/>", kComponentHeader).element));
  CHECK_FALSE(Iq::view(Parsed("<message/>").element));
  CHECK_FALSE(Iq::view(Parsed("<iq xmlns='jabber:server'/>").element));
  CHECK_FALSE(Iq::view(xml::Element()));
}

TEST_CASE("Iq: RFC 6121 §2.1.3 roster get, read through the view") {
  Parsed p(
      "<iq from='juliet@example.com/balcony' id='bv1bs71f' type='get'>"
      "<query xmlns='jabber:iq:roster'/></iq>");
  const auto iq = Iq::view(p.element);
  REQUIRE(iq);
  CHECK(iq->type() == IqType::get);
  CHECK(iq->is_request());
  CHECK(iq->id() == "bv1bs71f");
  CHECK(iq->from() == "juliet@example.com/balcony");
  CHECK(iq->has_from());
  CHECK_FALSE(iq->has_to());
  CHECK(iq->to().empty());
  CHECK(iq->payload().is("query", ns::kRoster));
  CHECK(iq->check() == IqProblem::ok);
  CHECK(iq->error().problem == ErrorParseProblem::not_an_error);
}

TEST_CASE("Iq::check: every problem of RFC 6120 §8.2.3") {
  CHECK(check("<iq type='set' id='1'><query xmlns='jabber:iq:roster'/></iq>") == IqProblem::ok);
  CHECK(check("<iq type='result' id='1'/>") == IqProblem::ok);
  CHECK(check("<iq type='result' id='1'><query xmlns='jabber:iq:roster'/></iq>") == IqProblem::ok);
  CHECK(check("<iq type='get'><ping xmlns='urn:xmpp:ping'/></iq>") == IqProblem::missing_id);
  CHECK(check("<iq id='1'><ping xmlns='urn:xmpp:ping'/></iq>") == IqProblem::missing_type);
  CHECK(check("<iq id='1' type='GET'><ping xmlns='urn:xmpp:ping'/></iq>") ==
        IqProblem::unknown_type);
  CHECK(check("<iq id='1' type='get'/>") == IqProblem::no_payload);
  CHECK(check("<iq id='1' type='set'>text is no payload</iq>") == IqProblem::no_payload);
  CHECK(check("<iq id='1' type='get'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>") ==
        IqProblem::several_payloads);
  CHECK(check("<iq id='1' type='result'><a xmlns='urn:a'/><b xmlns='urn:b'/></iq>") ==
        IqProblem::several_results);
  CHECK(check("<iq id='1' type='error'><query xmlns='jabber:iq:roster'/></iq>") ==
        IqProblem::missing_error);
  CHECK(check("<iq id='1' type='error'><error type='cancel'><item-not-found "
              "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>") == IqProblem::ok);
  CHECK(to_string(IqProblem::ok) == "ok");
  for (int i = 1; i <= 7; ++i) {
    CHECK(to_string(static_cast<IqProblem>(i)).find("RFC 6120") != std::string_view::npos);
  }
  CHECK(to_string(static_cast<IqProblem>(8)) == "unknown iq problem");
}

TEST_CASE("Iq: type names both ways; an unknown type reads as nothing") {
  for (const auto type : {IqType::get, IqType::set, IqType::result, IqType::error}) {
    CHECK(iq_type_from_string(to_string(type)) == type);
  }
  CHECK(to_string(IqType::result) == "result");
  CHECK(iq_type_from_string("Result") == std::nullopt);
  Parsed p("<iq type='bogus' id='1'/>");
  CHECK(Iq::view(p.element)->type() == std::nullopt);
  CHECK_FALSE(Iq::view(p.element)->is_request());
}

TEST_CASE("Iq: an error's payload is the echoed request, its error parses") {
  Parsed p(
      "<iq id='1' type='error' from='example.com'><error type='cancel'><item-not-found "
      "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>"
      "<query xmlns='jabber:iq:version'/></iq>");
  const auto iq = Iq::view(p.element);
  REQUIRE(iq);
  CHECK(iq->payload().is("query", ns::kVersion));
  const ErrorParseResult r = iq->error();
  REQUIRE(r.problem == ErrorParseProblem::ok);
  CHECK(r.error.condition == ErrorCondition::item_not_found);
}

TEST_CASE("build_request: type, id, to, from, namespace, payload copied") {
  Parsed ping("<ping xmlns='urn:xmpp:ping'/>");
  xml::Arena arena;
  const xml::Element request = build_request(arena, IqType::get, ping.element, "example.com", "p1");
  CHECK(serialised(request) ==
        "<iq type='get' id='p1' to='example.com'><ping xmlns='urn:xmpp:ping'/></iq>");
  const xml::Element bare = build_request(arena, IqType::set, ping.element);
  CHECK(serialised(bare) == "<iq type='set'><ping xmlns='urn:xmpp:ping'/></iq>");
  const xml::Element component = build_request(arena, IqType::get, ping.element, "a@example.com",
                                               "c1", ns::kComponent, "comp.example.com");
  CHECK(component.ns() == ns::kComponent);
  CHECK(component.attribute("from") == "comp.example.com");
  const auto iq = Iq::view(component);
  REQUIRE(iq);
  CHECK(iq->check() == IqProblem::ok);
  CHECK(iq->payload().is("ping", ns::kPing));
}

TEST_CASE("build_result: id kept, to = the request's from, payload optional") {
  Parsed request(
      "<iq type='get' id='v1' from='romeo@example.net/orchard' to='comp.example.com'>"
      "<query xmlns='jabber:iq:version'/></iq>");
  Parsed payload("<query xmlns='jabber:iq:version'><name>x</name></query>");
  xml::Arena arena;
  CHECK(serialised(build_result(arena, request.element)) ==
        "<iq type='result' id='v1' to='romeo@example.net/orchard'/>");
  const xml::Element full =
      build_result(arena, request.element, payload.element, ReplyFrom::request_to);
  CHECK(serialised(full) ==
        "<iq type='result' id='v1' to='romeo@example.net/orchard' from='comp.example.com'>"
        "<query xmlns='jabber:iq:version'><name>x</name></query></iq>");
  Parsed anonymous("<iq type='get' id='v2'><query xmlns='jabber:iq:version'/></iq>");
  const xml::Element reply = build_result(arena, anonymous.element, {}, ReplyFrom::request_to);
  CHECK_FALSE(reply.attribute("to"));
  CHECK_FALSE(reply.attribute("from"));
  CHECK(Iq::view(reply)->check() == IqProblem::ok);
}
