// select_mechanism(): client preference, TLS requirements, channel binding by TLS version and
// XEP-0440 list, and the gs2 flag.
#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "xmpp/sasl.hpp"

namespace sasl = xmpp::sasl;
using sasl::Mechanism;
using sasl::SelectionError;
using sasl::TlsVersion;

namespace {

// What the TLS layer extracted.
struct Tls {
  TlsVersion version = TlsVersion::tls_1_3;
  bool exporter = false, unique = false, end_point = false;
};
constexpr Tls kTls13{TlsVersion::tls_1_3, true, false, true};  // what OpenSSL gives on 1.3
constexpr Tls kTls12{TlsVersion::tls_1_2, false, true, true};  // ... and on 1.2
constexpr std::optional<Tls> kNoTls;

using Names = std::vector<std::string_view>;
using Preference = std::vector<Mechanism>;
constexpr bool kAllowPlain = true;

std::string flag_name(sasl::Gs2Flag f) {
  switch (f) {
    case sasl::Gs2Flag::n:
      return "n";
    case sasl::Gs2Flag::y:
      return "y";
    case sasl::Gs2Flag::p:
      return "p";
  }
  return "?";
}

std::string error(SelectionError e) {
  return "error: " + std::string(to_string(e));
}

// The selection as "MECHANISM [cb-name] flag", or "error: <message>". An empty `preference`
// means kDefaultPreference; `channel_bindings` is the server's XEP-0440 list, if any.
std::string select(const Names& offered, std::optional<Tls> tls, const Preference& preference = {},
                   const std::optional<Names>& channel_bindings = std::nullopt,
                   bool allow_plain_without_tls = false) {
  sasl::TlsChannel channel;
  if (tls) {
    channel.version = tls->version;
    if (tls->exporter) channel.tls_exporter = std::string(32, 'e');
    if (tls->unique) channel.tls_unique = std::string(12, 'u');
    if (tls->end_point) channel.tls_server_end_point = std::string(32, 's');
  }
  sasl::SelectionInput in;
  in.offered = offered;
  if (!preference.empty()) in.preference = preference;
  in.tls = tls ? &channel : nullptr;
  if (channel_bindings) in.server_channel_bindings = *channel_bindings;
  in.allow_plain_without_tls = allow_plain_without_tls;

  const sasl::Selection sentinel{Mechanism::anonymous, sasl::ChannelBindingType::tls_unique,
                                 sasl::Gs2Flag::y};
  sasl::Selection out = sentinel;
  const SelectionError e = sasl::select_mechanism(in, out);
  if (e != SelectionError::ok) {
    // Unchanged on failure.
    CHECK(out.mechanism == sentinel.mechanism);
    CHECK(out.channel_binding == sentinel.channel_binding);
    CHECK(out.gs2_flag == sentinel.gs2_flag);
    return error(e);
  }
  CHECK(out.channel_binding.has_value() == sasl::is_plus(out.mechanism));
  CHECK((out.gs2_flag == sasl::Gs2Flag::p) == sasl::is_plus(out.mechanism));
  std::string s(to_string(out.mechanism));
  if (out.channel_binding) s += " " + std::string(to_string(*out.channel_binding));
  return s + " " + flag_name(out.gs2_flag);
}

const Names kAllScram = {
    "SCRAM-SHA-1",   "SCRAM-SHA-1-PLUS",   "SCRAM-SHA-256", "SCRAM-SHA-256-PLUS",
    "SCRAM-SHA-512", "SCRAM-SHA-512-PLUS", "PLAIN"};
const Names kSha256AndPlus = {"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"};

}  // namespace

TEST_CASE("the client's preference wins, never the server's order") {
  // The server lists the weakest first.
  CHECK(select({"PLAIN", "SCRAM-SHA-1", "SCRAM-SHA-256"}, kTls13) == "SCRAM-SHA-256 y");
  // The client prefers SHA-1.
  CHECK(select({"SCRAM-SHA-256", "SCRAM-SHA-1"}, kTls13,
               {Mechanism::scram_sha_1, Mechanism::scram_sha_256}) == "SCRAM-SHA-1 n");
  CHECK(select(kAllScram, kTls12) == "SCRAM-SHA-512-PLUS tls-unique p");
  CHECK(select(kAllScram, kTls13, {}, Names{"tls-exporter"}) ==
        "SCRAM-SHA-512-PLUS tls-exporter p");
  CHECK(select(kAllScram, kTls13, {Mechanism::plain}) == "PLAIN n");
  // Unknown names are skipped; names are case-sensitive.
  CHECK(select({"X-OAUTH2", "DIGEST-MD5", "SCRAM-SHA-1"}, kNoTls) == "SCRAM-SHA-1 n");
  CHECK(select({"scram-sha-256"}, kTls13) == error(SelectionError::no_common_mechanism));
  // Prosody 0.12 after STARTTLS; ejabberd 23.01 on TLS 1.2.
  CHECK(select({"SCRAM-SHA-1", "PLAIN"}, kTls13) == "SCRAM-SHA-1 y");
  CHECK(select({"SCRAM-SHA-1", "SCRAM-SHA-1-PLUS", "PLAIN", "X-OAUTH2"}, kTls12) ==
        "SCRAM-SHA-1-PLUS tls-unique p");
}

TEST_CASE("PLAIN and EXTERNAL without TLS") {
  CHECK(select({"PLAIN"}, kNoTls) == error(SelectionError::plain_needs_tls));
  CHECK(select({"PLAIN"}, kNoTls, {}, std::nullopt, kAllowPlain) == "PLAIN n");
  CHECK(select({"PLAIN"}, kTls12) == "PLAIN n");
  CHECK(select({"PLAIN", "SCRAM-SHA-1"}, kNoTls, {Mechanism::plain, Mechanism::scram_sha_1}) ==
        "SCRAM-SHA-1 n");
  CHECK(select({"EXTERNAL"}, kNoTls, {Mechanism::external}, std::nullopt, kAllowPlain) ==
        error(SelectionError::external_needs_tls));
  CHECK(select({"EXTERNAL", "PLAIN"}, kTls13, {Mechanism::external, Mechanism::plain}) ==
        "EXTERNAL n");
  CHECK(select({"ANONYMOUS"}, kNoTls, {Mechanism::anonymous}) == "ANONYMOUS n");
  // EXTERNAL and ANONYMOUS only when asked for.
  CHECK(select({"EXTERNAL", "ANONYMOUS"}, kTls13) == error(SelectionError::no_common_mechanism));
}

TEST_CASE("-PLUS only with channel-binding data that fits the TLS version") {
  // TLS 1.3 without a XEP-0440 list: no -PLUS, since ejabberd 23.01 advertises it there but
  // refuses tls-exporter; the server offers -PLUS, so the flag is n, not y.
  CHECK(select(kSha256AndPlus, kTls13) == "SCRAM-SHA-256 n");
  CHECK(select(kSha256AndPlus, kTls13, {}, Names{"tls-exporter"}) ==
        "SCRAM-SHA-256-PLUS tls-exporter p");
  CHECK(select(kSha256AndPlus, kTls12) == "SCRAM-SHA-256-PLUS tls-unique p");
  CHECK(select(kSha256AndPlus, kNoTls) == "SCRAM-SHA-256 n");
  // TLS 1.3, nothing extracted.
  CHECK(select(kSha256AndPlus, Tls{TlsVersion::tls_1_3}) == "SCRAM-SHA-256 n");
  // tls-unique is not used on TLS 1.3, even when listed; tls-exporter not on TLS 1.2.
  const Tls unique_on_13{TlsVersion::tls_1_3, false, true, false};
  CHECK(select(kSha256AndPlus, unique_on_13) == "SCRAM-SHA-256 n");
  CHECK(select(kSha256AndPlus, unique_on_13, {}, Names{"tls-unique"}) == "SCRAM-SHA-256 n");
  const Tls exporter_on_12{TlsVersion::tls_1_2, true, false, false};
  CHECK(select(kSha256AndPlus, exporter_on_12, {}, Names{"tls-exporter"}) == "SCRAM-SHA-256 n");
  // tls-server-end-point alone is used only when the server lists it.
  CHECK(select(kSha256AndPlus, Tls{TlsVersion::tls_1_3, false, false, true}) == "SCRAM-SHA-256 n");
  // Other TLS versions: only tls-server-end-point, when listed.
  CHECK(select(kSha256AndPlus, Tls{TlsVersion::other, true, true, true}, {},
               Names{"tls-unique", "tls-exporter", "tls-server-end-point"}) ==
        "SCRAM-SHA-256-PLUS tls-server-end-point p");
  CHECK(select({"SCRAM-SHA-256-PLUS"}, kNoTls) == error(SelectionError::no_usable_channel_binding));
  // The refusal of the most preferred offered mechanism is reported.
  CHECK(select({"SCRAM-SHA-256-PLUS", "PLAIN"}, kNoTls) ==
        error(SelectionError::no_usable_channel_binding));
}

TEST_CASE("the XEP-0440 list is honoured") {
  CHECK(select(kSha256AndPlus, kTls13, {}, Names{"tls-server-end-point"}) ==
        "SCRAM-SHA-256-PLUS tls-server-end-point p");
  // Our preference among the listed types.
  CHECK(select(kSha256AndPlus, kTls13, {}, Names{"tls-server-end-point", "tls-exporter"}) ==
        "SCRAM-SHA-256-PLUS tls-exporter p");
  CHECK(select(kSha256AndPlus, kTls12, {}, Names{"tls-server-end-point", "tls-unique"}) ==
        "SCRAM-SHA-256-PLUS tls-unique p");
  // Listed types we cannot produce; an empty list.
  CHECK(select(kSha256AndPlus, kTls13, {}, Names{"tls-unique", "x-custom"}) == "SCRAM-SHA-256 n");
  CHECK(select(kSha256AndPlus, kTls13, {}, Names{}) == "SCRAM-SHA-256 n");
  // A list but no -PLUS offered: still y.
  CHECK(select({"SCRAM-SHA-256"}, kTls13, {}, Names{"tls-exporter"}) == "SCRAM-SHA-256 y");
}

TEST_CASE("gs2 flag y detects a stripped -PLUS list") {
  // The client could bind and the server offers no -PLUS: y, on TLS 1.3 and 1.2, and when
  // tls-server-end-point is all the client has.
  CHECK(select({"SCRAM-SHA-512", "SCRAM-SHA-256"}, kTls13) == "SCRAM-SHA-512 y");
  CHECK(select({"SCRAM-SHA-1"}, kTls12) == "SCRAM-SHA-1 y");
  CHECK(select({"SCRAM-SHA-1"}, Tls{TlsVersion::tls_1_3, false, false, true}) == "SCRAM-SHA-1 y");
  // No TLS, nothing extracted, or no -PLUS allowed by the client: n.
  CHECK(select({"SCRAM-SHA-1"}, kNoTls) == "SCRAM-SHA-1 n");
  CHECK(select({"SCRAM-SHA-1"}, Tls{TlsVersion::tls_1_3}) == "SCRAM-SHA-1 n");
  CHECK(select({"SCRAM-SHA-1"}, kTls13, {Mechanism::scram_sha_256, Mechanism::scram_sha_1}) ==
        "SCRAM-SHA-1 n");
  // The server offers some -PLUS (one we do not implement, or of another hash): n.
  CHECK(select({"SCRAM-SHA3-512-PLUS", "SCRAM-SHA-1"}, kTls13) == "SCRAM-SHA-1 n");
  CHECK(select({"SCRAM-SHA-1-PLUS", "SCRAM-SHA-256"}, kTls13,
               {Mechanism::scram_sha_256_plus, Mechanism::scram_sha_256}) == "SCRAM-SHA-256 n");
}

TEST_CASE("nothing offered, nothing in common") {
  CHECK(select({}, kTls13) == error(SelectionError::nothing_offered));
  CHECK(select({"DIGEST-MD5", "X-OAUTH2"}, kTls13) == error(SelectionError::no_common_mechanism));
  CHECK(select({"SCRAM-SHA-1", "SCRAM-SHA-1"}, kNoTls) == "SCRAM-SHA-1 n");
  for (int i = 0; i <= static_cast<int>(SelectionError::no_usable_channel_binding); ++i) {
    CHECK_FALSE(to_string(static_cast<SelectionError>(i)).empty());
  }
}

TEST_CASE("TlsChannel::usable ties each type to its TLS version") {
  sasl::TlsChannel tls;
  tls.tls_exporter = "e";
  tls.tls_unique = "u";
  tls.tls_server_end_point = "s";
  using T = sasl::ChannelBindingType;
  tls.version = TlsVersion::tls_1_3;
  CHECK(tls.usable(T::tls_exporter));
  CHECK_FALSE(tls.usable(T::tls_unique));
  CHECK(tls.usable(T::tls_server_end_point));
  tls.version = TlsVersion::tls_1_2;
  CHECK_FALSE(tls.usable(T::tls_exporter));
  CHECK(tls.usable(T::tls_unique));
  CHECK(tls.usable(T::tls_server_end_point));
  tls.tls_server_end_point.clear();
  CHECK_FALSE(tls.usable(T::tls_server_end_point));
  CHECK(tls.data(T::tls_unique) == "u");
}
