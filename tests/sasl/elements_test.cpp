// Reading <failure/> (RFC 6120 §6.5), <mechanisms/> and XEP-0440 <sasl-channel-binding/>.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/sasl.hpp"

using namespace xmpp::test;
namespace sasl = xmpp::sasl;
using sasl::FailureCondition;

namespace {

constexpr int kConditionCount = static_cast<int>(FailureCondition::unknown) + 1;

std::string failure_xml(std::string_view children) {
  return "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + std::string(children) +
         "</failure>";
}

}  // namespace

TEST_CASE("every RFC 6120 §6.5 condition parses, with text and language") {
  for (int i = 0; i + 1 < kConditionCount; ++i) {
    const auto condition = static_cast<FailureCondition>(i);
    const std::string name(to_string(condition));
    INFO(name);
    OpenStream s;
    const auto failure = sasl::parse_failure(
        s.element(failure_xml("<" + name + "/><text xml:lang='en'>Call 555-1234</text>")));
    REQUIRE(failure.has_value());
    CHECK(failure->condition == condition);
    CHECK(failure->condition_name == name);
    CHECK(failure->text == "Call 555-1234");
    CHECK(failure->text_lang == "en");
  }
}

TEST_CASE("condition names") {
  CHECK(to_string(FailureCondition::not_authorized) == "not-authorized");
  CHECK(to_string(FailureCondition::temporary_auth_failure) == "temporary-auth-failure");
  CHECK(to_string(FailureCondition::account_disabled) == "account-disabled");
  CHECK(to_string(FailureCondition::credentials_expired) == "credentials-expired");
  CHECK(to_string(FailureCondition::mechanism_too_weak) == "mechanism-too-weak");
  CHECK(sasl::failure_condition_from_string("aborted") == FailureCondition::aborted);
  CHECK(sasl::failure_condition_from_string("unknown") == FailureCondition::unknown);
  CHECK(sasl::failure_condition_from_string("Not-Authorized") == FailureCondition::unknown);
  CHECK(sasl::failure_condition_from_string("") == FailureCondition::unknown);
}

TEST_CASE("an unknown or missing condition is 'unknown'; text comes first or last") {
  OpenStream s;
  auto failure = sasl::parse_failure(s.element(failure_xml("<bad-password/>")));
  REQUIRE(failure.has_value());
  CHECK(failure->condition == FailureCondition::unknown);
  CHECK(failure->condition_name == "bad-password");
  CHECK(failure->text.empty());

  failure = sasl::parse_failure(s.element(failure_xml("<text>only text</text>")));
  REQUIRE(failure.has_value());
  CHECK(failure->condition == FailureCondition::unknown);
  CHECK(failure->condition_name.empty());
  CHECK(failure->text == "only text");
  CHECK(failure->text_lang.empty());

  failure = sasl::parse_failure(s.element(failure_xml("")));
  REQUIRE(failure.has_value());
  CHECK(failure->condition == FailureCondition::unknown);

  // The condition is the first element in the SASL namespace other than <text/>.
  failure = sasl::parse_failure(s.element(
      failure_xml("<text>why</text><x xmlns='urn:example'/><not-authorized/><aborted/>")));
  REQUIRE(failure.has_value());
  CHECK(failure->condition == FailureCondition::not_authorized);
  CHECK(failure->text == "why");

  // A condition in another namespace does not count.
  failure = sasl::parse_failure(s.element(failure_xml("<not-authorized xmlns='urn:example'/>")));
  REQUIRE(failure.has_value());
  CHECK(failure->condition == FailureCondition::unknown);
}

TEST_CASE("only a <failure/> in the SASL namespace is a SASL failure") {
  OpenStream s;
  CHECK_FALSE(sasl::parse_failure(s.element("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"))
                  .has_value());
  CHECK_FALSE(sasl::parse_failure(s.element("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>"))
                  .has_value());
  CHECK_FALSE(sasl::parse_failure(s.element("<failure/>")).has_value());
  CHECK_FALSE(sasl::parse_failure(xmpp::xml::Element()).has_value());
}

TEST_CASE("only temporary-auth-failure is not permanent") {
  for (int i = 0; i < kConditionCount; ++i) {
    const auto condition = static_cast<FailureCondition>(i);
    INFO(to_string(condition));
    CHECK(sasl::is_permanent(condition) == (condition != FailureCondition::temporary_auth_failure));
  }
}

TEST_CASE("offered mechanisms and XEP-0440 channel-binding types from <stream:features/>") {
  OpenStream s;
  const auto features = s.element(
      "<stream:features>"
      "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
      "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
      "<other/><mechanism>PLAIN</mechanism></mechanisms>"
      "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>"
      "<channel-binding type='tls-server-end-point'/><channel-binding/>"
      "<channel-binding type='tls-exporter'/></sasl-channel-binding>"
      "</stream:features>");
  CHECK(sasl::offered_mechanisms(features) ==
        std::vector<std::string_view>{"SCRAM-SHA-1-PLUS", "SCRAM-SHA-1", "PLAIN"});
  const auto bindings = sasl::offered_channel_bindings(features);
  REQUIRE(bindings.has_value());
  CHECK(*bindings == std::vector<std::string_view>{"tls-server-end-point", "tls-exporter"});

  const auto bare = s.element(
      "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
  CHECK(sasl::offered_mechanisms(bare).empty());
  CHECK_FALSE(sasl::offered_channel_bindings(bare).has_value());

  const auto empty_list = s.element(
      "<stream:features><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'/></stream:features>");
  REQUIRE(sasl::offered_channel_bindings(empty_list).has_value());
  CHECK(sasl::offered_channel_bindings(empty_list)->empty());
}
