#include "server/sasl_exchange.hpp"

#include <algorithm>
#include <span>
#include <utility>

#include "core/hex.hpp"
#include "sasl/base64.hpp"
#include "xmpp/jid.hpp"

namespace xmpp::testing {
namespace {

using sasl::FailureCondition;
using sasl::Mechanism;

// RFC 6120 §6.3.8: an authzid, when given, names the entity to act as; this server lets an
// account act only as itself (its bare JID).
bool authzid_allowed(std::string_view authzid, std::string_view user, const ServerConfig& config) {
  if (authzid.empty()) return true;
  const auto requested = Jid::parse(authzid);
  const auto own = Jid::parse(std::string(user) + "@" + config.domain);
  return requested && own && requested->is_bare() && *requested == *own;
}

// The password of `user` as RFC 4013 prepares it; nullopt for an unknown user or a password
// SASLprep refuses.
std::optional<std::string> prepared_password(std::string_view user, sasl::PrepKind kind,
                                             const ServerConfig& config) {
  const auto account = config.users.find(user);
  if (account == config.users.end()) return std::nullopt;
  std::string prepared;
  if (sasl::saslprep(account->second, kind, prepared) != sasl::PrepError::ok) return std::nullopt;
  return prepared;
}

}  // namespace

sasl::Entropy counting_entropy(std::uint8_t first) {
  return [next = first](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = next++;
  };
}

std::string random_bytes(const sasl::Entropy& entropy, std::size_t count) {
  std::string bytes(count, '\0');
  entropy(std::span<std::uint8_t>(reinterpret_cast<std::uint8_t*>(bytes.data()), count));
  return bytes;
}

SaslReply SaslExchange::challenge(std::string data) {
  SaslReply reply;
  reply.kind = SaslReply::Kind::challenge;
  reply.data = std::move(data);
  return reply;
}

SaslReply SaslExchange::succeed(std::string user, std::string data) {
  stage_ = Stage::done;
  user_ = std::move(user);
  SaslReply reply;
  reply.kind = SaslReply::Kind::success;
  reply.data = std::move(data);
  return reply;
}

SaslReply SaslExchange::fail(FailureCondition condition, std::string reason) {
  stage_ = Stage::done;
  SaslReply reply;
  reply.kind = SaslReply::Kind::failure;
  reply.condition = condition;
  reply.reason = std::move(reason);
  return reply;
}

SaslReply SaslExchange::step(std::optional<std::string_view> data, const SaslContext& context) {
  switch (stage_) {
    case Stage::initial:
      // RFC 6120 §6.4.2: without an initial response the server sends an empty challenge.
      if (!data) return challenge({});
      return initial(*data, context);
    case Stage::scram_final:
      return scram_final(data.value_or(std::string_view{}), context);
    case Stage::scram_ack:
      // RFC 6120 §6.3.10: after v= in a challenge, the client answers with an empty response.
      if (data && !data->empty()) {
        return fail(FailureCondition::malformed_request, "data in the response to v=");
      }
      return succeed(user_);
    case Stage::done:
      break;
  }
  return fail(FailureCondition::malformed_request, "a step after the exchange ended");
}

SaslReply SaslExchange::initial(std::string_view message, const SaslContext& context) {
  switch (mechanism_) {
    case Mechanism::plain:
      return plain(message, context);
    case Mechanism::external:
      return external(message, context);
    case Mechanism::anonymous:
      // RFC 4505 §3: the trace is informational only; any client may log in.
      return succeed("anon-" + hex_lower(crypto::bytes_of(random_bytes(context.entropy, 6))));
    default:
      return scram_first(message, context);
  }
}

SaslReply SaslExchange::plain(std::string_view message, const SaslContext& context) {
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd.
  const std::size_t first_nul = message.find('\0');
  const std::size_t second_nul =
      first_nul == std::string_view::npos ? first_nul : message.find('\0', first_nul + 1);
  if (second_nul == std::string_view::npos ||
      message.find('\0', second_nul + 1) != std::string_view::npos) {
    return fail(FailureCondition::malformed_request, "PLAIN message without two NULs");
  }
  const std::string_view authzid = message.substr(0, first_nul);
  const std::string_view authcid = message.substr(first_nul + 1, second_nul - first_nul - 1);
  const std::string_view password = message.substr(second_nul + 1);
  // RFC 4616 §5: the server prepares authcid and password with SASLprep as query strings.
  std::string user, given;
  if (sasl::saslprep(authcid, sasl::PrepKind::query, user) != sasl::PrepError::ok ||
      sasl::saslprep(password, sasl::PrepKind::query, given) != sasl::PrepError::ok ||
      user.empty() || given.empty()) {
    return fail(FailureCondition::malformed_request, "PLAIN credentials SASLprep refuses");
  }
  const auto expected = prepared_password(user, sasl::PrepKind::query, context.config);
  if (!expected ||
      !crypto::equal_constant_time(crypto::bytes_of(*expected), crypto::bytes_of(given))) {
    return fail(FailureCondition::not_authorized, "unknown user or wrong password");
  }
  if (!authzid_allowed(authzid, user, context.config)) {
    return fail(FailureCondition::invalid_authzid, "authzid other than the account");
  }
  return succeed(std::move(user));
}

SaslReply SaslExchange::external(std::string_view authzid, const SaslContext& context) {
  // RFC 4422 Appendix A: the message is the authzid; the identity comes from outside SASL.
  if (!context.config.accept_external || context.channel == nullptr) {
    return fail(FailureCondition::not_authorized, "EXTERNAL not accepted");
  }
  if (!authzid_allowed(authzid, context.config.external_user, context.config)) {
    return fail(FailureCondition::invalid_authzid, "authzid other than the account");
  }
  return succeed(context.config.external_user);
}

SaslReply SaslExchange::scram_first(std::string_view message, const SaslContext& context) {
  const auto hash = sasl::scram_hash(mechanism_);
  if (!hash) return fail(FailureCondition::invalid_mechanism, "not a SCRAM mechanism");
  scram_.emplace(crypto_hash(*hash), context.config.scram_salt, context.config.scram_iterations);
  // RFC 5802 §5.1: the server's part of the nonce, printable and without ',' (base64 is).
  const std::string suffix =
      sasl::base64_encode(random_bytes(context.entropy, context.config.scram_nonce_bytes));
  ScramReply first = scram_->first(message, suffix);
  if (!first.ok) return fail(FailureCondition::malformed_request, std::move(first.message));
  if (auto refused = scram_channel_binding(context)) return std::move(*refused);
  const std::string user(scram_->username());
  if (!prepared_password(user, sasl::PrepKind::stored, context.config)) {
    return fail(FailureCondition::not_authorized, "e=unknown-user");
  }
  if (!authzid_allowed(scram_->authzid(), user, context.config)) {
    return fail(FailureCondition::invalid_authzid, "authzid other than the account");
  }
  user_ = user;
  stage_ = Stage::scram_final;
  return challenge(std::move(first.message));
}

// The gs2 flag must fit the mechanism and the offer (RFC 5802 §6, §7); with "p" the type must be
// one the server supports on this channel, whose data c= must then carry. Returns the failure,
// or nullopt when the exchange may go on.
std::optional<SaslReply> SaslExchange::scram_channel_binding(const SaslContext& context) {
  const char flag = scram_->gs2_flag();
  if (sasl::is_plus(mechanism_) != (flag == 'p')) {
    return fail(FailureCondition::malformed_request,
                flag == 'p' ? "gs2 flag p with a mechanism without -PLUS"
                            : "a -PLUS mechanism without channel binding");
  }
  if (flag == 'y' && context.plus_offered) {
    // RFC 5802 §6: "y" while -PLUS was offered means a downgrade; the server MUST fail.
    return fail(FailureCondition::not_authorized, "e=server-does-support-channel-binding");
  }
  if (flag != 'p') return std::nullopt;
  const auto type = sasl::channel_binding_type_from_string(scram_->channel_binding_name());
  const auto& listed = context.config.channel_binding_types;
  if (!type || (listed && std::find(listed->begin(), listed->end(), *type) == listed->end())) {
    return fail(FailureCondition::not_authorized, "e=unsupported-channel-binding-type");
  }
  const std::string_view data = context.channel ? context.channel->data(*type) : std::string_view{};
  if (data.empty()) {
    return fail(FailureCondition::not_authorized, "e=channel-binding-not-supported");
  }
  channel_binding_data_ = data;
  return std::nullopt;
}

SaslReply SaslExchange::scram_final(std::string_view message, const SaslContext& context) {
  const auto password = prepared_password(user_, sasl::PrepKind::stored, context.config);
  if (!password) return fail(FailureCondition::not_authorized, "e=unknown-user");
  ScramReply final = scram_->final(message, *password, channel_binding_data_);
  if (!final.ok) return fail(FailureCondition::not_authorized, std::move(final.message));
  if (context.config.scram_final_in_challenge) {
    stage_ = Stage::scram_ack;
    return challenge(std::move(final.message));
  }
  return succeed(user_, std::move(final.message));
}

}  // namespace xmpp::testing
