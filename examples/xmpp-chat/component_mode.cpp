// xmpp-chat as a XEP-0114 component: the same JSON lines, over one component stream (no stream
// management, no reconnection: the stream ending ends the tool).
#include <deque>
#include <string>

#include "auto_reply.hpp"
#include "chat_modes.hpp"
#include "command_input.hpp"
#include "emit.hpp"
#include "inbound.hpp"
#include "outbound.hpp"
#include "output.hpp"
#include "traffic_log.hpp"
#include "xmpp/adapters/posix.hpp"

namespace xmpp::chat {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t kMaxWaiting = 1024;

class ChatComponent {
 public:
  ChatComponent(const ChatOptions& options, const std::string& secret)
      : options_(options),
        input_(
            Mode::component, std::string(options.jid.str()),
            [this](InputCommand command) { on_command(std::move(command)); },
            [this] { on_input_end(); }) {
    ComponentConfig config(options.jid);
    config.secret = secret;
    posix::ComponentHooks hooks;
    hooks.on_online = [this](Component& component) {
      online_ = true;
      emit(output::online(component.config().domain.str(), false));
      flush_waiting();
    };
    hooks.on_stanza = [this](Component& component, xml::Element stanza) {
      auto reply = automatic_reply(stanza, Mode::component);
      if (!reply || reply->show) emit(inbound_event(stanza, Mode::component));
      if (reply) (void)component.send(reply->reply.get());
    };
    hooks.on_event = [this](Component&, const Event& event) {
      if (const auto* error = std::get_if<event::StreamErrorReceived>(&event)) {
        emit(output::error(to_string(error->error.condition), error->error.text.value_or("")));
      } else if (const auto* sent = std::get_if<event::StreamErrorSent>(&event)) {
        emit(output::error(to_string(sent->error.condition), sent->error.text.value_or("")));
      } else if (const auto* closed = std::get_if<event::Closed>(&event)) {
        emit(output::disconnected(to_string(closed->reason)));
        closed_ = closed->reason;
      }
    };
    hooks.on_traffic = [this](TrafficDirection direction, std::string_view bytes) {
      log_.write(direction, bytes);
    };
    adapter_ = std::make_unique<posix::ComponentClient>(
        std::move(config), server_string(*options.server), std::move(hooks));
  }

  int run() {
    std::string error;
    if (!options_.traffic_log.empty() && !log_.open(options_.traffic_log, error)) {
      std::fprintf(stderr, "xmpp-chat: %s\n", error.c_str());
      return 2;
    }
    if (!adapter_->start(&error)) {
      std::fprintf(stderr, "xmpp-chat: %s\n", error.c_str());
      return 1;
    }
    signals_ = signal_descriptor();
    if (signals_ >= 0) {
      adapter_->watch(signals_, [this](short) {
        (void)take_signal(signals_);
        close();
      });
    }
    adapter_->watch(0, [this](short) { input_.on_readable(); });
    while (adapter_->run_once(250ms)) {
      flush_waiting();
      if (input_.ended() && waiting_.empty() && adapter_->component().output().empty()) close();
      if (output_lost()) close();
      if (!input_.ended()) {
        if (waiting_.size() >= kMaxWaiting) {
          adapter_->unwatch(0);
        } else {
          adapter_->watch(0, [this](short) { input_.on_readable(); });
        }
      }
    }
    if (closed_ != CloseReason::local_close) {
      std::fprintf(stderr, "xmpp-chat: component stream ended: %s%s%s\n",
                   std::string(to_string(closed_.value_or(CloseReason::connection_lost))).c_str(),
                   adapter_->last_transport_error().empty() ? "" : " — ",
                   adapter_->last_transport_error().c_str());
      return 1;
    }
    return 0;
  }

 private:
  void on_command(InputCommand command) {
    if (auto* message = std::get_if<SendMessage>(&command)) {
      xml::Arena arena;
      waiting_.emplace_back(build_message(*message, Mode::component, arena));
    } else if (auto* raw = std::get_if<SendRaw>(&command)) {
      waiting_.push_back(std::move(raw->stanza));
    } else if (std::holds_alternative<Drop>(command)) {
      // A component stream has no stream management: cutting it could only lose stanzas.
      emit(output::error("bad-request",
                         "drop needs a client session (a component stream "
                         "cannot be resumed)"));
    } else if (std::holds_alternative<Quit>(command)) {
      close();
    }
    flush_waiting();
  }

  void on_input_end() { adapter_->unwatch(0); }

  void flush_waiting() {
    while (online_ && !closing_ && !waiting_.empty()) {
      const SendStatus status = adapter_->component().send(waiting_.front().get());
      if (status == SendStatus::would_block || status == SendStatus::not_online) return;
      if (status != SendStatus::ok) {
        emit(output::error("bad-stanza",
                           "the engine refused the stanza: " + std::string(to_string(status))));
      }
      waiting_.pop_front();
    }
  }

  void close() {
    if (closing_) return;
    closing_ = true;
    if (!waiting_.empty()) {
      emit(output::error("not-sent", std::to_string(waiting_.size()) +
                                         " stanzas were not sent before the stream closed"));
      waiting_.clear();
    }
    (void)adapter_->component().close(Clock::now());
  }

  const ChatOptions& options_;
  CommandInput input_;
  std::unique_ptr<posix::ComponentClient> adapter_;
  TrafficLog log_;
  std::deque<OwnedElement> waiting_;
  std::optional<CloseReason> closed_;
  bool online_ = false;
  bool closing_ = false;
  int signals_ = -1;
};

}  // namespace

int run_component(const ChatOptions& options, const std::string& secret) {
  ChatComponent component(options, secret);
  return component.run();
}

}  // namespace xmpp::chat
