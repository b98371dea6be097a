// SASL (RFC 6120 §6): choosing the mechanism, driving the exchange, restarting the stream.
#include <string>
#include <vector>

#include "client/client_impl.hpp"
#include "crypto/crypto.hpp"
#include "sasl/base64.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {
namespace {

// RFC 6120 §13.9.1: SASL data that is not strict base64 is a malformed element, not a
// mechanism failure: the server broke the stream protocol.
constexpr std::string_view kBadBase64 = "SASL data is not strict base64 (RFC 6120 §13.9.1)";

}  // namespace

stream::Flow Client::Impl::start_authentication() {
  if (features.mechanisms.empty()) {
    // RFC 6120 §6.3.3: a server that offers no mechanism cannot be authenticated to.
    core.finish(CloseReason::no_acceptable_mechanism, "the server offers no SASL mechanism");
    return stream::Flow::proceed;
  }
  const std::vector<std::string_view> offered(features.mechanisms.begin(),
                                              features.mechanisms.end());
  std::optional<std::vector<std::string_view>> bindings;
  if (features.channel_bindings) {
    bindings.emplace(features.channel_bindings->begin(), features.channel_bindings->end());
  }
  sasl::SelectionInput input;
  input.offered = offered;
  input.preference = config.mechanisms;
  input.tls = secure ? &tls.channel : nullptr;
  if (bindings) input.server_channel_bindings = std::span<const std::string_view>(*bindings);
  input.allow_plain_without_tls = config.allow_plain_without_tls;
  sasl::Selection selection;
  if (const auto error = sasl::select_mechanism(input, selection);
      error != sasl::SelectionError::ok) {
    core.finish(CloseReason::no_acceptable_mechanism, sasl::to_string(error));
    return stream::Flow::proceed;
  }

  mechanism = selection.mechanism;
  authenticator = std::make_unique<sasl::Authenticator>(selection, input.tls, config.scram);
  sasl::Credentials credentials = config.credentials;
  if (credentials.username.empty()) credentials.username = std::string(config.jid.local());
  std::optional<std::string> initial;
  const sasl::Error error = authenticator->start(credentials, config.entropy, initial);
  crypto::cleanse(credentials.password);
  if (error != sasl::Error::ok) {
    fail_authentication(error, sasl::to_string(error), false);  // nothing was sent yet
    return stream::Flow::proceed;
  }

  std::string data = sasl::encode_initial_response(initial);
  if (initial) crypto::cleanse(*initial);  // PLAIN: it holds the password
  xml::Builder auth(core.scratch_arena(), "auth", sasl::kNamespace);
  auth.attribute("mechanism", sasl::to_string(selection.mechanism)).text(data);
  crypto::cleanse(data);
  if (write(auth.root())) enter(ClientPhase::authenticating);
  return stream::Flow::proceed;
}

bool Client::Impl::decode_sasl(xml::Element element, std::optional<std::string>& data) {
  if (sasl::decode_sasl_data(element.text(), data) == sasl::Base64Error::ok) return true;
  core.fail_protocol(StreamErrorCondition::bad_format, kBadBase64);
  return false;
}

stream::Flow Client::Impl::on_sasl_challenge(xml::Element element) {
  std::optional<std::string> data;
  if (!decode_sasl(element, data)) return stream::Flow::proceed;
  std::string response;
  const sasl::Error error = authenticator->challenge(data.value_or(std::string()), response);
  if (error != sasl::Error::ok) {
    fail_authentication(error, sasl::to_string(error), true);
    return stream::Flow::proceed;
  }
  xml::Builder reply(core.scratch_arena(), "response", sasl::kNamespace);
  reply.text(sasl::encode_response(response));
  write(reply.root());
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_sasl_success(xml::Element element) {
  std::optional<std::string> data;
  if (!decode_sasl(element, data)) return stream::Flow::proceed;
  std::optional<std::string_view> additional;
  if (data) additional = *data;
  // For SCRAM this verifies the server's signature (v=) in constant time: a server that cannot
  // prove knowledge of the credentials is not trusted, whatever its <success/> says.
  if (const sasl::Error error = authenticator->success(additional); error != sasl::Error::ok) {
    // The exchange is over on the server's side: no <abort/>, the stream is just closed.
    fail_authentication(error, sasl::to_string(error), false);
    return stream::Flow::proceed;
  }
  core.push_event(event::Authenticated{*mechanism, authenticator->scram_keys()});
  authenticator.reset();
  authenticated = true;
  // Channel binding served SASL only; the data need not outlive it.
  tls.channel = {};
  // RFC 6120 §6.4.6: the client restarts the stream at once; the server's new header may follow
  // <success/> in the same read, so the parser restarts at the exact byte after it.
  core.restart_stream();
  features = {};
  open_stream();
  return stream::Flow::proceed;
}

stream::Flow Client::Impl::on_sasl_failure(xml::Element element) {
  const auto failure = sasl::parse_failure(element);
  event::AuthenticationFailed failed;
  failed.mechanism = *mechanism;
  failed.server_condition = failure ? failure->condition : sasl::FailureCondition::unknown;
  if (failure) failed.text = std::string(failure->text);
  failed.permanent = sasl::is_permanent(*failed.server_condition);
  authenticator.reset();
  const std::string detail(sasl::to_string(*failed.server_condition));
  core.push_event(std::move(failed));
  // RFC 6120 §6.4.5: the client may retry, but an authentication failure is permanent here: no
  // fallback to another (weaker) mechanism. The application decides whether to try again.
  core.finish(CloseReason::authentication_failed, detail);
  return stream::Flow::proceed;
}

void Client::Impl::fail_authentication(sasl::Error error, std::string_view text, bool abort) {
  if (abort) {
    // RFC 6120 §6.4.4: abort the exchange; the stream is closed right after, so the server's
    // <failure><aborted/></failure> is not waited for.
    xml::Builder element(core.scratch_arena(), "abort", sasl::kNamespace);
    core.write_element(element.root());
  }
  event::AuthenticationFailed failed;
  failed.mechanism = mechanism.value_or(sasl::Mechanism::plain);
  failed.error = error;
  failed.text = std::string(text);
  failed.permanent = true;
  authenticator.reset();
  core.push_event(std::move(failed));
  core.finish(CloseReason::authentication_failed, text);
}

}  // namespace xmpp
