// Stream management (XEP-0198 v1.6) in the client engine: `<enable/>` after binding, `<resume/>`
// instead of binding, acknowledgements in both directions, the request policy, and the hand-back
// of every stanza that can no longer be confirmed. The counters and the queue are
// sm::StreamManagementState; this file decides when they change.
#include <chrono>
#include <cstdio>
#include <string>

#include "client/client_impl.hpp"
#include "sm/sequence.hpp"
#include "sm/sm_elements.hpp"
#include "stream/features.hpp"

namespace xmpp {
namespace {

constexpr std::string_view kDelayNamespace = "urn:xmpp:delay";

// XEP-0082 DateTime in UTC with milliseconds, as XEP-0203 stamps use it.
std::string xep0082_stamp(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(t);
  const auto day = floor<days>(ms);
  const year_month_day date{day};
  const hh_mm_ss time{ms - day};
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return buffer;
}

// The root name of a stanza serialised by our writer: the content namespace is the default, so
// stanzas carry no prefix.
std::string_view root_name(std::string_view bytes) noexcept {
  const std::size_t end = bytes.find_first_of(" \t\r\n/>", 1);
  return end == std::string_view::npos ? std::string_view{} : bytes.substr(1, end - 1);
}

// A re-sent message or presence with `<delay/>` as its last child (XEP-0203 §3; XEP-0198 §4
// recommends it for stanzas re-sent after a failed resumption). An IQ is re-sent unchanged:
// XEP-0203 defines no delay for it.
std::string with_delay(std::string_view bytes, std::string_view stamp) {
  const std::string_view name = root_name(bytes);
  if (name != "message" && name != "presence") return std::string(bytes);
  std::string delay = "<delay xmlns='";
  delay.append(kDelayNamespace).append("' stamp='").append(stamp).append("'/>");
  std::string out;
  if (bytes.ends_with("/>")) {
    // An empty root, `<presence .../>`, gets an end tag.
    out.append(bytes.substr(0, bytes.size() - 2)).append(">").append(delay);
    out.append("</").append(name).append(">");
    return out;
  }
  const std::size_t end_tag = bytes.rfind("</");
  out.append(bytes.substr(0, end_tag)).append(delay).append(bytes.substr(end_tag));
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Enabling and resuming

bool Client::Impl::try_resumption() {
  if (sm_mode != SmMode::parked) return false;
  if (!features.stream_management || !sm.can_resume(now)) {
    // Nothing to resume with: the server dropped XEP-0198, or its resumption time is over
    // (XEP-0198 §5: it would answer item-not-found anyway).
    abandon_resumption(
        features.stream_management
            ? "resumption impossible: the server's resumption time has passed"
            : "resumption impossible: the server no longer offers stream management");
    return false;
  }
  if (write(sm::build_resume(core.scratch_arena(), sm.id(), sm.inbound_handled()))) {
    enter(ClientPhase::resuming);
  }
  return true;
}

void Client::Impl::abandon_resumption(std::string_view reason) {
  std::vector<UnackedStanza> stanzas = sm.reset_for_new_session();
  sm_mode = SmMode::off;
  if (config.stream_management.resend_unconfirmed_with_delay) {
    to_resend = std::move(stanzas);
  } else {
    hand_back(std::move(stanzas), reason);
  }
}

void Client::Impl::enable_stream_management() {
  const StreamManagementConfig& cfg = config.stream_management;
  if (!cfg.enable || !features.stream_management || sm_mode != SmMode::off) {
    hand_back(std::exchange(to_resend, {}),
              "resumption failed and the new session has no stream management");
    return;
  }
  // Nothing can be queued here (every path to off handed the queue back); hand back to be sure.
  hand_back(sm.reset_for_new_session(), "a new stream management session started");
  if (!write(sm::build_enable(core.scratch_arena(), cfg.resume, cfg.max_resume_seconds))) return;
  // XEP-0198 §4: our outbound count starts at zero with <enable/>; stanzas sent from here on are
  // tracked even before <enabled/> arrives.
  sm_mode = SmMode::enabling;
  written_through = sm.outbound_count();
  sent_since_request = 0;
  last_ack_at = now;
  // <enable/> needs an answer like <r/> does: without one the link is dead.
  ack_requested = true;
  core.timers().set(stream::Timer::ack_timeout, now + cfg.ack_timeout);
  sm.set_bound_jid(std::string(bound_jid->str()));

  std::vector<UnackedStanza> resend = std::exchange(to_resend, {});
  if (resend.empty()) return;
  const auto utc_now = cfg.wall_clock();
  for (std::size_t i = 0; i < resend.size(); ++i) {
    UnackedStanza& s = resend[i];
    const auto age =
        std::chrono::duration_cast<std::chrono::system_clock::duration>(now - s.queued_at);
    std::string bytes = with_delay(s.bytes, xep0082_stamp(utc_now - age));
    if (!sm.has_room(bytes.size()) || !core.output_has_room(bytes.size()) ||
        !core.write_raw(bytes)) {
      // The stamp made them larger than the queue allows: the rest goes back to the application.
      hand_back(std::vector<UnackedStanza>(std::make_move_iterator(resend.begin() + i),
                                           std::make_move_iterator(resend.end())),
                "resumption failed and the stanzas no longer fit the queue with a delay stamp");
      return;
    }
    written_through = sm.record_sent(std::move(bytes), s.tag, std::move(s.id), s.queued_at);
    ++sent_since_request;
  }
}

stream::Flow Client::Impl::on_sm_enabled(xml::Element element) {
  if (sm_mode != SmMode::enabling) {
    core.reject_element(element, "arrived without a pending <enable/> (XEP-0198 §3)");
    return stream::Flow::proceed;
  }
  auto parsed = sm::parse_enabled(element);
  if (!parsed) {
    core.fail_protocol(StreamErrorCondition::bad_format, parsed.error);
    return stream::Flow::proceed;
  }
  // A session we did not ask to be resumable is not resumed, whatever the server says.
  if (!config.stream_management.resume) parsed.value->resume = false;
  sm.on_enabled(*parsed.value);
  sm_mode = SmMode::active;
  ack_requested = false;  // <enable/> is answered
  core.timers().clear(stream::Timer::ack_timeout);
  last_ack_at = now;
  maybe_request_ack();
  arm_ack_request_timer();
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_sm_resumed(xml::Element element) {
  resume_answered = true;
  auto parsed = sm::parse_resumed(element);
  if (!parsed) {
    core.fail_protocol(StreamErrorCondition::bad_format, parsed.error);
    return stream::Flow::proceed;
  }
  if (parsed.value->previd != sm.id()) {
    core.fail_protocol(StreamErrorCondition::undefined_condition,
                       "<resumed/> names another session than our <resume/> (XEP-0198 §5)");
    return stream::Flow::proceed;
  }
  if (!apply_h(parsed.value->h, true)) return stream::Flow::proceed;
  // XEP-0198 §5: what the server did not handle is sent again, in order, without counting it
  // again (its sequence numbers stay).
  for (const UnackedStanza& s : sm.unacked()) {
    if (!core.write_raw(s.bytes)) {
      core.finish(CloseReason::output_overflow,
                  "the unacknowledged stanzas did not fit the output buffer after <resumed/>");
      return stream::Flow::proceed;
    }
  }
  written_through = sm.outbound_count();
  sm_mode = SmMode::active;
  ack_requested = false;
  sent_since_request = 0;
  last_ack_at = now;
  bound_jid = Jid::parse(sm.bound_jid());
  if (!bound_jid) bound_jid = config.jid;  // a state saved before binding ever happened
  enter(ClientPhase::online);
  core.start_keepalive(now, config.keepalive_interval);
  // Ask at once whether the re-sent stanzas arrived.
  if (!sm.unacked().empty()) send_ack_request();
  arm_ack_request_timer();
  core.push_event(event::Online{*bound_jid, true});
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_sm_failed(xml::Element element) {
  if (phase != ClientPhase::resuming && sm_mode != SmMode::enabling) {
    core.reject_element(element,
                        "arrived without a pending <enable/> or <resume/> (XEP-0198 §3, §5)");
    return stream::Flow::proceed;
  }
  if (phase == ClientPhase::resuming) resume_answered = true;
  auto parsed = sm::parse_failed(element);
  if (!parsed) {
    core.fail_protocol(StreamErrorCondition::bad_format, parsed.error);
    return stream::Flow::proceed;
  }
  std::string condition(parsed.value->condition.empty() ? "no condition" : parsed.value->condition);
  if (phase != ClientPhase::resuming) {
    end_stream_management("the server refused to enable stream management: " + condition);
    return stream::Flow::proceed;
  }
  // XEP-0198 §5: an h on <failed/> says which of our stanzas the old session handled.
  if (parsed.value->h && !apply_h(*parsed.value->h, true)) return stream::Flow::proceed;
  abandon_resumption("resumption failed: " + condition);
  if (!features.bind) {
    core.fail_protocol(StreamErrorCondition::undefined_condition,
                       "no resource binding offered after authentication (RFC 6120 §7.2)");
    return stream::Flow::proceed;
  }
  return start_binding();
}

// ---------------------------------------------------------------------------------------------
// Acknowledgements

stream::Flow Client::Impl::on_sm_ack(xml::Element element) {
  // RFC 6120 §4.4: after our closing tag only stanzas matter; anything else is dropped.
  if (phase == ClientPhase::closing && sm_mode != SmMode::active) return stream::Flow::proceed;
  if (sm_mode != SmMode::active) {
    core.reject_element(element, "arrived before <enabled/> (XEP-0198 §4)");
    return stream::Flow::proceed;
  }
  const auto parsed = sm::parse_ack(element);
  if (!parsed) {
    core.fail_protocol(StreamErrorCondition::bad_format, parsed.error);
    return stream::Flow::proceed;
  }
  if (!apply_h(*parsed.value, false)) return stream::Flow::proceed;
  // Any <a/> answers the outstanding request (XEP-0198 §4 allows unsolicited ones too).
  ack_requested = false;
  core.timers().clear(stream::Timer::ack_timeout);
  last_ack_at = now;
  // XEP-0198 §4: stanzas sent while the answered <r/> was out may already reach the count.
  maybe_request_ack();
  arm_ack_request_timer();
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_sm_request(xml::Element element) {
  if (sm_mode != SmMode::active) {
    core.reject_element(element, "arrived before <enabled/> (XEP-0198 §4)");
    return stream::Flow::proceed;
  }
  // XEP-0198 §4: answered at once; an <a/> is neither counted nor queued.
  write(sm::build_ack(core.scratch_arena(), sm.inbound_handled()));
  return stream::Flow::proceed;
}

bool Client::Impl::apply_h(std::uint32_t h, bool trim) {
  std::vector<UnackedStanza> acked;
  sm::AckResult result;
  // XEP-0198 §6: h counts stanzas the server received; those queued while parked were never
  // written, so an h covering them is too high as well.
  if (sm::distance(sm.last_acked(), h) > sm::distance(sm.last_acked(), written_through)) {
    result.status =
        sm::is_before(h, sm.last_acked()) ? sm::AckStatus::backwards : sm::AckStatus::too_high;
    result.send_count = written_through;
  } else {
    result = trim ? sm.trim_to(h, acked) : sm.on_ack(h, acked);
  }
  switch (result.status) {
    case sm::AckStatus::ok:
      if (!acked.empty()) core.push_event(event::Acked{std::move(acked)});
      return true;
    case sm::AckStatus::too_high: {
      // XEP-0198 §6: undefined-condition with <handled-count-too-high h send-count/>.
      const sm::HandledCountTooHigh counts{h, result.send_count};
      core.fail_protocol(sm::handled_count_too_high_error(counts),
                         sm::build_handled_count_too_high(core.scratch_arena(), counts));
      return false;
    }
    case sm::AckStatus::backwards: {
      std::string text = "h='" + std::to_string(h) + "' is below the last acknowledged h='" +
                         std::to_string(sm.last_acked()) +
                         "': the count of handled stanzas never decreases (XEP-0198 §4)";
      core.fail_protocol(StreamErrorCondition::undefined_condition, text);
      return false;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sending

SendStatus Client::Impl::send_tracked(xml::Element element, std::uint64_t tag) {
  SendStatus status = core.prepare_send(element);
  const std::string_view bytes = core.serialised();
  if (status == SendStatus::ok && !sm.has_room(bytes.size())) status = SendStatus::would_block;
  // While parked the stanza waits in the queue for <resumed/>; otherwise it goes out now.
  if (status == SendStatus::ok && sm_mode != SmMode::parked &&
      (!core.output_has_room(bytes.size()) || !core.write_raw(bytes))) {
    status = SendStatus::would_block;
  }
  if (status == SendStatus::ok) {
    const std::uint32_t sequence =
        sm.record_sent(std::string(bytes), tag, std::string(element.attribute_or_empty("id")), now);
    if (sm_mode != SmMode::parked) written_through = sequence;
  }
  core.trim_serialised();
  if (status == SendStatus::ok && sm_mode != SmMode::parked) {
    ++sent_since_request;
    maybe_request_ack();
    arm_ack_request_timer();
  }
  return status;
}

void Client::Impl::maybe_request_ack() {
  if (sm_mode != SmMode::active || ack_requested || phase != ClientPhase::online) return;
  const std::size_t every = config.stream_management.request_every_stanzas;
  // XEP-0198 §4 leaves the policy to the sender: ask once N stanzas are unacknowledged, or N
  // were sent since the last request.
  if (every != 0 && (sent_since_request >= every || sm.unacked().size() >= every)) {
    send_ack_request();
  }
}

void Client::Impl::send_ack_request() {
  if (!write(sm::build_request(core.scratch_arena()))) return;
  ack_requested = true;
  sent_since_request = 0;
  core.timers().clear(stream::Timer::ack_request);
  core.timers().set(stream::Timer::ack_timeout, now + config.stream_management.ack_timeout);
}

void Client::Impl::arm_ack_request_timer() {
  const StreamManagementConfig& cfg = config.stream_management;
  std::optional<TimePoint> due;
  if (sm_mode == SmMode::active && phase == ClientPhase::online && !ack_requested) {
    if (!sm.unacked().empty()) {
      // Unacknowledged data this old is asked about even when fewer than N stanzas were sent.
      if (cfg.request_after > Duration::zero())
        due = sm.unacked().front().queued_at + cfg.request_after;
    } else if (cfg.idle_request_interval > Duration::zero()) {
      // An idle stream is probed so that a dead link is found before the application needs it.
      due = last_ack_at + cfg.idle_request_interval;
    }
  }
  if (due) {
    core.timers().set(stream::Timer::ack_request, *due);
  } else {
    core.timers().clear(stream::Timer::ack_request);
  }
}

void Client::Impl::on_timer(stream::Timer timer, TimePoint at) {
  if (timer == stream::Timer::ack_request) {
    if (sm_mode == SmMode::active && phase == ClientPhase::online && !ack_requested) {
      send_ack_request();
    }
    return;
  }
  if (timer == stream::Timer::ack_timeout && ack_requested) {
    core.push_event(event::LinkDead{std::chrono::duration_cast<Duration>(at - last_received_at)});
    core.abandon(CloseReason::connection_lost,
                 "no <a/> answered our <r/> within ack_timeout: the link is dead (XEP-0198 §4)");
  }
}

void Client::Impl::write_final_ack() {
  if (phase != ClientPhase::online || sm_mode != SmMode::active) return;
  // XEP-0198 §4: our last h before the closing tag, and a last chance for the server to
  // acknowledge what is still queued (it may answer before its own closing tag).
  if (!write(sm::build_ack(core.scratch_arena(), sm.inbound_handled()))) return;
  if (!sm.unacked().empty() && !ack_requested) write(sm::build_request(core.scratch_arena()));
}

// ---------------------------------------------------------------------------------------------
// The end of a connection, and of a session

void Client::Impl::on_session_end(CloseReason reason) {
  // While online, a lost link (or a step that timed out) keeps a resumable session; every other
  // end - our close(), a stream error either way, the server's closing tag - ends it for good,
  // since the server ends its side too. A connection that fails before <resumed/> or <failed/>
  // says nothing about the session it was meant to resume: it stays kept (only our close()
  // gives it up; so does abandon_session(), e.g. when the reconnect policy stops).
  const bool link_lost = reason == CloseReason::connection_lost ||
                         (reason == CloseReason::timeout && phase != ClientPhase::closing);
  // close() gives the session up however the closing handshake ends (XEP-0198 §4, §5).
  const bool keep =
      phase != ClientPhase::closing &&
      (sm_mode == SmMode::parked ? reason != CloseReason::local_close && !resume_answered
                                 : link_lost && sm_mode == SmMode::active);
  if (keep && sm.resumable()) {
    sm.on_link_lost(now);
    sm_mode = SmMode::parked;
    ack_requested = false;
    return;
  }
  std::string why = "the session ended (";
  why.append(to_string(reason)).append(")");
  end_stream_management(why);
}

void Client::Impl::end_stream_management(std::string_view reason) {
  std::vector<UnackedStanza> stanzas = std::exchange(to_resend, {});
  std::vector<UnackedStanza> queued = sm.reset_for_new_session();
  stanzas.insert(stanzas.end(), std::make_move_iterator(queued.begin()),
                 std::make_move_iterator(queued.end()));
  hand_back(std::move(stanzas), reason);
  sm_mode = SmMode::off;
  ack_requested = false;
  core.timers().clear(stream::Timer::ack_timeout);
  core.timers().clear(stream::Timer::ack_request);
}

void Client::Impl::hand_back(std::vector<UnackedStanza> stanzas, std::string_view reason) {
  if (stanzas.empty()) return;
  core.push_event(event::Unconfirmed{std::move(stanzas), std::string(reason)});
}

void Client::Impl::reset_connection() {
  resume_answered = false;
  core.reset_for_reconnect();
  phase = ClientPhase::idle;
  secure = false;
  authenticated = false;
  features = {};
  tls = {};
  authenticator.reset();
  mechanism.reset();
  pending_request_id.clear();
  bound_jid.reset();
  ack_requested = false;
}

}  // namespace xmpp
