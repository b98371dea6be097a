// SCRAM client (RFC 5802; SCRAM-SHA-256 of RFC 7677; SCRAM-SHA-512 of
// draft-melnikov-scram-sha-512), with and without channel binding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/crypto.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::sasl {

/// Client side of one SCRAM exchange as a pure state object:
///
///     start()      -> client-first-message               (the initial response)
///     challenge()  <- server-first-message -> client-final-message
///     then either  success(server-final-message)          (v= with <success/>)
///     or           challenge(server-final-message) -> ""  (v= in a <challenge/>), success()
///
/// Authenticator checks the order of calls; this class only computes and verifies. Every
/// message is checked against the grammar of RFC 5802 §7, attribute by attribute and in order;
/// extensions after the defined attributes are ignored (RFC 5802 §5) unless malformed or using
/// a name RFC 5802 defines. Secrets (prepared password, keys) are wiped on destruction.
class ScramClient {
 public:
  /// `binding` and `binding_data` are used only with Gs2Flag::p (the data is copied).
  ScramClient(ScramHash hash, Gs2Flag flag, std::optional<ChannelBindingType> binding,
              std::string_view binding_data, const ScramPolicy& policy);
  ~ScramClient();
  ScramClient(const ScramClient&) = delete;
  ScramClient& operator=(const ScramClient&) = delete;
  ScramClient(ScramClient&&) noexcept = default;
  ScramClient& operator=(ScramClient&&) noexcept = default;

  /// Prepares the credentials and produces the client-first-message (RFC 5802 §5.1):
  /// gs2-header "n=" saslname ",r=" c-nonce, with the nonce the base64 form of
  /// ScramPolicy::nonce_entropy_bytes bytes from `entropy` (printable and without ',').
  Error start(const Credentials& credentials, const Entropy& entropy,
              std::optional<std::string>& initial_response, PrepError& prep);
  /// The server-first-message gives the client-final-message in `response`; the
  /// server-final-message (v= sent in a challenge) gives an empty response.
  Error challenge(std::string_view data, std::string& response);
  /// <success/>: its additional data must be the server-final-message, unless that already came
  /// in a challenge (then there must be no data, or data of zero length).
  Error success(std::optional<std::string_view> additional_data);

  /// The value of "e=" after Error::scram_server_error; empty otherwise. Valid until the
  /// object is destroyed.
  std::string_view server_error() const noexcept { return server_error_; }
  /// The keys of this exchange once the server signature was verified, for the application to
  /// cache instead of the password; nullopt before.
  std::optional<ScramKeyCache> keys() const;

 private:
  enum class Step : std::uint8_t { client_first, server_first, server_final, verified };

  Error on_server_first(std::string_view message, std::string& response);
  Error on_server_final(std::string_view message);
  Error derive_keys(const std::string& salt, std::uint32_t iterations, crypto::Digest& client_key,
                    crypto::Digest& server_key);

  crypto::Hash hash_;
  ScramHash scram_hash_;
  Gs2Flag flag_;
  std::optional<ChannelBindingType> binding_;
  std::string binding_data_;
  ScramPolicy policy_;
  Step step_ = Step::client_first;
  std::string gs2_header_;         // e.g. "n,," or "p=tls-exporter,a=juliet@example.com,"
  std::string client_first_bare_;  // "n=" saslname ",r=" c-nonce
  std::string client_nonce_;
  std::string password_;                // SASLprep'd; wiped once the keys are derived
  std::optional<ScramKeyCache> cache_;  // the application's keys for this hash, if any
  ScramKeyCache keys_;                  // this exchange's keys, exposed once verified
  crypto::Digest server_signature_;     // expected v= (RFC 5802 §3)
  std::string server_error_;
};

}  // namespace xmpp::sasl
