// validate() of ApplicationConfig (every ApplicationConfigError) and the names of the
// application layer's enumerations.
#include <doctest/doctest.h>

#include <chrono>
#include <string_view>

#include "xmpp/application_config.hpp"

using namespace xmpp;
using Error = ApplicationConfigError;

TEST_CASE("the defaults are valid and as documented") {
  const ApplicationConfig c;
  CHECK(validate(c) == Error::ok);
  CHECK(c.answer_unhandled_iqs);
  CHECK(c.answer_pings);
  CHECK(c.answer_disco_info);
  REQUIRE(c.identities.size() == 1);
  CHECK(c.identities[0] == DiscoIdentity{"client", "bot", "", ""});
  CHECK(c.features.empty());
  CHECK_FALSE(c.software_version);
  CHECK(c.keepalive.interval == Duration::zero());
  CHECK(c.keepalive.timeout == std::chrono::seconds(30));
  CHECK(c.send_initial_presence);
  CHECK_FALSE(c.fetch_roster);
  CHECK(c.handle_roster_pushes);
}

TEST_CASE("invalid_keepalive: a negative interval, a timeout not positive") {
  ApplicationConfig c;
  c.keepalive.interval = Duration(-1);
  CHECK(validate(c) == Error::invalid_keepalive);
  c.keepalive.interval = std::chrono::seconds(60);
  CHECK(validate(c) == Error::ok);
  c.keepalive.timeout = Duration::zero();
  CHECK(validate(c) == Error::invalid_keepalive);
  c.keepalive.timeout = Duration(-5);
  CHECK(validate(c) == Error::invalid_keepalive);
  c.keepalive.interval = Duration::zero();
  CHECK(validate(c) == Error::invalid_keepalive);  // checked even while the ping is off
  c.keepalive.timeout = Duration(1);
  CHECK(validate(c) == Error::ok);
}

TEST_CASE("invalid_identity: an empty category or type") {
  ApplicationConfig c;
  c.identities.push_back({"client", "pc", "Laptop", "en"});
  CHECK(validate(c) == Error::ok);
  c.identities.push_back({"", "pc", "", ""});
  CHECK(validate(c) == Error::invalid_identity);
  c.identities.back() = {"client", "", "", ""};
  CHECK(validate(c) == Error::invalid_identity);
  c.identities.back() = {"automation", "command-node", "", ""};
  CHECK(validate(c) == Error::ok);
  SUBCASE("no identity at all is allowed") {
    c.identities.clear();
    CHECK(validate(c) == Error::ok);
  }
}

TEST_CASE("invalid_feature: an empty feature") {
  ApplicationConfig c;
  c.features = {"urn:xmpp:receipts", "http://jabber.org/protocol/chatstates"};
  CHECK(validate(c) == Error::ok);
  c.features.push_back("");
  CHECK(validate(c) == Error::invalid_feature);
}

TEST_CASE("invalid_software_version: an empty name or version; os may be empty") {
  ApplicationConfig c;
  c.software_version = SoftwareVersion{"xmpp-sansio", "1.0", ""};
  CHECK(validate(c) == Error::ok);
  c.software_version = SoftwareVersion{"", "1.0", "Linux"};
  CHECK(validate(c) == Error::invalid_software_version);
  c.software_version = SoftwareVersion{"xmpp-sansio", "", "Linux"};
  CHECK(validate(c) == Error::invalid_software_version);
  c.software_version.reset();
  CHECK(validate(c) == Error::ok);
}

TEST_CASE("the first problem found is reported: keepalive, identities, features, version") {
  ApplicationConfig c;
  c.keepalive.timeout = Duration::zero();
  c.identities = {{"", "", "", ""}};
  c.features = {""};
  c.software_version = SoftwareVersion{};
  CHECK(validate(c) == Error::invalid_keepalive);
  c.keepalive.timeout = Duration(1);
  CHECK(validate(c) == Error::invalid_identity);
  c.identities.clear();
  CHECK(validate(c) == Error::invalid_feature);
  c.features.clear();
  CHECK(validate(c) == Error::invalid_software_version);
}

TEST_CASE("names") {
  CHECK(to_string(Error::ok) == "ok");
  CHECK(to_string(Error::invalid_keepalive) == "invalid_keepalive");
  CHECK(to_string(Error::invalid_identity) == "invalid_identity");
  CHECK(to_string(Error::invalid_feature) == "invalid_feature");
  CHECK(to_string(Error::invalid_software_version) == "invalid_software_version");
  CHECK(to_string(static_cast<Error>(99)) == "unknown");

  CHECK(to_string(ClientState::active) == "active");
  CHECK(to_string(ClientState::inactive) == "inactive");
  CHECK(to_string(static_cast<ClientState>(99)) == "unknown");

  CHECK(to_string(CsiStatus::sent) == "sent");
  CHECK(to_string(CsiStatus::unchanged) == "unchanged");
  CHECK(to_string(CsiStatus::deferred) == "deferred");
  CHECK(to_string(CsiStatus::unsupported) == "unsupported");
  CHECK(to_string(CsiStatus::invalid_state) == "invalid_state");
  CHECK(to_string(CsiStatus::would_block) == "would_block");
  CHECK(to_string(static_cast<CsiStatus>(99)) == "unknown");
}
