// Inbound stanzas that answer no pending request, in the order of the Session's class comment
// ("The application layer"): roster pushes, subscriptions, IQ duties, routes, on_stanza, then
// RFC 6120 §8.4's answer to an IQ request nobody handled.
#include "app/duties.hpp"
#include "session/session_impl.hpp"
#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"

namespace xmpp {
namespace {

bool is_unanswered_request(xml::Element stanza) {
  const auto iq = stanza::Iq::view(stanza);
  return iq && iq->is_request() && iq->check() == stanza::IqProblem::ok;
}

std::optional<SubscriptionAction> subscription_action(xml::Element stanza) {
  if (!stanza.is("presence", stanza::ns::kClient)) return std::nullopt;
  const std::string_view type = stanza.attribute_or_empty("type");
  if (type == "subscribe") return SubscriptionAction::request;
  if (type == "subscribed") return SubscriptionAction::approved;
  if (type == "unsubscribe") return SubscriptionAction::cancelled;
  if (type == "unsubscribed") return SubscriptionAction::revoked;
  return std::nullopt;
}

}  // namespace

void Session::Impl::route(xml::Element stanza) {
  if (take_roster_push(stanza) || take_subscription(stanza) || take_iq_duty(stanza)) return;
  Session& self = *owner;
  if (const auto handler = router.match(stanza, account_jid)) {
    (*handler)(self, stanza);
    return;
  }
  if (hooks.on_stanza) hooks.on_stanza(self, stanza);
  if (app.answer_unhandled_iqs && is_unanswered_request(stanza)) {
    reply_error(stanza, stanza::ErrorCondition::service_unavailable, {});
  }
}

bool Session::Impl::take_roster_push(xml::Element stanza) {
  if (!app.handle_roster_pushes || !app::is_roster_push(stanza)) return false;
  // RFC 6121 §2.1.6: only the account's server speaks for the roster; a push from anyone else
  // is refused and changes nothing (CVE-2014-0364).
  if (!app::from_own_account(stanza, account_jid)) {
    reply_error(stanza, stanza::ErrorCondition::service_unavailable, {});
    return true;
  }
  const auto iq = stanza::Iq::view(stanza);
  if (iq->check() != stanza::IqProblem::ok) {
    reply_error(stanza, stanza::ErrorCondition::bad_request, to_string(iq->check()));
    return true;
  }
  RosterQuery push = parse_roster_query(iq->payload(), true);
  if (push.problem != RosterProblem::ok) {
    reply_error(stanza, stanza::ErrorCondition::bad_request, to_string(push.problem));
    return true;
  }
  roster.apply_push(push.items.front(), push.version);
  (void)send_built([&](xml::Arena& arena) { return stanza::build_result(arena, stanza); });
  if (hooks.on_roster) {
    RosterUpdate update;
    update.items = std::move(push.items);
    hooks.on_roster(*owner, update);
  }
  return true;
}

bool Session::Impl::take_subscription(xml::Element stanza) {
  if (!hooks.on_subscription) return false;
  const auto action = subscription_action(stanza);
  const auto from = stanza.attribute("from");
  if (!action || !from) return false;
  auto jid = Jid::parse(*from);
  if (!jid) return false;
  const xml::Element status = stanza.child("status");
  const SubscriptionEvent event{*action, jid->bare(), status ? status.text() : std::string_view{},
                                stanza};
  hooks.on_subscription(*owner, event);
  return true;
}

bool Session::Impl::take_iq_duty(xml::Element stanza) {
  const auto iq = stanza::Iq::view(stanza);
  if (!iq || !iq->is_request()) return false;
  const stanza::IqProblem problem = iq->check();
  if (problem == stanza::IqProblem::several_payloads || problem == stanza::IqProblem::no_payload) {
    // RFC 6120 §8.2.3: a request must carry exactly one payload; no route can handle this one.
    // on_stanza still sees it (it sees every stanza no route took).
    if (!app.answer_unhandled_iqs) return false;
    if (hooks.on_stanza) hooks.on_stanza(*owner, stanza);
    reply_error(stanza, stanza::ErrorCondition::bad_request, to_string(problem));
    return true;
  }
  const app::Duty duty = app::duty_for(stanza, app);
  if (duty == app::Duty::none) return false;
  (void)send_built([&](xml::Arena& arena) { return app::answer_duty(arena, stanza, duty, app); });
  return true;
}

void Session::Impl::reply_error(xml::Element request, stanza::ErrorCondition condition,
                                std::string_view text) {
  if (!stanza::may_reply_with_error(request)) return;
  stanza::ErrorReply reply;
  reply.condition = condition;
  reply.text = text;
  // Best effort: when the output is full (would_block) the requester's own timeout covers it.
  (void)send_built(
      [&](xml::Arena& arena) { return stanza::build_error_reply(arena, request, reply); });
}

}  // namespace xmpp
