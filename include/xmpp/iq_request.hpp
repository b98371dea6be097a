// IQ requests tracked by xmpp::Session::send_iq(): how each one ends and what its callback gets.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/engine.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp {

class Session;

/// How a request sent with Session::send_iq() ended. Exactly one per request.
enum class IqOutcome : std::uint8_t {
  /// A `type='result'` response came from the addressee (IqResponse::stanza).
  result,
  /// A `type='error'` response came from the addressee (IqResponse::stanza holds the stanza
  /// error, RFC 6120 §8.3).
  error,
  /// No response within the request's timeout. A response arriving later is an ordinary stanza
  /// (SessionHooks::on_stanza).
  timeout,
  /// The stream the request went out on ended and was not resumed (a fresh session replaced it,
  /// or it was not resumable): no response can arrive any more. The request may or may not have
  /// reached its addressee; send it again if it is safe to repeat.
  session_replaced,
  /// The Session stopped (close(), or a failure the reconnect policy does not retry).
  stopped,
};

std::string_view to_string(IqOutcome outcome) noexcept;

/// What an IQ callback is told. The views are valid during the callback only (xml::clone the
/// stanza to keep it).
struct IqResponse {
  IqOutcome outcome = IqOutcome::result;
  /// The request's id (the one send_iq() returned).
  std::string_view id;
  /// The response for `result` and `error`; empty otherwise.
  xml::Element stanza;
};

/// Called once per request, from the Session's dispatch (never from inside the engine): it may
/// call send(), send_iq() and close() on the Session it is given.
using IqCallback = std::function<void(Session&, const IqResponse&)>;

/// Per-request choices for send_iq().
struct IqOptions {
  /// How long to wait for the response; nothing: SessionConfig::iq_timeout. Positive.
  std::optional<Duration> timeout;
  /// The correlation value given to Client::send(): it comes back in event::Acked or
  /// event::Unconfirmed for the request stanza.
  std::uint64_t tag = 0;
};

/// The result of send_iq(). Every value other than ok means nothing was sent, nothing is tracked
/// and the callback will never be called.
enum class IqSendStatus : std::uint8_t {
  ok,
  /// Not a request RFC 6120 §8.2.3 allows: not `<iq/>` in jabber:client, `type` neither get nor
  /// set, not exactly one payload child, a `to` that is not a JID; or no callback, or a timeout
  /// that is not positive. Fix the caller.
  invalid_request,
  /// A request with the element's id is still pending: use another id (or none: one is made).
  duplicate_id,
  /// SessionConfig::max_pending_iqs requests are pending: wait for one to end.
  too_many_pending,
  /// As SendStatus::not_online: wait for SessionHooks::on_connect.
  not_online,
  /// As SendStatus::would_block: write out output(), or wait for event::Acked, then retry.
  would_block,
  /// As SendStatus::unserializable.
  unserializable,
  /// As SendStatus::too_large.
  too_large,
  /// Called from SessionHooks::on_traffic, which must not call the Session.
  invalid_state,
};

std::string_view to_string(IqSendStatus status) noexcept;

struct IqSendResult {
  IqSendStatus status = IqSendStatus::ok;
  /// The request's id (the element's own, or the one made for it); empty unless ok.
  std::string id;
};

}  // namespace xmpp
