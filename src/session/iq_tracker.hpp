// The IQ requests a Session waits on: correlation of responses by id and by sender, timeouts,
// and hand-over of every request when it can no longer be answered.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/iq_request.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::session {

/// A request sent and not answered yet.
struct PendingIq {
  std::string id;
  /// The request's `to`; nothing when it had none (it went to the account, RFC 6120 §10.3.3).
  std::optional<Jid> to;
  IqCallback callback;
  TimePoint deadline{};
};

/// Whether a response whose `from` attribute is `from` (nothing: absent) may answer a request
/// sent to `to`, for the account `account` (a bare JID). RFC 6120 §8.1.2.1: a stanza without
/// `from` comes from the account itself (the server on its behalf), so it stands for `account`.
/// With a `to`, only that address may answer; without one (§10.3.3), the account or its server
/// (the domain). Everything else would let any entity forge a result, so it is no response.
bool answers_request(const std::optional<Jid>& to, std::optional<std::string_view> from,
                     const Jid& account);

/// A response the tracker recognised, taken out of it.
struct Answered {
  PendingIq request;
  IqOutcome outcome = IqOutcome::result;  ///< result or error
};

/// The pending requests, oldest first. A plain table: the Session bounds its size
/// (SessionConfig::max_pending_iqs) and looks requests up linearly.
class IqTracker {
 public:
  std::size_t size() const noexcept { return pending_.size(); }
  bool contains(std::string_view id) const noexcept;
  /// Adds a request; the caller checked that its id is not pending.
  void add(PendingIq request);
  /// When `stanza` is a response (`<iq type='result|error'/>` in jabber:client) to a pending
  /// request whose id it carries, from an entity answers_request() accepts: that request, taken
  /// out. Nothing otherwise (the request, if any, stays pending).
  std::optional<Answered> take_response(xml::Element stanza, const Jid& account);
  /// Takes out every request whose deadline is at or before `now`, oldest first.
  std::vector<PendingIq> take_expired(TimePoint now);
  /// Takes out every request, oldest first.
  std::vector<PendingIq> take_all();
  /// The earliest deadline; nothing when no request is pending.
  std::optional<TimePoint> next_deadline() const noexcept;

 private:
  std::vector<PendingIq> pending_;
};

}  // namespace xmpp::session
