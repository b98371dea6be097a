// The component handshake (XEP-0114 §3) and going online.
#include "component/component_impl.hpp"
#include "component/handshake_digest.hpp"
#include "crypto/crypto.hpp"
#include "stream/stream_header.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {

stream::Flow Component::Impl::send_handshake() {
  auto digest = component_handshake_digest(core.server_header().id, config.secret);
  if (!digest) {
    core.finish(CloseReason::handshake_failed, "SHA-1 is unavailable in libcrypto");
    return stream::Flow::proceed;
  }
  xml::Builder handshake(core.scratch_arena(), "handshake", stream::kComponentNamespace);
  handshake.text(*digest);
  crypto::cleanse(*digest);
  if (write(handshake.root())) enter(ComponentPhase::handshaking);
  return stream::Flow::proceed;
}

stream::Flow Component::Impl::on_handshake(xml::Element element) {
  // XEP-0114 §3: the server answers a correct digest with an empty <handshake/> (a wrong one with
  // <stream:error><not-authorized/>, which StreamCore handles). Anything inside it is not the
  // protocol: fail closed rather than guess that it means success.
  if (!element.children().empty()) {
    core.fail_protocol(StreamErrorCondition::bad_format,
                       "the server's <handshake/> is not empty (XEP-0114 §3)");
    return stream::Flow::proceed;
  }
  return go_online();
}

stream::Flow Component::Impl::go_online() {
  enter(ComponentPhase::online);
  core.start_keepalive(now, config.keepalive_interval);
  core.push_event(event::Online{config.domain, false});
  return stream::Flow::proceed;
}

stream::Flow Component::Impl::on_stanza(xml::Element element) {
  core.push_stanza(element);
  return stream::Flow::proceed;
}

stream::Flow Component::Impl::ignore(xml::Element) {
  return stream::Flow::proceed;
}

}  // namespace xmpp
