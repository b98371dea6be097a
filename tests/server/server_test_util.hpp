// Helpers of the test server's tests: the client's bytes written by hand, and the client side
// of SASL computed by the library's own sasl::Authenticator (code independent of the server's).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "sasl/authenticator.hpp"
#include "server/server.hpp"

namespace xmpp::test {

using testing::Server;
using testing::ServerConfig;
using testing::ServerPhase;
using testing::ServerStep;

/// The client's stream header, as xmpp::Client writes it in the clear.
inline constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xml:lang='en' "
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
inline constexpr std::string_view kStartTls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
inline constexpr std::string_view kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
inline constexpr std::string_view kClose = "</stream:stream>";

/// TLS 1.3 with made-up channel-binding data for every type (tls-unique too, for -PLUS tests).
sasl::TlsChannel test_channel();

/// Gives `bytes` to the server, CHECKs that it consumed all of them, and returns its writes
/// joined.
std::string feed(testing::Server& server, std::string_view bytes);
/// The writes joined into one string.
std::string joined(const std::vector<std::string>& writes);

/// Header, STARTTLS, <proceed/>, TLS with `channel`, header again: returns the features of the
/// secure stream (REQUIREs every step).
std::string to_secure_features(testing::Server& server,
                               const sasl::TlsChannel& channel = test_channel());

/// The character data of a single element such as `<challenge xmlns='…'>DATA</challenge>`
/// ("" for an empty element).
std::string element_text(std::string_view element);

/// The client side of one SASL exchange.
class SaslClient {
 public:
  SaslClient(sasl::Selection selection, const sasl::TlsChannel* channel,
             std::string_view password = "s3cret", std::string_view username = "alice");
  /// `<auth mechanism='…'>initial response</auth>`.
  std::string auth();
  /// The <response/> to a server `<challenge/>` (REQUIREs the client accepts it).
  std::string respond(std::string_view challenge);
  /// What the client makes of the server's `<success/>` (ok: the server proved the password).
  sasl::Error success(std::string_view success);

 private:
  sasl::Authenticator authenticator_;
  sasl::Credentials credentials_;
};

/// A selection of `mechanism` (with `binding` and gs2 flag p for -PLUS).
sasl::Selection selection_of(sasl::Mechanism mechanism,
                             std::optional<sasl::ChannelBindingType> binding = std::nullopt,
                             sasl::Gs2Flag flag = sasl::Gs2Flag::n);

/// The bind request with id `id` asking for `resource` (none when empty).
std::string bind_request(std::string_view id, std::string_view resource);

/// STARTTLS, PLAIN as alice and a bind of `resource`: REQUIREs the server ends online.
void negotiate_online(testing::Server& server, std::string_view resource = "phone");

/// STARTTLS, PLAIN as `user` and the new stream header: returns the features offered after
/// authentication (REQUIREs every step).
std::string authenticate(testing::Server& server, std::string_view user = "alice",
                         std::string_view password = "s3cret");

// XEP-0198 elements as a client writes them.
inline constexpr std::string_view kEnable = "<enable xmlns='urn:xmpp:sm:3' resume='true'/>";
inline constexpr std::string_view kRequest = "<r xmlns='urn:xmpp:sm:3'/>";
/// `<a xmlns='urn:xmpp:sm:3' h='…'/>`.
std::string sm_ack(std::string_view h);
/// `<resume xmlns='urn:xmpp:sm:3' previd='…' h='…'/>`.
std::string sm_resume(std::string_view previd, std::string_view h);
/// A server configuration with stream management, and bob / b0b as a second account.
testing::ServerConfig sm_config();

}  // namespace xmpp::test
