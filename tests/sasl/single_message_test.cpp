// PLAIN, EXTERNAL and ANONYMOUS through the Authenticator, and the error tables.
#include <doctest/doctest.h>

#include <set>
#include <string>
#include <type_traits>
#include <utility>

#include "sasl/authenticator.hpp"
#include "sasl/base64.hpp"
#include "sasl_test_util.hpp"
#include "stream_test_util.hpp"

using namespace xmpp::test;
namespace sasl = xmpp::sasl;
using sasl::Authenticator;
using sasl::Error;
using sasl::Mechanism;

namespace {

struct Started {
  Error error;
  std::optional<std::string> initial;
};

Started start(Mechanism m, const sasl::Credentials& c) {
  Authenticator auth({m, std::nullopt, sasl::Gs2Flag::n}, nullptr);
  Started s;
  s.error = auth.start(c, sasl::Entropy(), s.initial);
  CHECK(auth.state() ==
        (s.error == Error::ok ? Authenticator::State::running : Authenticator::State::failed));
  return s;
}

}  // namespace

TEST_CASE("PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616 §2)") {
  Started s = start(Mechanism::plain, user_pencil());
  REQUIRE(name(s.error) == name(Error::ok));
  CHECK(*s.initial == std::string("\0user\0pencil", 12));
  CHECK(sasl::encode_initial_response(s.initial) == "AHVzZXIAcGVuY2ls");

  sasl::Credentials c = user_pencil();
  c.authzid = "admin@example.com";
  s = start(Mechanism::plain, c);
  REQUIRE(name(s.error) == name(Error::ok));
  CHECK(*s.initial == std::string("admin@example.com\0user\0pencil", 29));
}

TEST_CASE("PLAIN: credentials prepared with SASLprep, refusals named") {
  sasl::Credentials c;
  c.username = "I" + utf8(0x00AD) + "X";
  c.password = "p" + utf8(0x00A0) + utf8(0x2168);
  Started s = start(Mechanism::plain, c);
  REQUIRE(name(s.error) == name(Error::ok));
  CHECK(*s.initial == std::string("\0IX\0p IX", 8));

  // Unassigned code points pass (query strings: the server decides).
  c.password = "p" + utf8(0x0221);
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::ok));

  c = user_pencil();
  c.password.clear();
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::missing_credentials));
  c.password = utf8(0x00AD);
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::invalid_password));
  c.password = "pen\x07";
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::invalid_password));
  c = user_pencil();
  c.username = "";
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::invalid_username));
  c.username = std::string("us\0er", 5);
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::invalid_username));
  c = user_pencil();
  c.authzid = std::string("a\0b", 3);
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::invalid_authzid));
  c.authzid = "\xFF";
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::invalid_authzid));

  // A SCRAM key cache is no use to PLAIN.
  c = user_pencil();
  c.password.clear();
  c.scram_keys = sasl::ScramKeyCache{};
  CHECK(name(start(Mechanism::plain, c).error) == name(Error::missing_credentials));
}

TEST_CASE("EXTERNAL: the authzid, empty by default (sent as \"=\")") {
  Started s = start(Mechanism::external, sasl::Credentials{});
  REQUIRE(name(s.error) == name(Error::ok));
  REQUIRE(s.initial.has_value());
  CHECK(s.initial->empty());
  CHECK(sasl::encode_initial_response(s.initial) == "=");

  sasl::Credentials c;
  c.authzid = "juliet@example.com";
  s = start(Mechanism::external, c);
  CHECK(*s.initial == "juliet@example.com");
  c.authzid = std::string("a\0b", 3);
  CHECK(name(start(Mechanism::external, c).error) == name(Error::invalid_authzid));
}

TEST_CASE("ANONYMOUS: the trace, up to 255 characters (RFC 4505 §2)") {
  Started s = start(Mechanism::anonymous, sasl::Credentials{});
  REQUIRE(name(s.error) == name(Error::ok));
  CHECK(sasl::encode_initial_response(s.initial) == "=");

  sasl::Credentials c;
  c.anonymous_trace = "sirhc";
  CHECK(*start(Mechanism::anonymous, c).initial == "sirhc");
  std::string long_trace;
  for (int i = 0; i < 255; ++i)
    long_trace += utf8(0x00E9);  // 255 characters, 510 bytes
  c.anonymous_trace = long_trace;
  CHECK(name(start(Mechanism::anonymous, c).error) == name(Error::ok));
  c.anonymous_trace += "x";
  CHECK(name(start(Mechanism::anonymous, c).error) == name(Error::invalid_trace));
  c.anonymous_trace = std::string("a\0", 2);
  CHECK(name(start(Mechanism::anonymous, c).error) == name(Error::invalid_trace));
  c.anonymous_trace = "\xC3";
  CHECK(name(start(Mechanism::anonymous, c).error) == name(Error::invalid_trace));
}

TEST_CASE("single-message mechanisms: no challenges, no success data") {
  for (Mechanism m : {Mechanism::plain, Mechanism::external, Mechanism::anonymous}) {
    INFO(to_string(m));
    for (std::optional<std::string_view> data :
         {std::optional<std::string_view>(), std::optional<std::string_view>("")}) {
      Authenticator auth({m, std::nullopt, sasl::Gs2Flag::n}, nullptr);
      std::optional<std::string> initial;
      REQUIRE(auth.start(user_pencil(), sasl::Entropy(), initial) == Error::ok);
      CHECK(name(auth.success(data)) == name(Error::ok));
      CHECK(auth.state() == Authenticator::State::succeeded);
      CHECK_FALSE(auth.scram_keys().has_value());
      CHECK(auth.server_error().empty());
    }
    {
      Authenticator auth({m, std::nullopt, sasl::Gs2Flag::n}, nullptr);
      std::optional<std::string> initial;
      REQUIRE(auth.start(user_pencil(), sasl::Entropy(), initial) == Error::ok);
      std::string response = "untouched";
      CHECK(name(auth.challenge("", response)) == name(Error::unexpected_challenge));
      CHECK(response == "untouched");
      CHECK(auth.state() == Authenticator::State::failed);
      CHECK(name(auth.success(std::nullopt)) == name(Error::invalid_state));
    }
    {
      Authenticator auth({m, std::nullopt, sasl::Gs2Flag::n}, nullptr);
      std::optional<std::string> initial;
      REQUIRE(auth.start(user_pencil(), sasl::Entropy(), initial) == Error::ok);
      CHECK(name(auth.success("v=abc")) == name(Error::unexpected_success_data));
      CHECK(auth.state() == Authenticator::State::failed);
    }
  }
}

TEST_CASE("an Authenticator can be moved (e.g. into the engine's state), not copied") {
  static_assert(std::is_nothrow_move_constructible_v<Authenticator>);
  static_assert(!std::is_copy_constructible_v<Authenticator>);
  Authenticator a({Mechanism::plain, std::nullopt, sasl::Gs2Flag::n}, nullptr);
  std::optional<std::string> initial;
  REQUIRE(a.start(user_pencil(), sasl::Entropy(), initial) == Error::ok);
  Authenticator b(std::move(a));
  CHECK(b.state() == Authenticator::State::running);
  CHECK(name(b.success(std::nullopt)) == name(Error::ok));
}

TEST_CASE("every Error has a distinct message and an origin") {
  std::set<std::string> messages;
  const int count = static_cast<int>(Error::crypto_failure) + 1;
  for (int i = 0; i < count; ++i) {
    const auto e = static_cast<Error>(i);
    INFO("error " << i);
    CHECK_FALSE(to_string(e).empty());
    messages.insert(name(e));
    CHECK((origin(e) == sasl::ErrorOrigin::none) == (e == Error::ok));
  }
  CHECK(messages.size() == static_cast<std::size_t>(count));
  CHECK(origin(Error::invalid_state) == sasl::ErrorOrigin::caller);
  CHECK(origin(Error::invalid_password) == sasl::ErrorOrigin::credentials);
  CHECK(origin(Error::scram_server_signature_mismatch) == sasl::ErrorOrigin::server);
  CHECK(origin(Error::scram_nonce_mismatch) == sasl::ErrorOrigin::server);
  CHECK(origin(Error::crypto_failure) == sasl::ErrorOrigin::local);
}

TEST_CASE("mechanism names round-trip; hashes and -PLUS") {
  std::set<std::string> names;
  for (int i = 0; i <= static_cast<int>(Mechanism::anonymous); ++i) {
    const auto m = static_cast<Mechanism>(i);
    names.insert(std::string(to_string(m)));
    REQUIRE(sasl::mechanism_from_string(to_string(m)).has_value());
    CHECK(*sasl::mechanism_from_string(to_string(m)) == m);
    CHECK(is_plus(m) == to_string(m).ends_with("-PLUS"));
    CHECK(sasl::scram_hash(m).has_value() == to_string(m).starts_with("SCRAM-"));
  }
  CHECK(names.size() == 9);
  CHECK(to_string(Mechanism::scram_sha_512_plus) == "SCRAM-SHA-512-PLUS");
  CHECK(to_string(Mechanism::scram_sha_1) == "SCRAM-SHA-1");
  CHECK(sasl::scram_hash(Mechanism::scram_sha_256_plus) == sasl::ScramHash::sha256);
  CHECK(sasl::scram_hash(Mechanism::scram_sha_512) == sasl::ScramHash::sha512);
  CHECK(sasl::scram_hash(Mechanism::scram_sha_1_plus) == sasl::ScramHash::sha1);
  for (const char* unknown : {"scram-sha-1", "SCRAM-SHA-1 ", "DIGEST-MD5", "SCRAM-SHA3-512", ""}) {
    CHECK_FALSE(sasl::mechanism_from_string(unknown).has_value());
  }
  CHECK(to_string(sasl::ChannelBindingType::tls_server_end_point) == "tls-server-end-point");
  CHECK(sasl::channel_binding_type_from_string("tls-exporter") ==
        sasl::ChannelBindingType::tls_exporter);
  CHECK(sasl::channel_binding_type_from_string("tls-unique") ==
        sasl::ChannelBindingType::tls_unique);
  CHECK_FALSE(sasl::channel_binding_type_from_string("TLS-UNIQUE").has_value());
}
