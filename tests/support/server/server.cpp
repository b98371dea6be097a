// The test server's receive loop, its writes, stream errors and the closing handshake.
#include "server/server.hpp"

#include <array>
#include <utility>

#include "core/hex.hpp"
#include "stream/stream_header.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::testing {
namespace {

constexpr std::string_view kCloseTag = "</stream:stream>";

template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::array<std::string_view, N>& names) noexcept {
  const auto i = static_cast<std::size_t>(value);
  return i < N ? names[i] : "unknown";
}

constexpr std::array<std::string_view, 10> kPhaseNames = {
    "awaiting_tls",  "awaiting_header", "awaiting_starttls", "tls_handoff", "awaiting_auth", "sasl",
    "awaiting_bind", "online",          "closing",           "closed",
};
constexpr std::array<std::string_view, 17> kStepNames = {
    "header",       "features",    "proceed",    "tls_failure",    "sasl_challenge", "sasl_success",
    "sasl_failure", "bind_result", "bind_error", "session_result", "stream_error",   "close",
    "sm_enabled",   "sm_failed",   "sm_resumed", "sm_ack",         "sm_request",
};

// Elements are written inside our stream: jabber:client is the default namespace and `stream`
// is bound (RFC 6120 §4.8), so neither is declared again.
xml::WriteScope stream_scope() noexcept {
  xml::WriteScope scope;
  scope.default_ns = stream::kClientNamespace;
  scope.bind("stream", kStreamNamespace);
  return scope;
}

}  // namespace

std::string_view to_string(ServerPhase phase) noexcept {
  return name_of(phase, kPhaseNames);
}
std::string_view to_string(ServerStep step) noexcept {
  return name_of(step, kStepNames);
}

Server::Server(ServerConfig config, SessionStore* sessions)
    : config_(std::move(config)),
      entropy_(config_.entropy ? config_.entropy : counting_entropy()),
      parser_(config_.parser_limits),
      phase_(config_.direct_tls ? ServerPhase::awaiting_tls : ServerPhase::awaiting_header),
      own_store_(sessions ? nullptr : std::make_unique<SessionStore>()),
      store_(sessions ? sessions : own_store_.get()) {}

Server::~Server() {
  sm_stream_over(true);
}

// RFC 6120 §8: the three stanza kinds of the content namespace.
bool Server::is_stanza(xml::Element element) noexcept {
  if (element.ns() != stream::kClientNamespace) return false;
  const std::string_view name = element.name();
  return name == "message" || name == "presence" || name == "iq";
}

// ---------------------------------------------------------------------------------------------
// Inputs

std::size_t Server::receive(std::string_view bytes) {
  std::size_t pos = 0;
  const auto reading = [this] {
    return phase_ != ServerPhase::awaiting_tls && phase_ != ServerPhase::tls_handoff &&
           phase_ != ServerPhase::closed;
  };
  while (pos < bytes.size() && reading()) {
    const auto [consumed, event] = parser_.parse(bytes.substr(pos));
    pos += consumed;
    handle(event);
    if (restart_pending_) {
      // RFC 6120 §6.4.6: the client's new stream starts at the byte after the element that
      // completed SASL, possibly in this same buffer.
      parser_.reset();
      restart_pending_ = false;
    }
    if (event == xml::ParseEvent::need_more) break;
  }
  return pos;
}

void Server::handle(xml::ParseEvent event) {
  switch (event) {
    case xml::ParseEvent::need_more:
      return;
    case xml::ParseEvent::stream_open:
      on_header(parser_.header());
      return;
    case xml::ParseEvent::element: {
      const xml::Element element = parser_.element();
      // RFC 6120 §4.9: a stream error may come at any point and ends the stream.
      if (element.is("error", kStreamNamespace)) {
        on_client_error(element);
      } else {
        (this->*handler_of(phase_))(element);
      }
      return;
    }
    case xml::ParseEvent::stream_close:
      on_client_close();
      return;
    case xml::ParseEvent::error:
      fail_stream(parser_.error().condition, parser_.error().message);
      return;
  }
}

Server::Handler Server::handler_of(ServerPhase phase) noexcept {
  // Indexed by ServerPhase. The phases without a handler of their own never see an element
  // (no bytes are read in them, or the parser reports the header first): reject() is the
  // safe answer should one arrive.
  constexpr std::array<Handler, 10> kHandlers = {
      &Server::reject,           &Server::reject,           &Server::in_awaiting_starttls,
      &Server::reject,           &Server::in_awaiting_auth, &Server::in_sasl,
      &Server::in_awaiting_bind, &Server::in_online,        &Server::in_closing,
      &Server::reject,
  };
  const auto i = static_cast<std::size_t>(phase);
  return i < kHandlers.size() ? kHandlers[i] : &Server::reject;
}

void Server::receive_eof() {
  eof_ = true;
  phase_ = ServerPhase::closed;
  sm_stream_over(true);
}

void Server::connection_lost() {
  receive_eof();
  writes_.clear();
}

bool Server::tls_established(const sasl::TlsChannel& channel) {
  if (phase_ != ServerPhase::awaiting_tls && phase_ != ServerPhase::tls_handoff) return false;
  channel_ = channel;
  // RFC 6120 §5.4.3.3: the client opens a new stream over TLS; nothing of the old one counts.
  parser_.reset();
  forget_stream();
  phase_ = ServerPhase::awaiting_header;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Commands and drains

void Server::send_raw(std::string bytes) {
  if (!bytes.empty()) writes_.push_back(std::move(bytes));
}

bool Server::close() {
  if (close_sent_ || phase_ == ServerPhase::closed || phase_ == ServerPhase::awaiting_tls ||
      phase_ == ServerPhase::tls_handoff) {
    return false;
  }
  write(ServerStep::close, std::string(kCloseTag));
  close_sent_ = true;
  phase_ = ServerPhase::closing;
  return true;
}

std::vector<std::string> Server::take_writes() {
  return std::exchange(writes_, {});
}

void Server::rewrite(ServerStep step, std::string& bytes) {
  if (config_.rewrite) config_.rewrite(step, bytes);
}

void Server::write(ServerStep step, std::string bytes) {
  rewrite(step, bytes);
  send_raw(std::move(bytes));
}

void Server::forget_stream() {
  // RFC 6120 §4.3.3: after TLS and after SASL both streams are replaced, without closing tags.
  header_sent_ = false;
  client_from_.clear();
}

std::string Server::serialise(xml::Element element) {
  std::string out;
  // Trees from the parser or our builder always serialise (the parser's depth limit is far
  // below the writer's); an impossible failure leaves the write empty.
  (void)xml::write(element, out, stream_scope());
  arena_.reset();
  return out;
}

std::string Server::draw_hex(std::size_t bytes) {
  return hex_lower(crypto::bytes_of(random_bytes(entropy_, bytes)));
}

// ---------------------------------------------------------------------------------------------
// Errors and closing

void Server::fail_stream(StreamErrorCondition condition, std::string_view text,
                         std::string_view app_condition) {
  if (phase_ == ServerPhase::closed) return;
  error_sent_ = condition;
  error_text_ = text;
  phase_ = ServerPhase::closed;
  sm_stream_over(false);
  // RFC 6120 §4.4: nothing may follow our closing tag, not even an error.
  if (close_sent_) return;
  // RFC 6120 §4.9.1.2: an error while the stream is being set up still comes inside our
  // stream, so a header goes first when this stream has none yet.
  std::string bytes = header_sent_ ? std::string() : header_bytes();
  header_sent_ = true;
  StreamError error;
  error.condition = condition;
  error.text = std::string(text);
  std::string element = serialise(build_stream_error(error, arena_));
  if (element.empty()) {
    error.text.reset();  // a text XML cannot carry: send the condition alone
    element = serialise(build_stream_error(error, arena_));
  }
  // RFC 6120 §4.9.4: the application-specific condition is the last child of the error.
  constexpr std::string_view kErrorEnd = "</stream:error>";
  if (!app_condition.empty() && element.ends_with(kErrorEnd)) {
    element.insert(element.size() - kErrorEnd.size(), app_condition);
  }
  bytes += element;
  // RFC 6120 §4.9.1.1: the stream error is followed by the closing tag.
  bytes += kCloseTag;
  close_sent_ = true;
  write(ServerStep::stream_error, std::move(bytes));
}

void Server::reject(xml::Element element) {
  std::string text = "<";
  text += element.name();
  text += " xmlns='";
  text += element.ns();
  text += "'/> is not accepted in phase ";
  text += to_string(phase_);
  // RFC 6120 §4.9.3.12 and §7.1: stanzas before authentication and binding are refused with
  // not-authorized; any other unexpected element is an unsupported-stanza-type (§4.9.3.24).
  fail_stream(is_stanza(element) ? StreamErrorCondition::not_authorized
                                 : StreamErrorCondition::unsupported_stanza_type,
              text);
}

void Server::on_client_close() {
  client_closed_ = true;
  // RFC 6120 §4.4: the closing tag is answered with ours (unless ours came first).
  if (!close_sent_) write(ServerStep::close, std::string(kCloseTag));
  close_sent_ = true;
  phase_ = ServerPhase::closed;
  sm_stream_over(false);
}

void Server::on_client_error(xml::Element element) {
  error_received_ = parse_stream_error(element);
  // RFC 6120 §4.9.1.1: the stream is over; we close our side and wait for the client's tag.
  if (!close_sent_) write(ServerStep::close, std::string(kCloseTag));
  close_sent_ = true;
  phase_ = ServerPhase::closing;
}

}  // namespace xmpp::testing
