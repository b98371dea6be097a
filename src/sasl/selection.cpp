// Mechanism selection: a pure function of what the server offered and the client's policy.
#include <algorithm>

#include "xmpp/sasl.hpp"

namespace xmpp::sasl {
namespace {

constexpr std::array<ChannelBindingType, 3> kBindingPreference = {
    ChannelBindingType::tls_exporter,
    ChannelBindingType::tls_unique,
    ChannelBindingType::tls_server_end_point,
};

bool contains(std::span<const std::string_view> names, std::string_view name) noexcept {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// The channel-binding type a -PLUS mechanism would use, or nullopt when none fits.
std::optional<ChannelBindingType> binding_for(const SelectionInput& in) noexcept {
  if (in.tls == nullptr) return std::nullopt;
  for (ChannelBindingType type : kBindingPreference) {
    if (!in.tls->usable(type)) continue;
    if (in.server_channel_bindings) {
      // XEP-0440: the client uses a type the server listed.
      if (contains(*in.server_channel_bindings, to_string(type))) return type;
      continue;
    }
    // Without a list, only tls-unique on TLS 1.2, the default of RFC 5802 §6. Not tls-exporter
    // on TLS 1.3, although RFC 9266 makes it the default there: deployed servers advertise
    // -PLUS on TLS 1.3 without supporting it (ejabberd 23.01 accepts only tls-unique, see
    // tests/fixtures/transcripts), and a refused -PLUS login is a permanent failure. A server
    // that supports tls-exporter says so with XEP-0440.
    if (type == ChannelBindingType::tls_unique) return type;
  }
  return std::nullopt;
}

// RFC 5802 §6: "y" when the client supports channel binding but the server does not appear to
// (it offered no -PLUS mechanism, whatever its hash); "n" otherwise.
Gs2Flag flag_without_binding(const SelectionInput& in) noexcept {
  const bool client_can_bind =
      in.tls != nullptr &&
      std::any_of(kBindingPreference.begin(), kBindingPreference.end(),
                  [&](ChannelBindingType t) { return in.tls->usable(t); }) &&
      std::any_of(in.preference.begin(), in.preference.end(), is_plus);
  const bool server_offers_plus =
      std::any_of(in.offered.begin(), in.offered.end(),
                  [](std::string_view name) { return name.ends_with("-PLUS"); });
  return client_can_bind && !server_offers_plus ? Gs2Flag::y : Gs2Flag::n;
}

}  // namespace

SelectionError select_mechanism(const SelectionInput& in, Selection& out) noexcept {
  if (in.offered.empty()) return SelectionError::nothing_offered;
  const bool tls = in.tls != nullptr;
  // The reason the most preferred offered mechanism was passed over.
  SelectionError first_refusal = SelectionError::no_common_mechanism;
  auto refuse = [&](SelectionError reason) {
    if (first_refusal == SelectionError::no_common_mechanism) first_refusal = reason;
  };
  for (Mechanism m : in.preference) {
    if (!contains(in.offered, to_string(m))) continue;
    Selection s{m, std::nullopt, Gs2Flag::n};
    if (is_plus(m)) {
      s.channel_binding = binding_for(in);
      if (!s.channel_binding) {
        refuse(SelectionError::no_usable_channel_binding);
        continue;
      }
      s.gs2_flag = Gs2Flag::p;
    } else if (scram_hash(m)) {
      s.gs2_flag = flag_without_binding(in);
    } else if (m == Mechanism::plain && !tls && !in.allow_plain_without_tls) {
      // PLAIN exposes the password to anyone on the path without TLS (RFC 4616, security
      // considerations).
      refuse(SelectionError::plain_needs_tls);
      continue;
    } else if (m == Mechanism::external && !tls) {
      refuse(SelectionError::external_needs_tls);
      continue;
    }
    out = s;
    return SelectionError::ok;
  }
  return first_refusal;
}

}  // namespace xmpp::sasl
