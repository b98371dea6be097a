// The test server before authentication: the client's stream header, our header and features,
// STARTTLS and SASL (RFC 6120 §4.7, §4.3.2, §5, §6).
#include <algorithm>

#include "sasl/base64.hpp"
#include "server/server.hpp"
#include "stream/features.hpp"
#include "stream/stream_header.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::testing {
namespace {

bool ascii_iequal(std::string_view a, std::string_view b) noexcept {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    return lower(x) == lower(y);
  });
}

// Appends ` name='value'` (values XML cannot carry are left out: they come from the test's own
// configuration or from a header the parser already checked).
void append_attribute(std::string& out, std::string_view name, std::string_view value) {
  std::string escaped;
  if (xml::write_escaped_attribute(value, escaped) != xml::WriteStatus::ok) return;
  out += ' ';
  out += name;
  out += "='";
  out += escaped;
  out += '\'';
}

// A SASL element in urn:ietf:params:xml:ns:xmpp-sasl whose character data is `text`.
std::string sasl_element(std::string_view name, std::string_view text) {
  std::string out = "<";
  out += name;
  out += " xmlns='";
  out += sasl::kNamespace;
  if (text.empty()) return out + "'/>";
  out += "'>";
  out += text;
  out += "</";
  out += name;
  out += '>';
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Stream headers and features

void Server::on_header(xml::Element header) {
  client_from_ = header.attribute_or_empty("from");
  // RFC 6120 §4.8.2: the content namespace of a client stream is jabber:client.
  if (header.node()->default_ns != stream::kClientNamespace) {
    return fail_stream(StreamErrorCondition::invalid_namespace,
                       "the content namespace is not jabber:client (RFC 6120 §4.8.2)");
  }
  // RFC 6120 §4.7.5: version 1.0 announces support for this protocol; anything else (or none,
  // which means pre-1.0 jabber) is not served here.
  const auto version = stream::parse_stream_version(header.attribute_or_empty("version"));
  if (!version || version->major != 1) {
    return fail_stream(StreamErrorCondition::unsupported_version,
                       "the stream version is not 1.x (RFC 6120 §4.7.5)");
  }
  // RFC 6120 §4.7.3: the initiating entity MUST NOT set the stream id.
  if (header.attribute("id")) {
    return fail_stream(StreamErrorCondition::bad_format,
                       "the client set a stream id (RFC 6120 §4.7.3)");
  }
  // RFC 6120 §4.9.3.6: `to` must name a domain this server serves.
  if (!ascii_iequal(header.attribute_or_empty("to"), config_.domain)) {
    return fail_stream(StreamErrorCondition::host_unknown,
                       "the stream is not addressed to the domain served (RFC 6120 §4.7.2)");
  }
  open_stream();
}

std::string Server::header_bytes() {
  std::string id = config_.stream_id_prefix + std::to_string(++stream_count_);
  // RFC 6120 §4.7.1 and §9.1.1: the receiving entity's header carries a fresh id, its domain
  // as `from`, the client's `from` (if any) as `to`, version 1.0 and its xml:lang.
  std::string out =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams'";
  append_attribute(out, "id", id);
  append_attribute(out, "from", config_.domain);
  if (!client_from_.empty()) append_attribute(out, "to", client_from_);
  out += " version='1.0'";
  append_attribute(out, "xml:lang", config_.lang);
  out += '>';
  stream_ids_.push_back(std::move(id));
  return out;
}

void Server::open_stream() {
  std::string header = header_bytes();
  header_sent_ = true;
  std::string features = next_features();
  if (config_.split_header_and_features) {
    write(ServerStep::header, std::move(header));
    write(ServerStep::features, std::move(features));
    return;
  }
  rewrite(ServerStep::header, header);
  rewrite(ServerStep::features, features);
  send_raw(header + features);
}

std::string Server::next_features() {
  std::string out = "<stream:features>";
  offered_.clear();
  if (user_) {
    // RFC 6120 §7.2: after authentication, resource binding is mandatory-to-negotiate.
    out += "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>";
    if (config_.session == SessionOffer::required) {
      out += "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'/>";
    } else if (config_.session == SessionOffer::optional) {
      out += "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>";
    }
    // XEP-0198 §2: stream management is offered after authentication.
    if (config_.sm) out += "<sm xmlns='urn:xmpp:sm:3'/>";
    for (const auto& extra : config_.extra_features)
      out += extra;
    features_phase_ = ServerPhase::awaiting_bind;
    phase_ = features_phase_;
    return out + "</stream:features>";
  }
  // RFC 6120 §5.3.1: STARTTLS is offered on a stream in the clear.
  const bool offer_tls = !secure() && config_.starttls != StartTlsOffer::none;
  if (offer_tls) {
    out += "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>";
    if (config_.starttls == StartTlsOffer::required) out += "<required/>";
    out += "</starttls>";
  }
  if (!offer_tls || config_.sasl_before_tls) {
    // Channel binding and a certificate need TLS: no -PLUS nor EXTERNAL in the clear.
    for (const auto mechanism : config_.mechanisms) {
      if (secure() || (!sasl::is_plus(mechanism) && mechanism != sasl::Mechanism::external)) {
        offered_.push_back(mechanism);
      }
    }
  }
  if (!offered_.empty()) {
    out += "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
    for (const auto mechanism : offered_) {
      out += "<mechanism>";
      out += sasl::to_string(mechanism);
      out += "</mechanism>";
    }
    out += "</mechanisms>";
    // XEP-0440: the channel-binding types the server supports, next to the mechanisms.
    if (secure() && config_.channel_binding_types) {
      out += "<sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'>";
      for (const auto type : *config_.channel_binding_types) {
        out += "<channel-binding type='";
        out += sasl::to_string(type);
        out += "'/>";
      }
      out += "</sasl-channel-binding>";
    }
  }
  features_phase_ = offer_tls ? ServerPhase::awaiting_starttls : ServerPhase::awaiting_auth;
  phase_ = features_phase_;
  return out + "</stream:features>";
}

// ---------------------------------------------------------------------------------------------
// STARTTLS

void Server::in_awaiting_starttls(xml::Element element) {
  if (element.is("starttls", stream::kTlsNamespace)) {
    if (config_.refuse_starttls) {
      // RFC 6120 §5.4.2.2: <failure/>, then the receiving entity closes the stream.
      write(ServerStep::tls_failure, "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
      close();
      return;
    }
    write(ServerStep::proceed, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    // RFC 6120 §5.4.3.3: the streams in the clear end here without closing tags; the next
    // bytes are TLS, then a new stream.
    forget_stream();
    phase_ = ServerPhase::tls_handoff;
    return;
  }
  // SASL in the clear, when the configuration offered it next to STARTTLS.
  if (!offered_.empty() && element.is("auth", sasl::kNamespace)) return start_sasl(element);
  reject(element);
}

// ---------------------------------------------------------------------------------------------
// SASL

void Server::in_awaiting_auth(xml::Element element) {
  if (element.is("auth", sasl::kNamespace)) return start_sasl(element);
  reject(element);
}

void Server::start_sasl(xml::Element auth) {
  const auto mechanism = sasl::mechanism_from_string(auth.attribute_or_empty("mechanism"));
  SaslReply refused;
  refused.kind = SaslReply::Kind::failure;
  // RFC 6120 §6.4.2: the mechanism must be one of those offered (§6.5.7 invalid-mechanism).
  if (!mechanism || std::find(offered_.begin(), offered_.end(), *mechanism) == offered_.end()) {
    refused.condition = sasl::FailureCondition::invalid_mechanism;
    refused.reason = "a mechanism not offered";
    return apply(std::move(refused));
  }
  // RFC 6120 §6.4.2: no data means no initial response, "=" an empty one; otherwise strict
  // base64 (§13.9.1), else incorrect-encoding (§6.5.4).
  std::optional<std::string> initial;
  if (sasl::decode_sasl_data(auth.text(), initial) != sasl::Base64Error::ok) {
    refused.condition = sasl::FailureCondition::incorrect_encoding;
    refused.reason = "the initial response is not base64";
    return apply(std::move(refused));
  }
  exchange_.emplace(*mechanism);
  apply(exchange_->step(initial ? std::optional<std::string_view>(*initial) : std::nullopt,
                        sasl_context()));
}

void Server::in_sasl(xml::Element element) {
  if (element.is("abort", sasl::kNamespace)) {
    // RFC 6120 §6.4.4: an aborted exchange is answered with <failure><aborted/></failure>.
    SaslReply aborted;
    aborted.condition = sasl::FailureCondition::aborted;
    aborted.reason = "the client aborted";
    return apply(std::move(aborted));
  }
  if (!element.is("response", sasl::kNamespace)) return reject(element);
  std::optional<std::string> data;
  if (sasl::decode_sasl_data(element.text(), data) != sasl::Base64Error::ok) {
    SaslReply refused;
    refused.condition = sasl::FailureCondition::incorrect_encoding;
    refused.reason = "the response is not base64";
    return apply(std::move(refused));
  }
  // An empty <response/> is an empty response (RFC 6120 §6.4.3).
  const std::string payload = data.value_or(std::string());
  apply(exchange_->step(std::string_view(payload), sasl_context()));
}

SaslContext Server::sasl_context() const {
  const bool plus_offered = std::any_of(offered_.begin(), offered_.end(), sasl::is_plus);
  return SaslContext{config_, channel_ ? &*channel_ : nullptr, plus_offered, entropy_};
}

void Server::apply(SaslReply reply) {
  switch (reply.kind) {
    case SaslReply::Kind::challenge:
      // RFC 6120 §6.4.3: challenge data is base64; none is an empty element.
      write(ServerStep::sasl_challenge,
            sasl_element("challenge",
                         reply.data.empty() ? std::string() : sasl::base64_encode(reply.data)));
      phase_ = ServerPhase::sasl;
      return;
    case SaslReply::Kind::success:
      user_ = exchange_->user();
      mechanism_ = exchange_->mechanism();
      exchange_.reset();
      // RFC 6120 §6.3.10: additional data with success is base64; none is an empty element.
      write(ServerStep::sasl_success,
            sasl_element("success",
                         reply.data.empty() ? std::string() : sasl::base64_encode(reply.data)));
      // RFC 6120 §6.4.6: both streams restart at the byte after <success/>, without closing
      // tags; the client's new header may follow in the same buffer.
      forget_stream();
      restart_pending_ = true;
      phase_ = ServerPhase::awaiting_header;
      return;
    case SaslReply::Kind::failure: {
      exchange_.reset();
      ++sasl_failures_;
      sasl_failure_reason_ = std::move(reply.reason);
      std::string condition = "<";
      condition += sasl::to_string(reply.condition);
      condition += "/>";
      std::string failure = sasl_element("failure", condition);
      write(ServerStep::sasl_failure, std::move(failure));
      // RFC 6120 §6.4.5: the client may try again with the features it was offered.
      phase_ = features_phase_;
      return;
    }
  }
}

}  // namespace xmpp::testing
