// A scriptable Sans-IO test server engine: the receiving entity of RFC 6120 client-to-server
// negotiation (stream header, STARTTLS or direct TLS, SASL verified for real, resource binding,
// legacy session), then stanzas, with XEP-0198 stream management (acks both ways, resumption
// across connections through a shared SessionStore). It plays the server against xmpp::Client
// in memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/sasl_exchange.hpp"
#include "server/server_config.hpp"
#include "server/session_store.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/sasl.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/stream_parser.hpp"

namespace xmpp::testing {

/// The server side of one client connection, as a pure state object: bytes and TLS hand-offs
/// in, writes out. It never does I/O, reads no clock and draws randomness only from
/// ServerConfig::entropy.
///
/// The caller's loop: give the client's bytes to receive() (it reports how many it took; the
/// rest belongs to TLS after <proceed/>), call tls_established() when phase() is tls_handoff
/// (or awaiting_tls for direct TLS), and after every call move take_writes() to the client, one
/// transport write each: the boundaries are kept so a test can model servers that send header
/// and features together (Prosody) or apart (ejabberd).
///
/// Anything the client sends is safe to give: a breach of the protocol ends the stream with a
/// stream error (error_sent()), never with a crash.
///
/// Stream management (ServerConfig::sm): the sessions live in a SessionStore shared by the
/// Server of every connection of a test (one is made for this Server when none is given). A
/// Server must not outlive its store; it cannot be copied or moved (the store points at it
/// while it serves a session).
class Server {
 public:
  explicit Server(ServerConfig config, SessionStore* sessions = nullptr);
  /// A Server destroyed while serving a session counts as a lost connection.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // --- inputs ---

  /// Reads the client's bytes and returns how many were consumed: all of them, unless the
  /// stream stopped inside them (after the <starttls/> answered with <proceed/>, the rest is
  /// TLS; after a stream error or the closing handshake, the rest is ignored). Consumes nothing
  /// in awaiting_tls, tls_handoff and closed.
  std::size_t receive(std::string_view bytes);
  /// The client's side of the transport ended. A resumable session hibernates (XEP-0198 §5),
  /// unless a closing tag was sent; the store's now() starts its window.
  void receive_eof();
  /// The transport died in both directions (a test's link was cut): as receive_eof(), and the
  /// writes not yet taken are dropped, since they can no longer arrive.
  void connection_lost();
  /// TLS is up (after <proceed/>, or before anything with direct TLS): `channel` is the
  /// server's view of the channel-binding data. Returns false (and changes nothing) in any
  /// phase other than tls_handoff and awaiting_tls.
  bool tls_established(const sasl::TlsChannel& channel);

  // --- commands ---

  /// Queues `bytes` as one write, untouched by ServerConfig::rewrite (a stanza, a stream error,
  /// a closing tag, a <proceed/> nobody asked for...). The state does not change.
  void send_raw(std::string bytes);
  /// Sends our closing tag (RFC 6120 §4.4) and waits for the client's. Returns false (nothing
  /// sent) when it was already sent, the stream is over, or TLS is being set up.
  bool close();
  /// Sends a stanza of ours (serialised within the stream, e.g. `<message from='…'>…`): once
  /// stream management is enabled it is counted and kept until the client acknowledges it
  /// (XEP-0198 §4), and our <r/> follows every ServerConfig::sm_request_every stanzas. Not
  /// rewritten. Returns false (nothing sent) unless the stream is online.
  bool send_stanza(std::string xml);
  /// Sends our <r/> (XEP-0198 §4). Returns false (nothing sent) unless the stream is online
  /// with stream management enabled.
  bool request_ack();

  // --- drains ---

  /// The writes made since the last call, in order, one string per write.
  std::vector<std::string> take_writes();

  // --- getters ---

  ServerPhase phase() const noexcept { return phase_; }
  /// Whether TLS was established on this connection.
  bool secure() const noexcept { return channel_.has_value(); }
  /// The authenticated localpart, once SASL succeeded.
  const std::optional<std::string>& authenticated_user() const noexcept { return user_; }
  /// The mechanism of the successful exchange.
  std::optional<sasl::Mechanism> mechanism() const noexcept { return mechanism_; }
  /// The full JID bound (RFC 6120 §7), once the bind result was sent.
  const std::optional<Jid>& bound_jid() const noexcept { return bound_jid_; }
  /// Whether a legacy session request was answered (RFC 3921 §3).
  bool session_established() const noexcept { return session_established_; }
  /// Each stream id we sent, in order (one per stream header).
  const std::vector<std::string>& stream_ids() const noexcept { return stream_ids_; }
  /// Each top-level element the client sent once online (other than a session request),
  /// serialised within the stream's namespace scope (so `<message to='…'>` without xmlns).
  const std::vector<std::string>& received_stanzas() const noexcept { return stanzas_; }
  /// The stream error we sent, if any, and its text.
  std::optional<StreamErrorCondition> error_sent() const noexcept { return error_sent_; }
  const std::string& error_text() const noexcept { return error_text_; }
  /// The stream error the client sent, if any.
  const std::optional<StreamError>& error_received() const noexcept { return error_received_; }
  /// Whether the client sent its closing tag; whether its transport ended.
  bool client_closed() const noexcept { return client_closed_; }
  bool eof() const noexcept { return eof_; }
  /// SASL failures sent so far, and the reason of the last (e.g. "e=invalid-proof").
  std::size_t sasl_failures() const noexcept { return sasl_failures_; }
  const std::string& sasl_failure_reason() const noexcept { return sasl_failure_reason_; }
  /// Whether stream management is enabled (or was resumed) on this connection and still runs.
  bool sm_enabled() const noexcept { return sm_ != nullptr; }
  /// The stream-management session this connection serves or served (null when none): still
  /// readable after the connection ended.
  const SmSession* sm_session() const { return sm_id_.empty() ? nullptr : store_->find(sm_id_); }
  /// The store holding the sessions (the one given to the constructor, or our own).
  SessionStore& sessions() noexcept { return *store_; }
  const SessionStore& sessions() const noexcept { return *store_; }
  const ServerConfig& config() const noexcept { return config_; }
  /// The configuration, to change between calls (e.g. a new rewrite hook); a change applies
  /// from the next step that reads it. `entropy` and `parser_limits` are read once, by the
  /// constructor.
  ServerConfig& config() noexcept { return config_; }

 private:
  /// The handler of the client's top-level elements in one phase.
  using Handler = void (Server::*)(xml::Element);

  // server.cpp: the receive loop, writes, errors, closing
  void handle(xml::ParseEvent event);
  void rewrite(ServerStep step, std::string& bytes);
  void write(ServerStep step, std::string bytes);
  /// `app_condition`: an application-specific condition element (RFC 6120 §4.9.4), written
  /// after the text.
  void fail_stream(StreamErrorCondition condition, std::string_view text,
                   std::string_view app_condition = {});
  void reject(xml::Element element);
  void on_client_close();
  void on_client_error(xml::Element element);
  void forget_stream();
  std::string serialise(xml::Element element);
  std::string draw_hex(std::size_t bytes);

  // negotiation.cpp: header, features, STARTTLS, SASL
  void on_header(xml::Element header);
  std::string header_bytes();
  void open_stream();
  std::string next_features();
  void in_awaiting_starttls(xml::Element element);
  void in_awaiting_auth(xml::Element element);
  void in_sasl(xml::Element element);
  void start_sasl(xml::Element auth);
  void apply(SaslReply reply);
  SaslContext sasl_context() const;

  // binding.cpp: bind, session, online
  void in_awaiting_bind(xml::Element element);
  void in_online(xml::Element element);
  void in_closing(xml::Element element);
  bool answer_session(xml::Element element);
  static bool is_stanza(xml::Element element) noexcept;

  // stream_management.cpp: XEP-0198
  bool handle_sm(xml::Element element);
  void sm_before_bind(xml::Element element);
  void sm_online(xml::Element element);
  void enable_sm(xml::Element enable);
  void resume_sm(xml::Element resume);
  void answer_request();
  void take_ack(xml::Element ack);
  bool check_ack(const SmSession& session, std::uint32_t h);
  void sm_failed(std::string_view condition, std::optional<std::uint32_t> h);
  void count_stanza(xml::Element element, const std::string& xml);
  void transmit(std::string xml);
  void sm_stream_over(bool lost);
  void taken_over();

  static Handler handler_of(ServerPhase phase) noexcept;

  ServerConfig config_;
  sasl::Entropy entropy_;  // config_.entropy, or a counter
  xml::StreamParser parser_;
  xml::Arena arena_{512};  // trees we build to write, reset after each
  ServerPhase phase_;
  std::vector<std::string> writes_;
  std::unique_ptr<SessionStore> own_store_;  // when no store was given
  SessionStore* store_;

  // Stream management on this connection (XEP-0198)
  SmSession* sm_ = nullptr;               // the session served, while SM runs here
  std::string sm_id_;                     // the id of the session served, kept after it ends
  std::uint32_t sent_since_request_ = 0;  // stanzas sent since our last <r/>

  // This stream (forgotten at each restart)
  bool header_sent_ = false;              // our header for the current stream is out
  std::string client_from_;               // the client's `from`, our `to` (RFC 6120 §4.7.2)
  bool restart_pending_ = false;          // reset the parser once the current element is handled
  std::vector<sasl::Mechanism> offered_;  // the mechanisms of the features just sent
  ServerPhase features_phase_ = ServerPhase::awaiting_auth;  // the phase they led to

  // The connection
  std::optional<sasl::TlsChannel> channel_;
  std::optional<SaslExchange> exchange_;
  std::optional<std::string> user_;
  std::optional<sasl::Mechanism> mechanism_;
  std::optional<Jid> bound_jid_;
  bool session_established_ = false;
  bool close_sent_ = false;
  bool client_closed_ = false;
  bool eof_ = false;
  std::size_t stream_count_ = 0;
  std::vector<std::string> stream_ids_;
  std::vector<std::string> stanzas_;
  std::optional<StreamErrorCondition> error_sent_;
  std::string error_text_;
  std::optional<StreamError> error_received_;
  std::size_t sasl_failures_ = 0;
  std::string sasl_failure_reason_;
};

}  // namespace xmpp::testing
