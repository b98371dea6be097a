// The server side of one SCRAM exchange (RFC 5802 §3, §5, §7), computed straight from the
// RFC's formulas and independently of the client's ScramClient, so each checks the other.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::testing {

/// The hash of a SCRAM mechanism, as the crypto interface names it.
crypto::Hash crypto_hash(sasl::ScramHash hash) noexcept;

/// What a step of ScramServer produced.
struct ScramReply {
  /// True when `message` is the next server message; false when the exchange failed and
  /// `message` is the server-error of RFC 5802 §7, e.g. "e=invalid-proof".
  bool ok = false;
  std::string message;
};

/// One exchange, in two steps:
///
///     first(client-first-message, nonce suffix)        -> server-first-message
///     (the caller checks username(), authzid(), gs2_flag() and channel_binding_name())
///     final(client-final-message, password, cb data)   -> server-final-message "v=..."
///
/// It only reads and computes: which users exist, whether the flag fits the mechanism and where
/// the channel-binding data comes from are the caller's business. Any input is safe to give.
class ScramServer {
 public:
  ScramServer(crypto::Hash hash, std::string salt, std::uint32_t iterations);

  /// Reads the client-first-message (RFC 5802 §7: gs2-header client-first-message-bare) and
  /// returns the server-first-message "r=<client nonce><suffix>,s=<salt>,i=<iterations>".
  /// `nonce_suffix` must be printable and free of ','.
  ScramReply first(std::string_view client_first, std::string_view nonce_suffix);
  /// Checks the client-final-message: c= must be base64(gs2-header + `channel_binding_data`),
  /// r= the combined nonce, p= the proof of `password` (already prepared with SASLprep).
  /// Returns "v=<server signature>" when all hold.
  ScramReply final(std::string_view client_final, std::string_view password,
                   std::string_view channel_binding_data);

  // What the client-first-message said (meaningful once first() succeeded).

  /// The gs2-cbind-flag: 'n', 'y' or 'p' (RFC 5802 §7).
  char gs2_flag() const noexcept { return gs2_flag_; }
  /// The cb-name after "p=" (empty for 'n' and 'y').
  std::string_view channel_binding_name() const noexcept { return cb_name_; }
  /// The username and authzid with "=2C" and "=3D" decoded; the authzid is empty when absent.
  std::string_view username() const noexcept { return username_; }
  std::string_view authzid() const noexcept { return authzid_; }
  /// The gs2-header as sent, e.g. "p=tls-unique,,".
  std::string_view gs2_header() const noexcept { return gs2_header_; }

 private:
  ScramReply fail(std::string_view server_error);

  crypto::Hash hash_;
  std::string salt_;
  std::uint32_t iterations_;
  bool first_done_ = false;
  char gs2_flag_ = 'n';
  std::string cb_name_, username_, authzid_, gs2_header_, client_first_bare_, server_first_;
  std::string nonce_;  // client nonce + suffix
};

}  // namespace xmpp::testing
