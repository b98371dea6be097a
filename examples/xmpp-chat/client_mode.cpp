// xmpp-chat as a client: JSON commands in, JSON events out, the Session reconnecting and
// resuming by itself, over the adapter --adapter names (chat_driver.hpp: the same code and
// contract whichever it is).
#include <deque>
#include <string>

#include "chat_driver.hpp"
#include "chat_modes.hpp"
#include "command_input.hpp"
#include "emit.hpp"
#include "inbound.hpp"
#include "outbound.hpp"
#include "output.hpp"
#include "sm_state_file.hpp"
#include "traffic_log.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::chat {

namespace {

using namespace std::chrono_literals;

/// At end of input, how long the tool waits for acknowledgements before it closes anyway
/// (what is still unacknowledged is then reported as unconfirmed).
constexpr std::chrono::seconds kDrainLimit{30};
/// Commands waiting for the engine (not online yet, or its queue full) at most; standard input
/// is not read while this many wait, so memory stays bounded whatever is piped in.
constexpr std::size_t kMaxWaiting = 1024;
/// How often the stream management state is written to --sm-state at most.
constexpr std::chrono::milliseconds kSaveInterval{200};
/// How long a sent stanza may wait unacknowledged before the tool asks (XEP-0198 <r/>).
constexpr std::chrono::milliseconds kRequestAfter{200};

/// A stanza the user gave that the engine has not taken yet.
struct Waiting {
  OwnedElement stanza;
  std::string id;
};

TlsPolicy tls_policy(TlsMode mode) {
  switch (mode) {
    case TlsMode::starttls:
      return TlsPolicy::required;
    case TlsMode::direct:
      return TlsPolicy::direct;
    case TlsMode::none:
      return TlsPolicy::disabled;
  }
  return TlsPolicy::required;
}

std::string condition_of(const event::AuthenticationFailed& failed) {
  if (failed.server_condition) return std::string(sasl::to_string(*failed.server_condition));
  return "authentication-failed";
}

class ChatClient {
 public:
  ChatClient(const ChatOptions& options, std::optional<std::string> secret)
      : options_(options),
        input_(
            Mode::client, {}, [this](InputCommand command) { on_command(std::move(command)); },
            [this] { on_input_end(); }) {
    ClientConfig config(options.jid);
    config.resource =
        !options.resource.empty() ? options.resource : std::string(options.jid.resource());
    if (secret) {
      config.credentials.password = std::move(*secret);
    } else {
      config.mechanisms = {sasl::Mechanism::anonymous};
    }
    config.tls = tls_policy(options.tls);
    config.stream_management.enable = options.stream_management;
    // A scripting tool waits for acknowledgements at end of input: ask soon after a send rather
    // than after the library's 5 s, so a run of one message ends in milliseconds.
    config.stream_management.request_after = kRequestAfter;
    SessionConfig session_config(std::move(config));
    if (options.server) session_config.server = server_string(*options.server);

    adapters::TransportOptions adapter_options;
    adapter_options.tls.ca_file = options.ca_file;
    adapter_options.tls.insecure = options.insecure;
    adapter_ = make_driver(options.adapter, std::move(session_config), hooks(), adapter_options);
  }

  int run() {
    std::string error;
    if (!options_.traffic_log.empty() && !log_.open(options_.traffic_log, error)) {
      std::fprintf(stderr, "xmpp-chat: %s\n", error.c_str());
      return 2;
    }
    if (!adapter_) {  // parse_options() lets only the adapters of this build through
      std::fprintf(stderr, "xmpp-chat: this adapter is not available in this build\n");
      return 2;
    }
    if (!adapter_->start([this](Session& session) { restore_saved_state(session); }, &error)) {
      std::fprintf(stderr, "xmpp-chat: %s\n", error.c_str());
      return 2;
    }
    signals_ = signal_descriptor();
    if (signals_ >= 0) adapter_->watch(signals_, [this] { on_signal(); });
    adapter_->watch(0, [this] { input_.on_readable(); });

    while (adapter_->run_once(250ms)) {
      flush_waiting();
      pace_input();
      finish_input_when_done();
      save_state();
      if (output_lost() && !closing_) close();
      if (exit_now_) break;
    }
    return finish();
  }

 private:
  SessionHooks hooks() {
    SessionHooks hooks;
    hooks.on_event = [this](Session&, const Event& event) { on_event(event); };
    hooks.on_connect = [this](Session&, const event::Online& online) {
      // The Session sent initial presence (ApplicationConfig::send_initial_presence): on a fresh
      // session only, a resumed one still has it (XEP-0198 §5).
      emit(output::online(online.jid.str(), false));
      flush_waiting();
    };
    hooks.on_resume = [this](Session&, const event::Online& online) {
      emit(output::online(online.jid.str(), true));
      flush_waiting();
    };
    // Pings are answered by the Session's application layer and never get here; other IQ
    // requests are shown, then refused by it (ApplicationConfig::answer_unhandled_iqs).
    hooks.on_stanza = [this](Session&, xml::Element stanza) {
      emit(inbound_event(stanza, Mode::client));
    };
    hooks.on_acked = [this](Session&, const event::Acked& acked) {
      for (const auto& stanza : acked.stanzas) {
        if (stanza.tag != 0 && !stanza.id.empty()) emit(output::acked(stanza.id));
      }
      flush_waiting();
    };
    hooks.on_unconfirmed = [this](Session&, const event::Unconfirmed& back) {
      for (const auto& stanza : back.stanzas) {
        if (stanza.tag != 0 && !stanza.id.empty()) emit(output::unconfirmed(stanza.id));
      }
    };
    hooks.on_closed = [this](Session& session, const event::Closed& closed) {
      emit(output::disconnected(to_string(closed.reason)));
      const auto next = session.reconnect_policy().next_deadline();
      if (next && session.reconnect_policy().state() != ReconnectState::stopped) {
        const auto in = std::chrono::ceil<std::chrono::milliseconds>(*next - session.now());
        emit(output::reconnecting(
            static_cast<std::uint64_t>(std::max<std::int64_t>(0, in.count()))));
      }
    };
    hooks.on_stopped = [this](Session&, StopReason reason) { stopped_ = reason; };
    hooks.on_traffic = [this](TrafficDirection direction, std::string_view bytes) {
      log_.write(direction, bytes);
    };
    return hooks;
  }

  void on_event(const Event& event) {
    if (const auto* error = std::get_if<event::StreamErrorReceived>(&event)) {
      emit(output::error(to_string(error->error.condition), error->error.text.value_or("")));
    } else if (const auto* sent = std::get_if<event::StreamErrorSent>(&event)) {
      emit(output::error(to_string(sent->error.condition), sent->error.text.value_or("")));
    } else if (const auto* failed = std::get_if<event::AuthenticationFailed>(&event)) {
      emit(output::error(condition_of(*failed), failed->text));
    }
  }

  void on_command(InputCommand command) {
    if (auto* message = std::get_if<SendMessage>(&command)) {
      xml::Arena arena;
      const xml::Element element = build_message(*message, Mode::client, arena);
      waiting_.push_back({OwnedElement(element), message->id.value_or("")});
    } else if (auto* raw = std::get_if<SendRaw>(&command)) {
      std::string id(raw->stanza.get().attribute_or_empty("id"));
      waiting_.push_back({std::move(raw->stanza), std::move(id)});
    } else if (std::holds_alternative<Drop>(command)) {
      adapter_->drop_transport();
    } else if (std::holds_alternative<Quit>(command)) {
      close();
    }
    flush_waiting();
  }

  /// Hands waiting stanzas to the engine, in order, while it takes them.
  void flush_waiting() {
    Session& session = adapter_->session();
    while (!waiting_.empty() && !closing_) {
      const SendStatus status = session.send(waiting_.front().stanza.get(), next_tag_);
      if (status == SendStatus::not_online || status == SendStatus::would_block) return;
      if (status != SendStatus::ok) {
        emit(output::error("bad-stanza",
                           "the engine refused the stanza: " + std::string(to_string(status))));
      }
      ++next_tag_;
      waiting_.pop_front();
    }
  }

  void pace_input() {
    if (input_.ended()) return;
    const bool full = waiting_.size() >= kMaxWaiting;
    if (full && reading_) {
      adapter_->unwatch(0);
      reading_ = false;
    } else if (!full && !reading_) {
      adapter_->watch(0, [this] { input_.on_readable(); });
      reading_ = true;
    }
  }

  void on_input_end() {
    adapter_->unwatch(0);
    reading_ = false;
    drain_until_ = Clock::now() + kDrainLimit;
  }

  /// At end of input: close once everything sent is acknowledged (or, without stream
  /// management, written), or when the drain limit passed.
  void finish_input_when_done() {
    if (!drain_until_ || closing_) return;
    const Session& session = adapter_->session();
    const bool settled = waiting_.empty() &&
                         session.client().stream_management().unacked().empty() &&
                         session.output().empty();
    if (settled || Clock::now() >= *drain_until_) close();
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    // Stanzas the engine never took cannot be confirmed: say so, as the engine does for its own.
    for (const Waiting& waiting : waiting_) {
      if (!waiting.id.empty()) emit(output::unconfirmed(waiting.id));
    }
    waiting_.clear();
    if (adapter_->session().close(Clock::now()) != CommandStatus::ok) exit_now_ = true;
  }

  void on_signal() {
    (void)take_signal(signals_);
    // Already closing: the stream ends by itself; saving it now would keep a state the server
    // is about to forget.
    if (closing_) return;
    // With --sm-state a signal keeps the session for the next run: save it and leave without
    // closing the stream, so the server holds the session for resumption (XEP-0198 §5).
    if (!options_.sm_state_file.empty() &&
        adapter_->session().client().stream_management().resumable()) {
      save_state(true);
      keep_state_ = true;
      exit_now_ = true;
      return;
    }
    close();
  }

  /// Before the Session starts (ChatDriver::start()), so that the first attempt resumes.
  void restore_saved_state(Session& session) {
    if (options_.sm_state_file.empty()) return;
    std::string error;
    const auto saved = load_state(options_.sm_state_file, error);
    if (!error.empty()) std::fprintf(stderr, "xmpp-chat: %s\n", error.c_str());
    if (!saved) return;
    sm::RestoreError why{};
    if (session.restore_stream_management(saved->bytes, saved->age, Clock::now(), &why) !=
        CommandStatus::ok) {
      std::fprintf(stderr, "xmpp-chat: --sm-state %s not used: %s\n",
                   options_.sm_state_file.c_str(), std::string(sm::to_string(why)).c_str());
    }
    last_saved_ = saved->bytes;
  }

  void save_state(bool now = false) {
    if (options_.sm_state_file.empty()) return;
    const auto at = Clock::now();
    if (!now && at - last_save_time_ < kSaveInterval) return;
    last_save_time_ = at;
    const auto& sm = adapter_->session().client().stream_management();
    if (!sm.resumable()) return;
    std::string bytes = adapter_->session().client().save_stream_management(at);
    if (bytes == last_saved_) return;
    std::string error;
    if (store_state(options_.sm_state_file, bytes, error)) {
      last_saved_ = std::move(bytes);
    } else {
      std::fprintf(stderr, "xmpp-chat: %s\n", error.c_str());
    }
  }

  int finish() {
    if (!options_.sm_state_file.empty() && !keep_state_) remove_state(options_.sm_state_file);
    if (keep_state_) return 0;
    const StopReason reason = stopped_.value_or(StopReason::application);
    const bool normal = reason == StopReason::application || reason == StopReason::local_close;
    if (!normal) {
      std::fprintf(stderr, "xmpp-chat: stopped: %s%s%s\n", std::string(to_string(reason)).c_str(),
                   adapter_->last_transport_error().empty() ? "" : " — ",
                   adapter_->last_transport_error().c_str());
    }
    return normal ? 0 : 1;
  }

  const ChatOptions& options_;
  CommandInput input_;
  std::unique_ptr<ChatDriver> adapter_;
  TrafficLog log_;
  std::deque<Waiting> waiting_;
  std::uint64_t next_tag_ = 1;  // 0 marks the tool's own stanzas (presence, replies)
  std::optional<TimePoint> drain_until_;
  std::optional<StopReason> stopped_;
  bool closing_ = false;
  bool reading_ = true;
  bool exit_now_ = false;
  bool keep_state_ = false;
  int signals_ = -1;
  std::string last_saved_;
  TimePoint last_save_time_{};
};

}  // namespace

std::string server_string(const ServerAddress& address) {
  const bool v6 = address.host.find(':') != std::string::npos;
  return (v6 ? "[" + address.host + "]" : address.host) + ":" + std::to_string(address.port);
}

int run_client(const ChatOptions& options, std::optional<std::string> secret) {
  ChatClient client(options, std::move(secret));
  return client.run();
}

}  // namespace xmpp::chat
