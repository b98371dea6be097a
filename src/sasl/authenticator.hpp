// The one client interface the engine drives, whatever the mechanism.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "sasl/scram.hpp"
#include "sasl/simple_mechanisms.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::sasl {

/// One client-side SASL exchange (RFC 6120 §6.4) as a pure state object. No I/O: the engine
/// moves the bytes between this object and the XML elements. The engine's loop:
///
///     Selection sel;                                   // from select_mechanism()
///     Authenticator auth(sel, tls_channel, policy);
///     std::optional<std::string> initial;
///     auth.start(credentials, entropy, initial)        // then send
///       <auth mechanism=to_string(auth.mechanism())>encode_initial_response(initial)</auth>
///     on <challenge>text</challenge>:
///       decode_sasl_data(text, data)                   // Base64Error: <abort/>, fail
///       auth.challenge(data.value_or(""), response)    // then send
///       <response>encode_response(response)</response>
///     on <success>text</success>:
///       decode_sasl_data(text, data); auth.success(data) // ok: restart the stream
///     on <failure/>: parse_failure(); the exchange is over (see is_permanent()).
///
/// Any error other than a caller error (origin(error) == ErrorOrigin::caller, which changes
/// nothing) ends the exchange: state() becomes failed and every later call returns
/// invalid_state. After a challenge error the engine sends <abort/> (RFC 6120 §6.4.4); after a
/// success error the server was not authenticated (e.g. a wrong or missing SCRAM v=), so the
/// engine closes the stream. Never fall back to another mechanism automatically.
///
/// Movable, not copyable (it may hold secrets, which it wipes on destruction).
class Authenticator {
 public:
  enum class State : std::uint8_t {
    idle,       ///< constructed; call start()
    running,    ///< started; feed challenge() / success()
    succeeded,  ///< success() returned ok: authenticated, and for SCRAM the server was too
    failed,     ///< an error ended the exchange
  };

  /// Prepares an exchange for `selection`. For a -PLUS selection the channel-binding data of
  /// `tls` is copied (start() fails with channel_binding_unavailable when there is none); `tls`
  /// is not kept and may be null otherwise.
  Authenticator(const Selection& selection, const TlsChannel* tls, const ScramPolicy& policy = {});

  Mechanism mechanism() const noexcept { return mechanism_; }
  State state() const noexcept { return state_; }

  /// Prepares `credentials` (copied as needed; nothing is kept referring to them) and produces
  /// the initial response: nullopt would mean "none" (every mechanism here has one), "" a
  /// zero-length one (sent as "="). `entropy` is used by SCRAM only (for the client nonce) and
  /// only during the call. On an error `initial_response` is left unchanged.
  Error start(const Credentials& credentials, const Entropy& entropy,
              std::optional<std::string>& initial_response);
  /// A <challenge/> with its decoded data (empty when it had none). On ok, `response` holds the
  /// bytes of the <response/> to send; on an error it is left unchanged.
  Error challenge(std::string_view data, std::string& response);
  /// A <success/> with its decoded additional data (nullopt when it had none, "" for "=").
  /// ok means authenticated, and for SCRAM that the server proved knowledge of the credentials.
  Error success(std::optional<std::string_view> additional_data);

  /// Why SASLprep refused a credential, after invalid_username or invalid_password.
  PrepError prep_error() const noexcept { return prep_error_; }
  /// The SCRAM "e=" value after Error::scram_server_error; empty otherwise. Valid until the
  /// Authenticator is destroyed.
  std::string_view server_error() const noexcept;
  /// After a successful SCRAM exchange, its keys with salt and iteration count, for the
  /// application to cache instead of the password (Credentials::scram_keys); nullopt otherwise.
  std::optional<ScramKeyCache> scram_keys() const;

 private:
  Error finish(Error error) noexcept;

  Mechanism mechanism_;
  State state_ = State::idle;
  PrepError prep_error_ = PrepError::ok;
  std::variant<ScramClient, SingleMessageClient> impl_;
};

}  // namespace xmpp::sasl
