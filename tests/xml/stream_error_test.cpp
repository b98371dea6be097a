// Stream error conditions (RFC 6120 §4.9.3): names and their parsing.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "xmpp/stream_error.hpp"

using xmpp::StreamErrorCondition;

TEST_CASE("every condition has its RFC 6120 name and parses back") {
  std::set<std::string> names;
  const int count = static_cast<int>(StreamErrorCondition::unsupported_version) + 1;
  CHECK(count == 25);
  for (int i = 0; i < count; ++i) {
    const auto c = static_cast<StreamErrorCondition>(i);
    const std::string name(to_string(c));
    INFO("condition " << i << " named " << name);
    CHECK_FALSE(name.empty());
    names.insert(name);
    const auto back = xmpp::stream_error_condition_from_string(name);
    REQUIRE(back.has_value());
    CHECK(static_cast<int>(*back) == i);
  }
  CHECK(names.size() == 25);
  CHECK(to_string(StreamErrorCondition::not_well_formed) == "not-well-formed");
  CHECK(to_string(StreamErrorCondition::bad_namespace_prefix) == "bad-namespace-prefix");
  CHECK(to_string(StreamErrorCondition::restricted_xml) == "restricted-xml");
  CHECK(to_string(StreamErrorCondition::policy_violation) == "policy-violation");
  CHECK(to_string(StreamErrorCondition::unsupported_encoding) == "unsupported-encoding");
  CHECK(to_string(StreamErrorCondition::invalid_namespace) == "invalid-namespace");
  CHECK(to_string(StreamErrorCondition::see_other_host) == "see-other-host");
  CHECK(to_string(StreamErrorCondition::reset) == "reset");
  CHECK(to_string(StreamErrorCondition::undefined_condition) == "undefined-condition");
}

TEST_CASE("unknown condition names give nullopt") {
  for (const char* name : {"", "not_well_formed", "Not-Well-Formed", "text", "not-well-formed "}) {
    INFO("name '" << name << "'");
    CHECK_FALSE(xmpp::stream_error_condition_from_string(name).has_value());
  }
}
