// The server side of one SASL exchange (RFC 6120 §6.4): PLAIN, SCRAM-SHA-1/256/512 and their
// -PLUS variants, EXTERNAL and ANONYMOUS, checked against the configured accounts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/scram_server.hpp"
#include "server/server_config.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::testing {

/// What the server answers to one step of the client.
struct SaslReply {
  enum class Kind : std::uint8_t { challenge, success, failure };
  Kind kind = Kind::failure;
  /// challenge: its data; success: the additional data (empty: none).
  std::string data;
  /// failure: the condition sent (RFC 6120 §6.5).
  sasl::FailureCondition condition = sasl::FailureCondition::not_authorized;
  /// failure: why, for tests (e.g. "e=invalid-proof", "unknown user").
  std::string reason;
};

/// What an exchange needs to know of the server at each step. Built by the server for the call;
/// nothing is kept.
struct SaslContext {
  const ServerConfig& config;
  /// The server's view of the TLS channel; null when the stream is not secure.
  const sasl::TlsChannel* channel = nullptr;
  /// Whether the features offered some -PLUS mechanism (RFC 5802 §6: then a client sending
  /// gs2 flag `y` had its -PLUS list stripped by an attacker).
  bool plus_offered = false;
  /// The server's entropy (SCRAM nonce suffix, anonymous usernames).
  const sasl::Entropy& entropy;
};

/// One exchange of `mechanism`. step() takes the initial response first (nullopt when <auth/>
/// had none: the server then sends an empty challenge and the next <response/> carries it, RFC
/// 6120 §6.4.2), then the data of each <response/>. After a success or failure reply the
/// exchange is over (a further step fails with malformed-request).
class SaslExchange {
 public:
  explicit SaslExchange(sasl::Mechanism mechanism) noexcept : mechanism_(mechanism) {}

  SaslReply step(std::optional<std::string_view> data, const SaslContext& context);

  sasl::Mechanism mechanism() const noexcept { return mechanism_; }
  /// The authenticated localpart; meaningful after a success reply.
  const std::string& user() const noexcept { return user_; }

 private:
  enum class Stage : std::uint8_t {
    initial,      // waiting for the initial response
    scram_final,  // server-first-message sent, waiting for the client-final-message
    scram_ack,    // server-final-message sent in a challenge, waiting for an empty response
    done,
  };

  SaslReply initial(std::string_view message, const SaslContext& context);
  SaslReply plain(std::string_view message, const SaslContext& context);
  SaslReply external(std::string_view authzid, const SaslContext& context);
  SaslReply scram_first(std::string_view message, const SaslContext& context);
  std::optional<SaslReply> scram_channel_binding(const SaslContext& context);
  SaslReply scram_final(std::string_view message, const SaslContext& context);
  static SaslReply challenge(std::string data);
  SaslReply succeed(std::string user, std::string data = {});
  SaslReply fail(sasl::FailureCondition condition, std::string reason);

  sasl::Mechanism mechanism_;
  Stage stage_ = Stage::initial;
  std::string user_;
  std::optional<ScramServer> scram_;
  std::string channel_binding_data_;  // SCRAM: what c= must carry after the gs2 header
};

/// Entropy handing out first, first + 1, ... (wrapping): reproducible runs.
sasl::Entropy counting_entropy(std::uint8_t first = 0);

/// `count` bytes from `entropy`.
std::string random_bytes(const sasl::Entropy& entropy, std::size_t count);

}  // namespace xmpp::testing
