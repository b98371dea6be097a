// The two applications of the simulation: what they do (the schedule's actions, sends with
// retries after backpressure) and what the client application observes (its events).
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "sm_simulation.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::test::sim {
namespace {

using Ms = std::chrono::milliseconds;

}  // namespace

// ---------------------------------------------------------------------------------------------
// The schedule

void Simulation::apply(const Action& a) {
  if (tracing_) {
    std::ostringstream text;
    text << "ACTION " << a;
    log(text.str());
  }
  switch (a.kind) {
    case ActionKind::client_send:
      outbox_.push_back(++next_tag_);
      flush_outbox();
      break;
    case ActionKind::server_send:
      server_send();
      break;
    case ActionKind::cut:
      if (current_ && !current_->link.dead()) {
        current_->link.cut_at(a.direction, current_->link.sent(a.direction) + a.amount);
        current_->cut_pending = !current_->link.dead();
      }
      break;
    case ActionKind::stall:
      if (current_) current_->link.stall(a.direction, now_ + Ms(a.amount));
      break;
    case ActionKind::shape:
      if (current_) current_->link.shape(a.direction, {Ms(0), Ms(a.amount), a.extra});
      break;
    case ActionKind::advance:
      advance(Ms(a.amount));
      break;
    case ActionKind::outage:
      // No transport can be set up meanwhile; the current one dies (what is in flight arrives).
      outage_until_ = now_ + Ms(a.amount);
      if (current_) current_->link.kill();
      advance(Ms(a.amount));
      break;
    case ActionKind::close: {
      const ClientPhase phase = client_.phase();
      if (phase == ClientPhase::idle || phase == ClientPhase::closing ||
          phase == ClientPhase::closed) {
        break;
      }
      if (client_.close(now_) != CommandStatus::ok) {
        violation("close() refused in phase " + std::string(to_string(phase)));
      }
      break;
    }
    case ActionKind::connect:
      // The application connects again after its own close() stopped the policy.
      if (policy_.state() == ReconnectState::stopped) (void)policy_.start_now(now_);
      break;
    case ActionKind::server_close:
      // Once online only: the test server's close() would not write a header first.
      if (current_ && current_->server.phase() == testing::ServerPhase::online) {
        (void)current_->server.close();
      }
      break;
    case ActionKind::restart:
      restart(Ms(a.amount));
      break;
    case ActionKind::abandon:
      if (client_.phase() == ClientPhase::closed && client_.resumption_pending() &&
          client_.abandon_session() != CommandStatus::ok) {
        violation("abandon_session() refused with a session pending");
      }
      break;
  }
  tick();
}

void Simulation::server_send() {
  // The server application writes to the client's session: the one it may still resume, else
  // the one its current connection enabled, else the newest (possibly one the client gave up).
  const auto all = sessions_.sessions();
  std::string id = client_.stream_management().id();
  if (id.empty() && current_ && current_->server.sm_session()) {
    id = current_->server.sm_session()->id;
  }
  if (id.empty() && !all.empty()) id = all.back()->id;
  if (id.empty()) return;
  const std::uint64_t n = ++next_server_stanza_;
  const std::string number = std::to_string(n);
  std::string xml = "<message from='bob@example.com/x' id='s" + number + "'><body>s" + number +
                    "</body></message>";
  if (sessions_.send_stanza(id, std::move(xml))) {
    server_sent_[n] = id;
    log("server app sends s" + number + " to " + id);
  }
}

void Simulation::flush_outbox() {
  while (!outbox_.empty()) {
    const std::uint64_t tag = outbox_.front();
    const std::string id = "c" + std::to_string(tag);
    xml::Arena arena;
    xml::Builder msg(arena, "message", "jabber:client");
    msg.attribute("to", "bob@example.com").attribute("id", id);
    msg.start("body").text(id).end();
    const SendStatus status = client_.send(msg.root(), tag);
    check_queue();
    if (status == SendStatus::ok) {
      sent_ok_.push_back(tag);
      outbox_.pop_front();
      log("client app sent " + id);
      drain_client();
      continue;
    }
    if (status == SendStatus::would_block) ++would_block_;
    if (status != SendStatus::would_block && status != SendStatus::not_online) {
      violation("send(" + id + ") refused: " + std::string(to_string(status)));
      outbox_.pop_front();
      continue;
    }
    return;  // retried later
  }
}

// ---------------------------------------------------------------------------------------------
// What the client application observes

void Simulation::check_queue() {
  // The queue bounds hold at every step: backpressure refuses, it never overflows.
  const auto& sm = client_.stream_management();
  if (sm.unacked().size() > config_.max_unacked_stanzas ||
      sm.unacked_bytes() > config_.max_unacked_bytes) {
    violation("the unacknowledged queue holds " + std::to_string(sm.unacked().size()) +
              " stanzas / " + std::to_string(sm.unacked_bytes()) + " bytes, beyond its bounds");
  }
}

void Simulation::handle(Event& e) {
  std::visit(
      [this](auto& ev) {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, event::Stanza>) {
          const auto n = number_after(ev.element.attribute_or_empty("id"), "s");
          std::string xml;
          (void)xml::write(ev.element, xml);
          log("client app receives " + xml);
          if (!n || !server_sent_.contains(*n)) {
            violation("the client received a stanza the server application never sent: " + xml);
            return;
          }
          received_.push_back(*n);
        } else if constexpr (std::is_same_v<T, event::Acked> ||
                             std::is_same_v<T, event::Unconfirmed>) {
          constexpr bool acked = std::is_same_v<T, event::Acked>;
          std::vector<std::uint64_t> tags;
          for (const UnackedStanza& s : ev.stanzas) {
            if (s.id != "c" + std::to_string(s.tag)) {
              violation("a reported stanza's id '" + s.id + "' does not match its tag " +
                        std::to_string(s.tag));
            }
            tags.push_back(s.tag);
            (acked ? acked_ : unconfirmed_).push_back(s.tag);
          }
          if constexpr (!acked) {
            unconfirmed_by_reason_[ev.reason.substr(0, ev.reason.find(':'))] += tags.size();
          }
          log((acked ? "Acked " : "Unconfirmed ") + tags_text(tags));
        } else if constexpr (std::is_same_v<T, event::Online>) {
          log(ev.resumed ? "Online (resumed)" : "Online (new session)");
          if (policy_.on_online(ev.resumed) != CommandStatus::ok) violation("on_online refused");
          if (ev.resumed) {
            ++resumed_;
          } else if (lost_since_online_) {
            ++fresh_after_loss_;
          }
          lost_since_online_ = false;
        } else if constexpr (std::is_same_v<T, event::Closed>) {
          log("Closed " + std::string(to_string(ev.reason)) + ": " + ev.detail);
          if (policy_.on_session_ended(ev, nullptr, std::nullopt, now_) != CommandStatus::ok) {
            violation("on_session_ended refused");
          }
          // Between two engines that follow the protocol, a session ends only by a close() of
          // either side, a lost link, a step that timed out (the link stalled), or a takeover.
          if (ev.reason != CloseReason::local_close && ev.reason != CloseReason::connection_lost &&
              ev.reason != CloseReason::timeout && ev.reason != CloseReason::peer_closed &&
              !std::exchange(taken_over_, false)) {
            violation("the session ended with " + std::string(to_string(ev.reason)) + ": " +
                      ev.detail);
          }
          if (ev.reason != CloseReason::local_close) lost_since_online_ = true;
        } else if constexpr (std::is_same_v<T, event::StreamErrorSent>) {
          violation("client sent stream error " + std::string(to_string(ev.error.condition)) +
                    ": " + ev.error.text.value_or(""));
        } else if constexpr (std::is_same_v<T, event::StreamErrorReceived>) {
          // A <resume/> written on a transport the client had already given up (a timeout)
          // still arrives after a later resumption, and the server hands the session to it,
          // ending the live stream with conflict (XEP-0198 §5). Not the engine's fault.
          if (ev.error.condition == StreamErrorCondition::conflict) {
            ++takeovers_;
            taken_over_ = true;
            log("conflict: the session was taken over by a stale <resume/>");
            return;
          }
          violation("client received stream error " + std::string(to_string(ev.error.condition)) +
                    ": " + ev.error.text.value_or(""));
        } else if constexpr (std::is_same_v<T, event::AuthenticationFailed>) {
          violation("authentication failed: " + ev.text);
        } else if constexpr (std::is_same_v<T, event::LinkDead>) {
          log("LinkDead after " + std::to_string(ev.silent_for.count()) + " ms of silence");
        }
      },
      e);
}

}  // namespace xmpp::test::sim
