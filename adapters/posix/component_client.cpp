// xmpp::posix::ComponentClient: one XEP-0114 component stream over plain TCP, with poll().
#include <poll.h>

#include <cerrno>
#include <type_traits>
#include <utility>
#include <vector>

#include "target_resolution.hpp"
#include "tcp_socket.hpp"
#include "transport.hpp"
#include "watch_set.hpp"
#include "xmpp/adapters/posix.hpp"

namespace xmpp::posix {

namespace {

/// The component port servers conventionally use (Prosody, ejabberd) when none is given.
constexpr std::uint16_t kComponentPort = 5347;
constexpr int kMaxPumpRounds = 64;

}  // namespace

struct ComponentClient::Impl {
  Impl(ComponentConfig config, std::string server_address, ComponentHooks component_hooks,
       Options opts)
      : options(std::move(opts)),
        component(std::move(config)),
        server(std::move(server_address)),
        hooks(std::move(component_hooks)),
        transport({options.connect_timeout, options.read_chunk, options.max_pending_ciphertext}) {}

  Options options;
  Component component;
  std::string server;
  ComponentHooks hooks;
  detail::Transport transport;
  std::unique_ptr<dns::Resolver> resolver;
  detail::WatchSet watches;
  std::string last_error;
  bool started = false;
  bool engine_connected = false;
  std::optional<CloseReason> closed;

  static TimePoint now() { return Clock::now(); }

  bool start(std::string* error) {
    if (started) return fail_start(error, "already started");
    std::string why;
    if (!resolver) {
      resolver = dns::Resolver::create(options.dns, &why);
      if (!resolver) return fail_start(error, "DNS: " + why);
    }
    if (const auto problem = validate(component.config()); problem != ComponentConfigError::ok) {
      return fail_start(error, "invalid configuration: " + std::string(to_string(problem)));
    }
    detail::ResolvedTarget resolved =
        detail::resolve_address(*resolver, server, kComponentPort, false, options.dns.timeout);
    if (resolved.addresses.empty()) return fail_start(error, resolved.error);
    transport.open(std::move(resolved.addresses), now());
    if (transport.ended()) return fail_start(error, transport.error());
    started = true;
    return true;
  }

  static bool fail_start(std::string* error, std::string why) {
    if (error) *error = std::move(why);
    return false;
  }

  bool running() const { return started && !closed; }

  bool run_once(std::chrono::milliseconds max_wait) {
    if (!running()) return false;
    step(now());
    if (!running()) return false;
    std::vector<pollfd> fds;
    const bool with_transport = transport.active();
    if (with_transport) {
      fds.push_back({transport.fd(),
                     transport.poll_events(transport.input().empty(), !component.output().empty()),
                     0});
    }
    watches.add_to(fds);
    const int timeout = detail::poll_timeout_ms(now(), next_deadline(), max_wait);
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if (ready < 0 && errno != EINTR) last_error = "poll(): " + detail::describe_errno(errno);
    if (ready > 0) {
      if (with_transport && fds[0].revents != 0 && transport.active()) {
        const detail::TransportProgress progress = transport.handle_ready(fds[0].revents, now());
        if (progress.connected) {
          engine_connected = true;
          component.connect(now());
        }
      }
      watches.dispatch(fds);
    }
    step(now());
    return running();
  }

  std::optional<TimePoint> next_deadline() const {
    std::optional<TimePoint> deadline = engine_connected ? component.next_deadline() : std::nullopt;
    if (const auto other = transport.deadline(); other && (!deadline || *other < *deadline)) {
      deadline = other;
    }
    return deadline;
  }

  void step(TimePoint now) {
    if (transport.deadline() && now >= *transport.deadline()) transport.handle_timeout(now);
    if (engine_connected) {
      if (const auto due = component.next_deadline(); due && now >= *due) {
        component.handle_timeout(now);
      }
    }
    pump(now);
  }

  void pump(TimePoint now) {
    for (int round = 0; round < kMaxPumpRounds; ++round) {
      bool progress = deliver_events();
      if (transport.connected()) {
        while (!component.output().empty()) {
          const std::string_view out = component.output();
          const std::size_t taken = transport.write(out);
          if (taken == 0) break;
          // The Component has no traffic hook of its own: the adapter reports what it wrote.
          if (hooks.on_traffic) hooks.on_traffic(TrafficDirection::sent, out.substr(0, taken));
          component.consume_output(taken);
          progress = true;
        }
      }
      const std::string_view input = transport.input();
      if (!input.empty()) {
        if (engine_connected && !closed) {
          const ReceiveResult result = component.receive(input, now);
          if (hooks.on_traffic && result.consumed > 0) {
            hooks.on_traffic(TrafficDirection::received, input.substr(0, result.consumed));
          }
          const bool stop = result.status == ReceiveStatus::closed ||
                            result.status == ReceiveStatus::stream_error ||
                            result.status == ReceiveStatus::invalid_state;
          transport.consume_input(stop ? input.size() : result.consumed);
          progress = progress || result.consumed > 0 || stop ||
                     result.status == ReceiveStatus::drain_needed;
        } else {
          transport.consume_input(input.size());
        }
      }
      if (transport.ended() && !closed) {
        last_error = transport.error();
        if (engine_connected) {
          component.receive_eof(now);
        } else {
          closed = CloseReason::connection_lost;  // never connected: no engine to tell
        }
        progress = true;
      }
      progress = deliver_events() || progress;
      if (closed && transport.active()) {
        // The stream is over: write what is left (the closing tag), then close.
        while (!component.output().empty() && transport.connected()) {
          const std::size_t taken = transport.write(component.output());
          if (taken == 0) break;
          component.consume_output(taken);
        }
        transport.close();
      }
      if (!progress) break;
    }
  }

  bool deliver_events() {
    bool any = false;
    while (auto event = component.poll_event()) {
      any = true;
      if (hooks.on_event) hooks.on_event(component, *event);
      std::visit(
          [&](auto& e) {
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, event::Online>) {
              if (hooks.on_online) hooks.on_online(component);
            } else if constexpr (std::is_same_v<E, event::Stanza>) {
              if (hooks.on_stanza) hooks.on_stanza(component, e.element);
            } else if constexpr (std::is_same_v<E, event::Closed>) {
              closed = e.reason;
            }
          },
          *event);
    }
    return any;
  }
};

ComponentClient::ComponentClient(ComponentConfig config, std::string server, ComponentHooks hooks,
                                 Options options)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(server), std::move(hooks),
                                   std::move(options))) {}

ComponentClient::~ComponentClient() = default;

bool ComponentClient::start(std::string* error) {
  return impl_->start(error);
}

CloseReason ComponentClient::run() {
  while (impl_->run_once(std::chrono::hours(1))) {
  }
  return impl_->closed.value_or(CloseReason::connection_lost);
}

bool ComponentClient::run_once(std::chrono::milliseconds max_wait) {
  return impl_->run_once(max_wait);
}

bool ComponentClient::run_until(const std::function<bool()>& done,
                                std::chrono::milliseconds limit) {
  return detail::run_until(
      done, limit, [this](std::chrono::milliseconds wait) { return impl_->run_once(wait); });
}

void ComponentClient::watch(int fd, std::function<void(short)> on_ready) {
  impl_->watches.watch(fd, std::move(on_ready));
}

void ComponentClient::unwatch(int fd) {
  impl_->watches.unwatch(fd);
}

Component& ComponentClient::component() noexcept {
  return impl_->component;
}

const std::string& ComponentClient::last_transport_error() const noexcept {
  return impl_->last_error;
}

}  // namespace xmpp::posix
