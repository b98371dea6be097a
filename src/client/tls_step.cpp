// STARTTLS (RFC 6120 §5) and the hand-off to the caller's TLS layer.
#include "client/client_impl.hpp"
#include "stream/features.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {

stream::Flow Client::Impl::request_starttls() {
  xml::Builder starttls(core.scratch_arena(), "starttls", stream::kTlsNamespace);
  if (write(starttls.root())) enter(ClientPhase::starttls_requested);
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_tls_proceed(xml::Element) {
  // RFC 6120 §5.4.3.3: the bytes after <proceed/> are the TLS handshake, and everything learned
  // on the stream so far is discarded. Our stream in the clear is gone too: no closing tag may
  // follow it, so the core forgets that it is open.
  core.restart_stream();
  features = {};
  enter(ClientPhase::tls_handoff);
  return stream::Flow::tls_handoff;
}

stream::Flow Client::Impl::on_tls_failure(xml::Element) {
  // RFC 6120 §5.4.2.2: the server closes the stream and the TCP connection after <failure/>.
  core.finish(CloseReason::tls_failed, "the server refused STARTTLS");
  return stream::Flow::proceed;
}

void Client::Impl::on_tls_established(const TlsInfo& info) {
  if (config.require_verified_certificate && !info.peer_verified) {
    // Nothing was sent over this TLS session yet, so there is no stream to close.
    core.finish(CloseReason::tls_unverified,
                "the TLS layer could not verify the server's certificate");
    return;
  }
  tls = info;
  secure = true;
  open_stream();
}

}  // namespace xmpp
