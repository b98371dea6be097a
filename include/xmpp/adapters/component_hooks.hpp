// The callbacks of a XEP-0114 component driven by an adapter: one struct for every adapter
// (posix::ComponentClient, epoll::Loop::add_component()), so that a component's code moves from
// one driver to another unchanged.
#pragma once

#include <functional>
#include <string_view>

#include "xmpp/component.hpp"
#include "xmpp/session_hooks.hpp"

namespace xmpp::adapters {

/// Every hook runs on the thread that drives the adapter, after the engine call that produced
/// its event returned; a hook may call the Component's commands (send, close), and the adapter
/// writes what they produce before it waits again.
struct ComponentHooks {
  /// The handshake succeeded (ComponentPhase::online): send() is possible.
  std::function<void(Component&)> on_online;
  /// A stanza addressed to the component. The element is valid until the hook returns.
  std::function<void(Component&, xml::Element)> on_stanza;
  /// Every event of the engine, before the above (errors, Closed).
  std::function<void(Component&, const Event&)> on_event;
  /// Bytes exchanged, after the adapter wrote them / as received.
  std::function<void(TrafficDirection, std::string_view)> on_traffic;
  /// The component is done, with the reason its driver reports (ComponentClient::run()): after
  /// the Closed event when a stream was started, or alone when none could be (the address did
  /// not resolve, every connect failed: CloseReason::connection_lost, the adapter's
  /// last_transport_error() says why). Called once, last; nothing is sent after it.
  std::function<void(Component&, CloseReason)> on_stopped;
};

}  // namespace xmpp::adapters
