// SCRAM through the Authenticator: the RFC 5802 and RFC 7677 examples byte for byte, SHA-512
// against an independently computed server, every check on the server's messages, username
// escaping and SASLprep, key caches, channel binding and the gs2 flag.
#include <doctest/doctest.h>

#include <string>
#include <tuple>

#include "sasl/authenticator.hpp"
#include "sasl/base64.hpp"
#include "sasl_test_util.hpp"
#include "stream_test_util.hpp"

using namespace xmpp::test;
namespace sasl = xmpp::sasl;
using sasl::Authenticator;
using sasl::Error;
using sasl::Gs2Flag;
using sasl::Mechanism;

namespace {

// A published exchange (user "user", password "pencil").
struct Vector {
  Mechanism mechanism;
  std::string_view client_nonce;
  std::string_view client_first;
  std::string_view server_first;
  std::string_view client_final;
  std::string_view server_final;
};

// RFC 5802 §5.
constexpr Vector kRfc5802 = {
    Mechanism::scram_sha_1,
    "fyko+d2lbbFgONRv9qkxdawL",
    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

// RFC 7677 §3.
constexpr Vector kRfc7677 = {
    Mechanism::scram_sha_256,
    "rOprNGfwEbeRWgbNEkqO",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

sasl::Selection selection(Mechanism m, Gs2Flag flag = Gs2Flag::n,
                          std::optional<sasl::ChannelBindingType> cb = std::nullopt) {
  return {m, cb, flag};
}

// The policy and entropy that make the client choose the vector's nonce: the nonce is the
// base64 form of the entropy bytes.
sasl::ScramPolicy vector_policy(const Vector& v) {
  return policy_with_nonce(unbase64(v.client_nonce).size());
}

// Starts an exchange of `v` and checks the client-first-message.
void start_vector(Authenticator& auth, const Vector& v,
                  const sasl::Credentials& credentials = user_pencil()) {
  std::optional<std::string> initial;
  REQUIRE(name(auth.start(credentials, fixed_entropy(unbase64(v.client_nonce)), initial)) ==
          name(Error::ok));
  REQUIRE(initial.has_value());
  CHECK(*initial == v.client_first);
  CHECK(auth.state() == Authenticator::State::running);
}

// Runs `v` up to the client-final-message (checked) and returns the authenticator's state.
void run_to_final(Authenticator& auth, const Vector& v,
                  const sasl::Credentials& credentials = user_pencil()) {
  start_vector(auth, v, credentials);
  std::string response;
  REQUIRE(name(auth.challenge(v.server_first, response)) == name(Error::ok));
  CHECK(response == v.client_final);
}

// The RFC 5802 exchange up to the server-first-message `server_first`; returns the error of
// processing it (and checks the state that follows).
Error after_server_first(std::string_view server_first,
                         sasl::ScramPolicy policy = vector_policy(kRfc5802)) {
  Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, policy);
  start_vector(auth, kRfc5802);
  std::string response = "untouched";
  const Error e = auth.challenge(server_first, response);
  if (e == Error::ok) {
    CHECK(auth.state() == Authenticator::State::running);
  } else {
    CHECK(response == "untouched");
    CHECK(auth.state() == Authenticator::State::failed);
  }
  return e;
}

// The RFC 5802 exchange with `server_final` as additional data of <success/>.
Error final_in_success(std::optional<std::string_view> server_final) {
  Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  run_to_final(auth, kRfc5802);
  const Error e = auth.success(server_final);
  CHECK(auth.state() ==
        (e == Error::ok ? Authenticator::State::succeeded : Authenticator::State::failed));
  return e;
}

// The RFC 5802 exchange with `server_final` in a <challenge/>, then an empty <success/>.
Error final_in_challenge(std::string_view server_final) {
  Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  run_to_final(auth, kRfc5802);
  std::string response = "untouched";
  const Error e = auth.challenge(server_final, response);
  if (e != Error::ok) {
    CHECK(response == "untouched");
    CHECK(auth.state() == Authenticator::State::failed);
    return e;
  }
  CHECK(response.empty());
  CHECK(auth.state() == Authenticator::State::running);
  const Error s = auth.success(std::nullopt);
  CHECK(name(s) == name(Error::ok));
  return s;
}

// The value of attribute `a` ("c", "p", ...) in a SCRAM message.
std::string attribute(std::string_view message, char a) {
  const std::string key = std::string(1, a) + "=";
  std::size_t at = message.starts_with(key) ? 0 : message.find("," + key);
  REQUIRE(at != std::string_view::npos);
  if (at != 0) ++at;
  const std::size_t end = message.find(',', at);
  return std::string(message.substr(at + 2, end == std::string_view::npos ? end : end - at - 2));
}

// Runs a whole exchange against TestScramServer; returns the error of the step that failed.
struct ServerRun {
  Error error = Error::ok;
  std::string client_first, client_final, server_final;
};
ServerRun run_against(TestScramServer& server, const sasl::Selection& sel,
                      const sasl::Credentials& credentials, const sasl::TlsChannel* tls = nullptr,
                      const sasl::ScramPolicy& policy = {}) {
  Authenticator auth(sel, tls, policy);
  ServerRun run;
  std::optional<std::string> initial;
  run.error = auth.start(credentials, counting_entropy(7), initial);
  if (run.error != Error::ok) return run;
  run.client_first = *initial;
  run.error = auth.challenge(server.reply_first(run.client_first), run.client_final);
  if (run.error != Error::ok) return run;
  run.server_final = server.reply_final(run.client_final);
  run.error = auth.success(run.server_final);
  return run;
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// Published examples

TEST_CASE("RFC 5802 §5 and RFC 7677 §3 examples, byte for byte, v= with <success/>") {
  for (const Vector& v : {kRfc5802, kRfc7677}) {
    INFO(to_string(v.mechanism));
    Authenticator auth(selection(v.mechanism), nullptr, vector_policy(v));
    CHECK(auth.mechanism() == v.mechanism);
    run_to_final(auth, v);
    CHECK_FALSE(auth.scram_keys().has_value());  // not before success
    CHECK(name(auth.success(v.server_final)) == name(Error::ok));
    CHECK(auth.state() == Authenticator::State::succeeded);
    CHECK(auth.server_error().empty());
  }
}

TEST_CASE("the same examples with v= in a <challenge/>, then an empty <success/>") {
  for (const Vector& v : {kRfc5802, kRfc7677}) {
    INFO(to_string(v.mechanism));
    for (std::optional<std::string_view> success_data :
         {std::optional<std::string_view>(), std::optional<std::string_view>("")}) {
      Authenticator auth(selection(v.mechanism), nullptr, vector_policy(v));
      run_to_final(auth, v);
      std::string response = "untouched";
      REQUIRE(name(auth.challenge(v.server_final, response)) == name(Error::ok));
      CHECK(response.empty());
      CHECK(auth.state() == Authenticator::State::running);
      CHECK(name(auth.success(success_data)) == name(Error::ok));
      CHECK(auth.state() == Authenticator::State::succeeded);
    }
  }
}

TEST_CASE("SCRAM-SHA-512 and SCRAM-SHA-512-PLUS against an independently computed server") {
  TestScramServer server;
  server.hash = xmpp::crypto::Hash::sha512;
  server.password = "pencil";
  sasl::TlsChannel tls;
  tls.tls_exporter = std::string(32, '\x5A');
  server.channel_binding_data = tls.tls_exporter;

  ServerRun plus = run_against(
      server,
      selection(Mechanism::scram_sha_512_plus, Gs2Flag::p, sasl::ChannelBindingType::tls_exporter),
      user_pencil(), &tls);
  CHECK(name(plus.error) == name(Error::ok));
  CHECK(plus.server_final.starts_with("v="));
  CHECK(unbase64(attribute(plus.client_final, 'p')).size() == 64);

  server.channel_binding_data.clear();
  ServerRun bare = run_against(server, selection(Mechanism::scram_sha_512), user_pencil());
  CHECK(name(bare.error) == name(Error::ok));
  CHECK(bare.client_first.starts_with("n,,n=user,r="));

  // The server computes with another password: its proof check fails, and a forged v= is
  // caught by the client.
  server.password = "pencil2";
  ServerRun wrong = run_against(server, selection(Mechanism::scram_sha_512), user_pencil());
  CHECK(wrong.server_final == "e=invalid-proof");
  CHECK(name(wrong.error) == name(Error::scram_server_error));
}

TEST_CASE("SCRAM-SHA-1 and -256 against the independent server agree with the client too") {
  for (auto [m, hash] : {std::pair{Mechanism::scram_sha_1, xmpp::crypto::Hash::sha1},
                         std::pair{Mechanism::scram_sha_256, xmpp::crypto::Hash::sha256}}) {
    TestScramServer server;
    server.hash = hash;
    server.password = "pencil";
    CHECK(name(run_against(server, selection(m), user_pencil()).error) == name(Error::ok));
  }
}

// ----------------------------------------------------------------------------------------------
// The server-first-message

TEST_CASE("nonce: must start with the client nonce and extend it") {
  const std::string tail = ",s=QSXCR+Q6sek8bf92,i=4096";
  CHECK(name(after_server_first("r=fyko+d2lbbFgONRv9qkxdawL" + tail)) ==
        name(Error::scram_nonce_mismatch));  // not extended
  CHECK(name(after_server_first("r=fyko+d2lbbFgONRv9qkxdaw" + tail)) ==
        name(Error::scram_nonce_mismatch));  // shorter
  CHECK(name(after_server_first("r=Xyko+d2lbbFgONRv9qkxdawL3rfc" + tail)) ==
        name(Error::scram_nonce_mismatch));  // another prefix
  CHECK(name(after_server_first("r=3rfcfyko+d2lbbFgONRv9qkxdawL" + tail)) ==
        name(Error::scram_nonce_mismatch));  // client nonce not at the start
  CHECK(name(after_server_first("r=fyko+d2lbbFgONRv9qkxdawL3rfc NHY" + tail)) ==
        name(Error::scram_malformed_attribute));  // space is not printable
  CHECK(name(after_server_first("r=fyko+d2lbbFgONRv9qkxdawL3rfc" + utf8(0xE9) + tail)) ==
        name(Error::scram_malformed_attribute));  // non-ASCII
}

TEST_CASE("iteration count: at least the minimum, at most the cap") {
  const std::string head = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=";
  CHECK(name(after_server_first(head + "4095")) == name(Error::scram_iterations_too_low));
  CHECK(name(after_server_first(head + "1")) == name(Error::scram_iterations_too_low));
  CHECK(name(after_server_first(head + "1000001")) == name(Error::scram_iterations_too_high));
  CHECK(name(after_server_first(head + "99999999999999999999999")) ==
        name(Error::scram_iterations_too_high));
  CHECK(name(after_server_first(head + "4096")) == name(Error::ok));

  // Both bounds are configurable.
  sasl::ScramPolicy policy = vector_policy(kRfc5802);
  policy.min_iterations = 4097;
  policy.max_iterations = 5000;
  CHECK(name(after_server_first(head + "4096", policy)) == name(Error::scram_iterations_too_low));
  CHECK(name(after_server_first(head + "5001", policy)) == name(Error::scram_iterations_too_high));
  CHECK(name(after_server_first(head + "5000", policy)) == name(Error::ok));
  policy.min_iterations = 1;
  CHECK(name(after_server_first(head + "1", policy)) == name(Error::ok));
}

TEST_CASE("iteration count syntax: posit-number only") {
  const std::string head = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=";
  for (const char* bad :
       {"04096", "4096x", "-4096", "+4096", " 4096", "4096 ", "0x1000", "4e3", "0"}) {
    INFO("i=" << bad);
    CHECK(name(after_server_first(head + bad)) == name(Error::scram_malformed_attribute));
  }
}

TEST_CASE("m= (mandatory extension) is refused wherever it appears") {
  CHECK(name(after_server_first("m=ext,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                                "s=QSXCR+Q6sek8bf92,i=4096")) ==
        name(Error::scram_mandatory_extension));
  CHECK(name(after_server_first(std::string(kRfc5802.server_first) + ",m=ext")) ==
        name(Error::scram_mandatory_extension));
}

TEST_CASE("salt: strict base64, not empty") {
  const std::string head = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=";
  for (const char* bad : {"QSXCR+Q6sek8bf9", "QSXCR+Q6sek8bf9=", "QSXCR+Q6 sek8bf92",
                          "QSXCR-Q6sek8bf92", "QSXCR+Q6sek8bf92=", "===="}) {
    INFO("s=" << bad);
    CHECK(name(after_server_first(head + bad + ",i=4096")) == name(Error::scram_invalid_salt));
  }
  CHECK(name(after_server_first(head + ",i=4096")) == name(Error::scram_malformed_attribute));
}

TEST_CASE("attributes: all present, in order, nothing else but well-formed extensions") {
  const std::string r = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j";
  const std::string s = "s=QSXCR+Q6sek8bf92", i = "i=4096";
  const std::pair<std::string, Error> cases[] = {
      {"", Error::scram_missing_attribute},
      {r, Error::scram_missing_attribute},                              // no salt
      {r + "," + s, Error::scram_missing_attribute},                    // no iteration count
      {r + "," + i, Error::scram_missing_attribute},                    // no salt, i in its place
      {s + "," + r + "," + i, Error::scram_missing_attribute},          // out of order
      {r + "," + i + "," + s, Error::scram_missing_attribute},          //
      {s + "," + i, Error::scram_missing_attribute},                    // no nonce
      {r + "," + s + "," + i + ",", Error::scram_malformed_attribute},  // trailing comma
      {"," + r + "," + s + "," + i, Error::scram_malformed_attribute},  // leading comma
      {r + ",," + s + "," + i, Error::scram_malformed_attribute},       // empty attribute
      {r + "," + s + "," + i + ",junk", Error::scram_malformed_attribute},     // no '='
      {r + "," + s + "," + i + ",x=", Error::scram_malformed_attribute},       // empty value
      {r + "," + s + "," + i + ",1=a", Error::scram_malformed_attribute},      // name not ALPHA
      {r + "," + s + "," + i + ",xy=a", Error::scram_malformed_attribute},     // name too long
      {r + "," + s + "," + i + ",r=again", Error::scram_malformed_attribute},  // repeated
      {r + "," + s + "," + i + ",v=abcd", Error::scram_malformed_attribute},   // defined name
      {r + "," + s + "," + i + ",x=\xC3", Error::scram_malformed_attribute},   // bad UTF-8
      {r + "," + s + "," + i + std::string(",x=a\0b", 6), Error::scram_malformed_attribute},
      {r + "," + s + "," + i + " ", Error::scram_malformed_attribute},          // junk in i=
      {"R" + r.substr(1) + "," + s + "," + i, Error::scram_missing_attribute},  // case matters
      {r + "," + s + "," + i + ",x=1", Error::ok},                              // extension ignored
      {r + "," + s + "," + i + ",x=a=b,z=" + utf8(0xE9), Error::ok},  // values may hold '='
  };
  for (const auto& c : cases) {
    const auto& [message, expected] = c;
    INFO("server-first: " << printable(c.first));
    CHECK(name(after_server_first(message)) == name(expected));
  }
}

// ----------------------------------------------------------------------------------------------
// The server-final-message, in <success/> and in <challenge/>

TEST_CASE("v=: verified in both paths, refused when wrong") {
  CHECK(name(final_in_success(kRfc5802.server_final)) == name(Error::ok));
  CHECK(name(final_in_challenge(kRfc5802.server_final)) == name(Error::ok));
  const std::pair<std::string_view, Error> cases[] = {
      // The first character changed: same length, other bytes.
      {"v=smF9pqV8S7suAoZWja4dJRkFsKQ=", Error::scram_server_signature_mismatch},
      // A valid signature of another exchange (RFC 7677's, and longer).
      {kRfc7677.server_final, Error::scram_server_signature_mismatch},
      // Valid base64, too short.
      {"v=rmF9pqV8S7suAoZWja4dJRkF", Error::scram_server_signature_mismatch},
      // Not strict base64: padding missing, trailing bits set, a space inside.
      {"v=rmF9pqV8S7suAoZWja4dJRkFsKQ", Error::scram_malformed_attribute},
      {"v=rmF9pqV8S7suAoZWja4dJRkFsKR=", Error::scram_malformed_attribute},
      {"v=rmF9pqV8S7su AoZWja4dJRkFsKQ=", Error::scram_malformed_attribute},
      {"v=", Error::scram_malformed_attribute},
  };
  for (const auto& c : cases) {
    const auto& [message, expected] = c;
    INFO("server-final: " << c.first);
    CHECK(name(final_in_success(message)) == name(expected));
    CHECK(name(final_in_challenge(message)) == name(expected));
  }
}

TEST_CASE("e=: a failure with its value exposed, in both paths") {
  for (bool in_challenge : {false, true}) {
    INFO("in challenge: " << in_challenge);
    Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
    run_to_final(auth, kRfc5802);
    std::string response;
    const Error e = in_challenge ? auth.challenge("e=invalid-proof", response)
                                 : auth.success("e=invalid-proof");
    CHECK(name(e) == name(Error::scram_server_error));
    CHECK(auth.server_error() == "invalid-proof");
    CHECK(auth.state() == Authenticator::State::failed);
    CHECK_FALSE(auth.scram_keys().has_value());
  }
  CHECK(name(final_in_success("e=")) == name(Error::scram_malformed_attribute));
}

TEST_CASE("server-final junk and missing attributes") {
  const std::string v(kRfc5802.server_final);
  const std::pair<std::string, Error> cases[] = {
      {"x=1", Error::scram_missing_attribute},
      {"r=abc", Error::scram_missing_attribute},
      {"junk", Error::scram_malformed_attribute},
      {v + ",", Error::scram_malformed_attribute},
      {v + ",junk", Error::scram_malformed_attribute},
      {v + ",v=again", Error::scram_malformed_attribute},
      {v + ",m=ext", Error::scram_mandatory_extension},
      {" " + v, Error::scram_malformed_attribute},
      {v + ",x=ignored", Error::ok},
  };
  for (const auto& c : cases) {
    const auto& [message, expected] = c;
    INFO("server-final: " << printable(c.first));
    CHECK(name(final_in_success(message)) == name(expected));
    CHECK(name(final_in_challenge(message)) == name(expected));
  }
}

TEST_CASE("<success/> without the server-final-message is refused") {
  CHECK(name(final_in_success(std::nullopt)) == name(Error::scram_missing_server_signature));
  CHECK(name(final_in_success("")) == name(Error::scram_missing_server_signature));
}

TEST_CASE("<success/> before the client-final-message is premature") {
  Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  start_vector(auth, kRfc5802);
  CHECK(name(auth.success(kRfc5802.server_final)) == name(Error::premature_success));
  CHECK(auth.state() == Authenticator::State::failed);
}

TEST_CASE("after v= in a challenge: no further challenge, no data with <success/>") {
  {
    Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
    run_to_final(auth, kRfc5802);
    std::string response;
    REQUIRE(auth.challenge(kRfc5802.server_final, response) == Error::ok);
    CHECK(name(auth.challenge(kRfc5802.server_final, response)) ==
          name(Error::unexpected_challenge));
    CHECK(auth.state() == Authenticator::State::failed);
  }
  {
    Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
    run_to_final(auth, kRfc5802);
    std::string response;
    REQUIRE(auth.challenge(kRfc5802.server_final, response) == Error::ok);
    CHECK(name(auth.success(kRfc5802.server_final)) == name(Error::unexpected_success_data));
  }
}

TEST_CASE("calls out of order are caller errors that change nothing") {
  Authenticator auth(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  std::string response = "untouched";
  CHECK(name(auth.challenge(kRfc5802.server_first, response)) == name(Error::invalid_state));
  CHECK(name(auth.success(std::nullopt)) == name(Error::invalid_state));
  CHECK(auth.state() == Authenticator::State::idle);
  CHECK(response == "untouched");
  run_to_final(auth, kRfc5802);
  std::optional<std::string> initial;
  CHECK(name(auth.start(user_pencil(), counting_entropy(), initial)) == name(Error::invalid_state));
  CHECK_FALSE(initial.has_value());
  REQUIRE(auth.success(kRfc5802.server_final) == Error::ok);
  CHECK(name(auth.success(std::nullopt)) == name(Error::invalid_state));
  CHECK(auth.state() == Authenticator::State::succeeded);
}

// ----------------------------------------------------------------------------------------------
// Client-first: nonce, username escaping, SASLprep, policy

TEST_CASE("the client nonce is the base64 form of the injected entropy") {
  for (std::size_t bytes : {12u, 18u, 24u, 25u, 96u}) {
    INFO(bytes << " bytes");
    Authenticator auth(selection(Mechanism::scram_sha_256), nullptr, policy_with_nonce(bytes));
    std::optional<std::string> initial;
    REQUIRE(auth.start(user_pencil(), counting_entropy(0x2B), initial) == Error::ok);
    const std::string nonce = attribute(*initial, 'r');
    CHECK(nonce.size() == (bytes + 2) / 3 * 4);
    CHECK(nonce.find(',') == std::string::npos);
    for (char c : nonce)
      CHECK((c >= 0x21 && c <= 0x7E));
    std::string expected_bytes;
    for (std::size_t i = 0; i < bytes; ++i)
      expected_bytes += static_cast<char>(0x2B + i);
    CHECK(unbase64(nonce) == expected_bytes);
  }
}

TEST_CASE("policy and entropy misuse are caller errors") {
  for (auto [min, max, nonce] : {std::tuple{4096u, 4095u, 24u}, std::tuple{0u, 4096u, 24u},
                                 std::tuple{4096u, 0x80000000u, 24u}, std::tuple{4096u, 4096u, 11u},
                                 std::tuple{4096u, 4096u, 97u}}) {
    sasl::ScramPolicy policy;
    policy.min_iterations = min;
    policy.max_iterations = max;
    policy.nonce_entropy_bytes = nonce;
    Authenticator auth(selection(Mechanism::scram_sha_256), nullptr, policy);
    std::optional<std::string> initial;
    CHECK(name(auth.start(user_pencil(), counting_entropy(), initial)) ==
          name(Error::invalid_policy));
    CHECK(auth.state() == Authenticator::State::idle);
  }
  Authenticator auth(selection(Mechanism::scram_sha_256), nullptr);
  std::optional<std::string> initial;
  CHECK(name(auth.start(user_pencil(), sasl::Entropy(), initial)) == name(Error::missing_entropy));
  CHECK(auth.state() == Authenticator::State::idle);
  CHECK(origin(Error::missing_entropy) == sasl::ErrorOrigin::caller);
}

TEST_CASE("',' and '=' in the username and authzid are escaped as =2C and =3D") {
  sasl::Credentials c = user_pencil();
  c.username = "a,b=c,,==";
  c.authzid = "admin=x,y@example.com";
  TestScramServer server;
  server.password = "pencil";
  ServerRun run = run_against(server, selection(Mechanism::scram_sha_256), c);
  CHECK(name(run.error) == name(Error::ok));
  CHECK(run.client_first.starts_with("n,a=admin=3Dx=2Cy@example.com,n=a=2Cb=3Dc=2C=2C=3D=3D,r="));
  // c= carries the gs2 header with the escaped authzid.
  CHECK(unbase64(attribute(run.client_final, 'c')) == "n,a=admin=3Dx=2Cy@example.com,");
}

TEST_CASE("usernames and passwords are prepared with SASLprep") {
  // RFC 4013 §3 #1 and #5: both prepare to "IX", so they authenticate as user "IX" with the
  // password "IX".
  sasl::Credentials c;
  c.username = "I" + utf8(0x00AD) + "X";
  c.password = utf8(0x2168);
  TestScramServer server;
  server.password = "IX";
  ServerRun run = run_against(server, selection(Mechanism::scram_sha_256), c);
  CHECK(name(run.error) == name(Error::ok));
  CHECK(run.client_first.starts_with("n,,n=IX,r="));

  // A non-ASCII username that needs no change is sent as is, in UTF-8.
  c.username = "j" + utf8(0x00FC) + "rgen";
  run = run_against(server, selection(Mechanism::scram_sha_256), c);
  CHECK(name(run.error) == name(Error::ok));
  CHECK(run.client_first.starts_with("n,,n=j" + utf8(0x00FC) + "rgen,r="));
}

TEST_CASE("SASLprep refusals name the credential and the reason") {
  struct Case {
    std::string username, password;
    Error error;
    sasl::PrepError prep;
  };
  const Case cases[] = {
      {"user" + utf8(0x0007), "pencil", Error::invalid_username, sasl::PrepError::prohibited},
      {utf8(0x0627) + "1", "pencil", Error::invalid_username, sasl::PrepError::bidi},
      {"user\xC3", "pencil", Error::invalid_username, sasl::PrepError::invalid_utf8},
      {"", "pencil", Error::invalid_username, sasl::PrepError::empty},
      {utf8(0x00AD), "pencil", Error::invalid_username, sasl::PrepError::empty},
      {"user",
       "pen\x07"
       "cil",
       Error::invalid_password, sasl::PrepError::prohibited},
      {"user", utf8(0x0627) + "1", Error::invalid_password, sasl::PrepError::bidi},
      {"user", utf8(0x00AD), Error::invalid_password, sasl::PrepError::empty},
      // Unassigned code points: fine in the username (query string), not in the password
      // (stored string, RFC 5802 §2.2).
      {"user", "p" + utf8(0x0221), Error::invalid_password, sasl::PrepError::unassigned},
      {"u" + utf8(0x0221), "pencil", Error::ok, sasl::PrepError::ok},
  };
  for (const Case& k : cases) {
    INFO("username " << printable(k.username) << ", password " << printable(k.password));
    sasl::Credentials c;
    c.username = k.username;
    c.password = k.password;
    Authenticator auth(selection(Mechanism::scram_sha_256), nullptr);
    std::optional<std::string> initial;
    CHECK(name(auth.start(c, counting_entropy(), initial)) == name(k.error));
    CHECK(to_string(auth.prep_error()) == to_string(k.prep));
    CHECK(initial.has_value() == (k.error == Error::ok));
  }
}

TEST_CASE("missing credentials and a bad authzid") {
  sasl::Credentials c;
  c.username = "user";
  Authenticator auth(selection(Mechanism::scram_sha_256), nullptr);
  std::optional<std::string> initial;
  CHECK(name(auth.start(c, counting_entropy(), initial)) == name(Error::missing_credentials));
  CHECK(auth.state() == Authenticator::State::failed);

  c.password = "pencil";
  c.authzid = std::string("a\0b", 3);
  Authenticator auth2(selection(Mechanism::scram_sha_256), nullptr);
  CHECK(name(auth2.start(c, counting_entropy(), initial)) == name(Error::invalid_authzid));
  CHECK_FALSE(initial.has_value());
}

// ----------------------------------------------------------------------------------------------
// Key cache

TEST_CASE("a successful exchange exposes its keys; they log in without the password") {
  Authenticator first(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  run_to_final(first, kRfc5802);
  REQUIRE(first.success(kRfc5802.server_final) == Error::ok);
  const std::optional<sasl::ScramKeyCache> keys = first.scram_keys();
  REQUIRE(keys.has_value());
  CHECK(keys->hash == sasl::ScramHash::sha1);
  CHECK(keys->salt == unbase64("QSXCR+Q6sek8bf92"));
  CHECK(keys->iterations == 4096);
  CHECK(keys->salted_password.size == 20);
  CHECK(keys->client_key.size == 20);
  CHECK(keys->server_key.size == 20);
  // RFC 5802 §3: SaltedPassword = Hi("pencil", salt, 4096).
  const auto salted =
      xmpp::crypto::pbkdf2_hmac(xmpp::crypto::Hash::sha1, xmpp::crypto::bytes_of("pencil"),
                                xmpp::crypto::bytes_of(keys->salt), 4096);
  REQUIRE(salted);
  CHECK(hex(keys->salted_password.view()) == hex(salted->bytes()));

  // Three forms of cache, no password: the same bytes on the wire as with the password.
  sasl::ScramKeyCache only_salted = *keys;
  only_salted.client_key = {};
  only_salted.server_key = {};
  sasl::ScramKeyCache only_keys = *keys;
  only_keys.salted_password = {};
  for (const sasl::ScramKeyCache& cache : {*keys, only_salted, only_keys}) {
    sasl::Credentials c;
    c.username = "user";
    c.scram_keys = cache;
    Authenticator again(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
    run_to_final(again, kRfc5802, c);
    CHECK(name(again.success(kRfc5802.server_final)) == name(Error::ok));
    const auto renewed = again.scram_keys();
    REQUIRE(renewed.has_value());
    CHECK(hex(renewed->client_key.view()) == hex(keys->client_key.view()));
  }
}

TEST_CASE("a cache that does not fit the server's salt or iteration count") {
  Authenticator first(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  run_to_final(first, kRfc5802);
  REQUIRE(first.success(kRfc5802.server_final) == Error::ok);
  sasl::ScramKeyCache stale = *first.scram_keys();
  stale.iterations = 8192;

  // Without the password: refused once the server's parameters are known.
  sasl::Credentials c;
  c.username = "user";
  c.scram_keys = stale;
  Authenticator without(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  start_vector(without, kRfc5802, c);
  std::string response;
  CHECK(name(without.challenge(kRfc5802.server_first, response)) ==
        name(Error::scram_key_cache_mismatch));
  CHECK(origin(Error::scram_key_cache_mismatch) == sasl::ErrorOrigin::credentials);

  // With the password as well: the password is used, and the new keys are exposed.
  c.password = "pencil";
  Authenticator with(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  run_to_final(with, kRfc5802, c);
  REQUIRE(with.success(kRfc5802.server_final) == Error::ok);
  CHECK(with.scram_keys()->iterations == 4096);
}

TEST_CASE("a cache for another hash or of the wrong shape") {
  Authenticator first(selection(Mechanism::scram_sha_1), nullptr, vector_policy(kRfc5802));
  run_to_final(first, kRfc5802);
  REQUIRE(first.success(kRfc5802.server_final) == Error::ok);
  const sasl::ScramKeyCache sha1_keys = *first.scram_keys();

  sasl::Credentials c;
  c.username = "user";
  c.scram_keys = sha1_keys;
  std::optional<std::string> initial;
  Authenticator other_hash(selection(Mechanism::scram_sha_256), nullptr);
  CHECK(name(other_hash.start(c, counting_entropy(), initial)) == name(Error::missing_credentials));

  sasl::ScramKeyCache broken = sha1_keys;
  broken.salted_password = {};
  broken.server_key = {};
  sasl::ScramKeyCache no_salt = sha1_keys;
  no_salt.salt.clear();
  sasl::ScramKeyCache wrong_size = sha1_keys;
  wrong_size.salted_password.size = 32;
  wrong_size.client_key.size = 32;
  for (const sasl::ScramKeyCache& cache : {broken, no_salt, wrong_size}) {
    c.scram_keys = cache;
    Authenticator auth(selection(Mechanism::scram_sha_1), nullptr);
    CHECK(name(auth.start(c, counting_entropy(), initial)) == name(Error::invalid_key_cache));
  }
}

// ----------------------------------------------------------------------------------------------
// Channel binding and the gs2 flag

TEST_CASE("-PLUS: c= is base64(gs2 header + channel-binding data) for each type") {
  sasl::TlsChannel tls;
  tls.tls_exporter = "EXPORTER-32-bytes-of-key-materia";
  tls.tls_unique = "finished-12b";
  tls.tls_server_end_point = "certificate-hash";
  struct Case {
    sasl::ChannelBindingType type;
    sasl::TlsVersion version;
    std::string_view client_first_head;
    std::string_view c;  // computed by hand from the header and data above
  };
  const Case cases[] = {
      {sasl::ChannelBindingType::tls_exporter, sasl::TlsVersion::tls_1_3, "p=tls-exporter,,n=user,",
       "c=cD10bHMtZXhwb3J0ZXIsLEVYUE9SVEVSLTMyLWJ5dGVzLW9mLWtleS1tYXRlcmlh"},
      {sasl::ChannelBindingType::tls_unique, sasl::TlsVersion::tls_1_2, "p=tls-unique,,n=user,",
       "c=cD10bHMtdW5pcXVlLCxmaW5pc2hlZC0xMmI="},
      {sasl::ChannelBindingType::tls_server_end_point, sasl::TlsVersion::tls_1_3,
       "p=tls-server-end-point,,n=user,",
       "c=cD10bHMtc2VydmVyLWVuZC1wb2ludCwsY2VydGlmaWNhdGUtaGFzaA=="},
  };
  for (const Case& k : cases) {
    INFO(to_string(k.type));
    tls.version = k.version;
    TestScramServer server;
    server.password = "pencil";
    server.channel_binding_data = std::string(tls.data(k.type));
    ServerRun run = run_against(
        server, selection(Mechanism::scram_sha_256_plus, Gs2Flag::p, k.type), user_pencil(), &tls);
    CHECK(name(run.error) == name(Error::ok));
    CHECK(run.client_first.starts_with(k.client_first_head));
    CHECK(run.client_final.starts_with(std::string(k.c) + ",r="));

    // A server on the other end of a different TLS channel (a man in the middle) sees other
    // binding data and refuses.
    server.channel_binding_data = "other";
    run = run_against(server, selection(Mechanism::scram_sha_256_plus, Gs2Flag::p, k.type),
                      user_pencil(), &tls);
    CHECK(run.server_final == "e=channel-bindings-dont-match");
    CHECK(name(run.error) == name(Error::scram_server_error));
  }
}

TEST_CASE("-PLUS without channel-binding data cannot start") {
  std::optional<std::string> initial;
  Authenticator no_tls(
      selection(Mechanism::scram_sha_256_plus, Gs2Flag::p, sasl::ChannelBindingType::tls_exporter),
      nullptr);
  CHECK(name(no_tls.start(user_pencil(), counting_entropy(), initial)) ==
        name(Error::channel_binding_unavailable));
  sasl::TlsChannel tls;
  tls.tls_unique = "finished-12b";
  Authenticator no_data(
      selection(Mechanism::scram_sha_256_plus, Gs2Flag::p, sasl::ChannelBindingType::tls_exporter),
      &tls);
  CHECK(name(no_data.start(user_pencil(), counting_entropy(), initial)) ==
        name(Error::channel_binding_unavailable));
  CHECK_FALSE(initial.has_value());
}

TEST_CASE("gs2 flag y: header \"y,,\" and c=eSws") {
  TestScramServer server;
  server.password = "pencil";
  ServerRun run =
      run_against(server, selection(Mechanism::scram_sha_256, Gs2Flag::y), user_pencil());
  CHECK(name(run.error) == name(Error::ok));
  CHECK(run.client_first.starts_with("y,,n=user,r="));
  CHECK(attribute(run.client_final, 'c') == "eSws");

  // Flag n: c=biws, as in the RFC examples; channel-binding data is ignored without -PLUS.
  sasl::TlsChannel tls;
  tls.tls_exporter = std::string(32, 'x');
  run = run_against(server, selection(Mechanism::scram_sha_256, Gs2Flag::n), user_pencil(), &tls);
  CHECK(name(run.error) == name(Error::ok));
  CHECK(attribute(run.client_final, 'c') == "biws");
}
