// Names, messages and small helpers of the public SASL types (include/xmpp/sasl.hpp).
#include <algorithm>

#include "core/name_table.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::sasl {
namespace {

// Indexed by Mechanism; the names registered with IANA (RFC 5802 §4, RFC 7677, RFC 4616,
// RFC 4422 Appendix A, RFC 4505).
constexpr std::array<std::string_view, 9> kMechanismNames = {
    "SCRAM-SHA-512-PLUS",
    "SCRAM-SHA-256-PLUS",
    "SCRAM-SHA-1-PLUS",
    "SCRAM-SHA-512",
    "SCRAM-SHA-256",
    "SCRAM-SHA-1",
    "PLAIN",
    "EXTERNAL",
    "ANONYMOUS",
};
static_assert(kMechanismNames.size() == static_cast<std::size_t>(Mechanism::anonymous) + 1);

// Indexed by ChannelBindingType (RFC 9266 §2, RFC 5929 §3, §4).
constexpr std::array<std::string_view, 3> kChannelBindingNames = {
    "tls-exporter",
    "tls-unique",
    "tls-server-end-point",
};
static_assert(kChannelBindingNames.size() ==
              static_cast<std::size_t>(ChannelBindingType::tls_server_end_point) + 1);

// Indexed by FailureCondition: RFC 6120 §6.5.1–§6.5.11, then our "unknown".
constexpr std::array<std::string_view, 12> kFailureNames = {
    "aborted",
    "account-disabled",
    "credentials-expired",
    "encryption-required",
    "incorrect-encoding",
    "invalid-authzid",
    "invalid-mechanism",
    "malformed-request",
    "mechanism-too-weak",
    "not-authorized",
    "temporary-auth-failure",
    "unknown",
};
static_assert(kFailureNames.size() == static_cast<std::size_t>(FailureCondition::unknown) + 1);

// Indexed by SelectionError.
constexpr std::array<std::string_view, 6> kSelectionMessages = {
    "ok",
    "the server offered no SASL mechanism",
    "the server offers none of the allowed SASL mechanisms",
    "PLAIN is the only common mechanism and the stream is not TLS-protected",
    "EXTERNAL is the only common mechanism and the stream is not TLS-protected",
    "only -PLUS mechanisms are common and no channel-binding type fits this connection",
};
static_assert(kSelectionMessages.size() ==
              static_cast<std::size_t>(SelectionError::no_usable_channel_binding) + 1);

// Indexed by PrepError.
constexpr std::array<std::string_view, 7> kPrepMessages = {
    "ok",
    "empty",
    "not well-formed UTF-8",
    "contains a character SASLprep prohibits (RFC 4013 §2.3)",
    "fails the SASLprep bidirectional check (RFC 4013 §2.4)",
    "contains a code point unassigned in Unicode 3.2",
    "SASLprep failed",
};
static_assert(kPrepMessages.size() == static_cast<std::size_t>(PrepError::failed) + 1);

struct ErrorInfo {
  std::string_view message;
  ErrorOrigin origin;
};

// Indexed by Error.
constexpr std::array<ErrorInfo, 26> kErrors = {{
    {"ok", ErrorOrigin::none},
    {"call not allowed in the current SASL state", ErrorOrigin::caller},
    {"SCRAM policy value out of range", ErrorOrigin::caller},
    {"no entropy source for the SCRAM nonce", ErrorOrigin::caller},
    {"no password (nor fitting SCRAM keys) for this mechanism", ErrorOrigin::credentials},
    {"username refused by SASLprep", ErrorOrigin::credentials},
    {"password refused by SASLprep", ErrorOrigin::credentials},
    {"authorization identity is not UTF-8 or contains NUL", ErrorOrigin::credentials},
    {"ANONYMOUS trace is not UTF-8, contains NUL or exceeds 255 characters",
     ErrorOrigin::credentials},
    {"SCRAM key cache lacks salt, iteration count or keys of the right size",
     ErrorOrigin::credentials},
    {"channel binding selected but no channel-binding data", ErrorOrigin::credentials},
    {"server sent a challenge the mechanism does not expect", ErrorOrigin::server},
    {"server sent additional data with success that the mechanism does not expect",
     ErrorOrigin::server},
    {"server reported success before the mechanism completed", ErrorOrigin::server},
    {"SCRAM message lacks a required attribute", ErrorOrigin::server},
    {"SCRAM attribute is malformed", ErrorOrigin::server},
    {"SCRAM server requires an unsupported mandatory extension (m=)", ErrorOrigin::server},
    {"SCRAM server nonce does not extend the client nonce", ErrorOrigin::server},
    {"SCRAM salt is not valid base64 or is empty", ErrorOrigin::server},
    {"SCRAM iteration count below the policy minimum", ErrorOrigin::server},
    {"SCRAM iteration count above the policy maximum", ErrorOrigin::server},
    {"SCRAM salt or iteration count differ from the cached keys and no password is available",
     ErrorOrigin::credentials},
    {"SCRAM server reported an error (e=)", ErrorOrigin::server},
    {"SCRAM server signature is wrong: the server does not know the credentials",
     ErrorOrigin::server},
    {"SCRAM success without the server signature", ErrorOrigin::server},
    {"cryptographic library failure", ErrorOrigin::local},
}};
static_assert(kErrors.size() == static_cast<std::size_t>(Error::crypto_failure) + 1);

}  // namespace

std::string_view to_string(Mechanism mechanism) noexcept {
  return core::name_of(kMechanismNames, mechanism, "");
}

std::optional<Mechanism> mechanism_from_string(std::string_view name) noexcept {
  return core::value_of<Mechanism>(kMechanismNames, name);
}

std::optional<ScramHash> scram_hash(Mechanism mechanism) noexcept {
  switch (mechanism) {
    case Mechanism::scram_sha_512_plus:
    case Mechanism::scram_sha_512:
      return ScramHash::sha512;
    case Mechanism::scram_sha_256_plus:
    case Mechanism::scram_sha_256:
      return ScramHash::sha256;
    case Mechanism::scram_sha_1_plus:
    case Mechanism::scram_sha_1:
      return ScramHash::sha1;
    case Mechanism::plain:
    case Mechanism::external:
    case Mechanism::anonymous:
      break;
  }
  return std::nullopt;
}

bool is_plus(Mechanism mechanism) noexcept {
  return mechanism == Mechanism::scram_sha_512_plus || mechanism == Mechanism::scram_sha_256_plus ||
         mechanism == Mechanism::scram_sha_1_plus;
}

std::string_view to_string(ChannelBindingType type) noexcept {
  return core::name_of(kChannelBindingNames, type, "");
}

std::optional<ChannelBindingType> channel_binding_type_from_string(std::string_view name) noexcept {
  return core::value_of<ChannelBindingType>(kChannelBindingNames, name);
}

std::string_view TlsChannel::data(ChannelBindingType type) const noexcept {
  switch (type) {
    case ChannelBindingType::tls_exporter:
      return tls_exporter;
    case ChannelBindingType::tls_unique:
      return tls_unique;
    case ChannelBindingType::tls_server_end_point:
      return tls_server_end_point;
  }
  return {};
}

bool TlsChannel::usable(ChannelBindingType type) const noexcept {
  if (data(type).empty()) return false;
  switch (type) {
    case ChannelBindingType::tls_exporter:
      return version == TlsVersion::tls_1_3;
    case ChannelBindingType::tls_unique:
      return version == TlsVersion::tls_1_2;
    case ChannelBindingType::tls_server_end_point:
      return true;
  }
  return false;
}

std::string_view to_string(SelectionError error) noexcept {
  return core::name_of(kSelectionMessages, error, "unknown selection error");
}

std::string_view to_string(PrepError error) noexcept {
  return core::name_of(kPrepMessages, error, "unknown SASLprep error");
}

std::string_view to_string(Error error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kErrors.size() ? kErrors[i].message : std::string_view("unknown SASL error");
}

ErrorOrigin origin(Error error) noexcept {
  const auto i = static_cast<std::size_t>(error);
  return i < kErrors.size() ? kErrors[i].origin : ErrorOrigin::local;
}

std::string_view to_string(FailureCondition condition) noexcept {
  return core::name_of(kFailureNames, condition, "unknown");
}

FailureCondition failure_condition_from_string(std::string_view name) noexcept {
  const auto condition = core::value_of<FailureCondition>(kFailureNames, name);
  // "unknown" is our name, not RFC 6120's: it parses as unknown like any other foreign name.
  return condition.value_or(FailureCondition::unknown);
}

ScramKey ScramKey::from(std::span<const std::uint8_t> data) noexcept {
  ScramKey key;
  key.size = static_cast<std::uint8_t>(std::min(data.size(), key.bytes.size()));
  std::copy_n(data.begin(), key.size, key.bytes.begin());
  return key;
}

}  // namespace xmpp::sasl
