// The test server's side of XEP-0198 stream management: enabling (§3), counting and acks in both
// directions (§4), resumption (§5), errors (§6), and the end of a session with its stream.
#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "server/server.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::testing {
namespace {

constexpr std::string_view kSmNamespace = "urn:xmpp:sm:3";
constexpr std::string_view kStanzaErrorNamespace = "urn:ietf:params:xml:ns:xmpp-stanzas";

// XEP-0198 §4 and its schema: h (and max) are xs:unsignedInt, so decimal digits up to 2^32 - 1.
std::optional<std::uint32_t> parse_count(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : *text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
    if (value > std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  }
  return static_cast<std::uint32_t>(value);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Dispatch

bool Server::handle_sm(xml::Element element) {
  if (!config_.sm || element.ns() != kSmNamespace) return false;
  if (phase_ == ServerPhase::awaiting_bind) {
    sm_before_bind(element);
  } else if (phase_ == ServerPhase::online) {
    sm_online(element);
  } else if (sm_ && element.name() == "a") {
    // After our closing tag (RFC 6120 §4.4) nothing is written, so an <r/> goes unanswered,
    // but the client's acks still count.
    take_ack(element);
  }
  return true;
}

void Server::sm_before_bind(xml::Element element) {
  const std::string_view name = element.name();
  // XEP-0198 §5: resumption takes the place of resource binding.
  if (name == "resume") return resume_sm(element);
  // XEP-0198 §3: <enable/> before binding is refused with unexpected-request.
  if (name == "enable") return sm_failed("unexpected-request", std::nullopt);
  reject(element);
}

void Server::sm_online(xml::Element element) {
  const std::string_view name = element.name();
  if (name == "enable") return enable_sm(element);
  // XEP-0198 §5: <resume/> comes instead of binding, never once a resource is bound.
  if (name == "resume") return sm_failed("unexpected-request", std::nullopt);
  if (name == "r" || name == "a") {
    if (!sm_) {
      return fail_stream(StreamErrorCondition::unsupported_stanza_type,
                         "<r/> or <a/> before stream management was enabled (XEP-0198 §4)");
    }
    return name == "r" ? answer_request() : take_ack(element);
  }
  reject(element);
}

// ---------------------------------------------------------------------------------------------
// Enabling (XEP-0198 §3)

void Server::enable_sm(xml::Element enable) {
  // XEP-0198 §3: a client enables stream management at most once; a second <enable/> (also
  // after a resumption) SHOULD end the stream.
  if (sm_) {
    return fail_stream(StreamErrorCondition::policy_violation,
                       "stream management is already enabled (XEP-0198 §3)");
  }
  const std::string_view resume = enable.attribute_or_empty("resume");
  const bool resumable = config_.sm_resume && (resume == "true" || resume == "1");
  std::uint32_t max = config_.sm_max_resume_seconds;
  // XEP-0198 §3: the client's `max` is a preference; the server's own maximum wins.
  if (const auto wanted = parse_count(enable.attribute("max")); wanted && *wanted > 0) {
    max = std::min(max, *wanted);
  }
  SmSession& session = store_->create(*user_, *bound_jid_, resumable, max, this);
  sm_ = &session;
  sm_id_ = session.id;
  sent_since_request_ = 0;
  // XEP-0198 §3: id and resume only when the session may be resumed, with the server's max
  // and its preferred reconnection address.
  xml::Builder enabled(arena_, "enabled", kSmNamespace);
  if (resumable) {
    enabled.attribute("id", session.id).attribute("resume", "true");
    enabled.attribute("max", std::to_string(max));
    if (!config_.sm_location.empty()) enabled.attribute("location", config_.sm_location);
  }
  write(ServerStep::sm_enabled, serialise(enabled.root()));
}

void Server::sm_failed(std::string_view condition, std::optional<std::uint32_t> h) {
  // XEP-0198 §3 and §5: <failed/> carries a stanza error condition, and on a failed
  // resumption MAY carry the h the server handled.
  xml::Builder failed(arena_, "failed", kSmNamespace);
  if (h) failed.attribute("h", std::to_string(*h));
  failed.start(condition, kStanzaErrorNamespace).end();
  write(ServerStep::sm_failed, serialise(failed.root()));
}

// ---------------------------------------------------------------------------------------------
// Counting and acks (XEP-0198 §4)

void Server::count_stanza(xml::Element element, const std::string& xml) {
  // XEP-0198 §4: only stanzas are counted (never nonzas such as <r/> and <a/>), from <enable/>
  // on, wrapping to zero after 2^32 - 1.
  if (!sm_ || !is_stanza(element)) return;
  ++sm_->handled;
  if (!xml.empty()) sm_->delivered.push_back(xml);
}

void Server::answer_request() {
  // XEP-0198 §4: an <r/> is answered with an <a/> carrying the count of stanzas handled.
  xml::Builder ack(arena_, "a", kSmNamespace);
  ack.attribute("h", std::to_string(sm_->handled));
  write(ServerStep::sm_ack, serialise(ack.root()));
}

void Server::take_ack(xml::Element ack) {
  const auto h = parse_count(ack.attribute("h"));
  if (!h) {
    return fail_stream(StreamErrorCondition::bad_format,
                       "an <a/> without an unsigned 32-bit 'h' (XEP-0198 §4)");
  }
  if (check_ack(*sm_, *h)) acknowledge(*sm_, *h);
}

bool Server::check_ack(const SmSession& session, std::uint32_t h) {
  if (newly_acked(session, h) <= session.unacked.size()) return true;
  // XEP-0198 §6: an h above the number of stanzas sent (an h going backwards is one too,
  // modulo 2^32) is the undefined-condition stream error with <handled-count-too-high/>.
  const std::string sent = std::to_string(session.sent());
  const std::string text = "h='" + std::to_string(h) + "' acknowledges more than the " + sent +
                           " stanzas sent (XEP-0198 §6)";
  xml::Builder too_high(arena_, "handled-count-too-high", kSmNamespace);
  too_high.attribute("h", std::to_string(h)).attribute("send-count", sent);
  const std::string condition = serialise(too_high.root());
  fail_stream(StreamErrorCondition::undefined_condition, text, condition);
  return false;
}

void Server::transmit(std::string xml) {
  // XEP-0198 §4: once enabled, each stanza sent is counted and kept until acknowledged.
  if (sm_) sm_->unacked.push_back(xml);
  send_raw(std::move(xml));
}

bool Server::send_stanza(std::string xml) {
  if (phase_ != ServerPhase::online || xml.empty()) return false;
  transmit(std::move(xml));
  // XEP-0198 §4: either side may request an ack at any time; ServerConfig says how often.
  if (sm_ && config_.sm_request_every > 0 && ++sent_since_request_ >= config_.sm_request_every) {
    request_ack();
  }
  return true;
}

bool Server::request_ack() {
  if (phase_ != ServerPhase::online || !sm_) return false;
  sent_since_request_ = 0;
  write(ServerStep::sm_request, "<r xmlns='urn:xmpp:sm:3'/>");
  return true;
}

// ---------------------------------------------------------------------------------------------
// Resumption (XEP-0198 §5)

void Server::resume_sm(xml::Element resume) {
  // XEP-0198 §5: a server that does not resume sessions says feature-not-implemented.
  if (!config_.sm_resume) return sm_failed("feature-not-implemented", std::nullopt);
  const auto previd = resume.attribute("previd");
  const auto h = parse_count(resume.attribute("h"));
  if (!previd || !h) {
    return fail_stream(StreamErrorCondition::bad_format,
                       "<resume/> needs a 'previd' and an unsigned 32-bit 'h' (XEP-0198 §5)");
  }
  SmSession* session = store_->find_mutable(*previd);
  // XEP-0198 §5 and §9: only the entity that authenticated for a session may resume it; an
  // unknown id and another user's session look the same, and reveal nothing.
  if (!session || session->user != *user_) return sm_failed("item-not-found", std::nullopt);
  store_->expire_if_due(*session);
  const bool alive = session->state == SmState::active || session->state == SmState::hibernating;
  if (!alive || !session->resumable) {
    // XEP-0198 §5: a session the server still knows (timed out, closed) may be answered with
    // the h it handled, so the client learns which of its stanzas arrived.
    return sm_failed("item-not-found", session->handled);
  }
  if (!check_ack(*session, *h)) return;
  // XEP-0198 §5: a stream still open for the session is ended with a conflict stream error.
  if (session->attached) session->attached->taken_over();
  acknowledge(*session, *h);
  session->state = SmState::active;
  session->attached = this;
  sm_ = session;
  sm_id_ = session->id;
  sent_since_request_ = 0;
  bound_jid_ = session->jid;
  phase_ = ServerPhase::online;
  xml::Builder resumed(arena_, "resumed", kSmNamespace);
  resumed.attribute("previd", session->id).attribute("h", std::to_string(session->handled));
  write(ServerStep::sm_resumed, serialise(resumed.root()));
  // XEP-0198 §5: the stanzas the client did not acknowledge are sent again in order (already
  // counted), then those that waited while the session hibernated (counted now).
  for (const auto& stanza : session->unacked)
    send_raw(stanza);
  const bool resent = !session->unacked.empty() || !session->pending.empty();
  for (auto& stanza : std::exchange(session->pending, {}))
    transmit(std::move(stanza));
  if (resent && config_.sm_request_every > 0) request_ack();
}

void Server::taken_over() {
  // The session moves to the resuming stream; this one ends without it.
  sm_ = nullptr;
  fail_stream(StreamErrorCondition::conflict,
              "the session was resumed on another stream (XEP-0198 §5)");
}

void Server::sm_stream_over(bool lost) {
  if (!sm_) return;
  SmSession* session = std::exchange(sm_, nullptr);
  // XEP-0198 §5: a connection lost without a closing tag leaves a resumable session
  // hibernating; a stream closed with a closing tag or ended by a stream error takes it along.
  store_->detach(*session, lost && !close_sent_ && !client_closed_);
}

}  // namespace xmpp::testing
