#include "component_driver.hpp"

#include <type_traits>
#include <utility>

namespace xmpp::posix::detail {

namespace {

/// The component port servers conventionally use (Prosody, ejabberd) when none is given.
constexpr std::uint16_t kComponentPort = 5347;
/// Receive rounds per pump, so that a flood of input cannot starve the application's
/// descriptors, timers and (in the epoll loop) the other connections.
constexpr int kMaxPumpRounds = 64;

bool fail_start(std::string* error, std::string why) {
  if (error) *error = std::move(why);
  return false;
}

}  // namespace

ComponentDriver::ComponentDriver(ComponentConfig config, std::string server,
                                 adapters::ComponentHooks hooks,
                                 const adapters::TransportOptions& options)
    : options_(options),
      component_(std::move(config)),
      server_(std::move(server)),
      hooks_(std::move(hooks)),
      transport_({options_.connect_timeout, options_.read_chunk, options_.max_pending_ciphertext}) {
}

bool ComponentDriver::start(dns::Resolver& resolver, DnsMode dns, std::string* error) {
  if (started_) return fail_start(error, "already started");
  if (const auto problem = validate(component_.config()); problem != ComponentConfigError::ok) {
    return fail_start(error, "invalid configuration: " + std::string(to_string(problem)));
  }
  // Checked here in both modes, so that a typo fails start() rather than a later lookup.
  if (!dns::parse_host_port(server_, kComponentPort)) {
    return fail_start(error, "not a host:port: '" + server_ + "'");
  }
  if (dns == DnsMode::blocking) {
    ResolvedTarget resolved =
        resolve_address(resolver, server_, kComponentPort, false, options_.dns.timeout);
    if (resolved.addresses.empty()) return fail_start(error, resolved.error);
    transport_.open(std::move(resolved.addresses), Clock::now());
    if (transport_.ended()) return fail_start(error, transport_.error());
    started_ = true;
    return true;
  }
  started_ = true;
  resolution_ =
      start_address_resolution(resolver, server_, kComponentPort, false,
                               [this](ResolvedTarget r) { open_transport(std::move(r)); });
  return true;
}

void ComponentDriver::open_transport(ResolvedTarget resolved) {
  resolution_.reset();  // the callback running now is kept alive by its caller
  if (resolved.addresses.empty()) {
    last_error_ = std::move(resolved.error);
    closed_ = CloseReason::connection_lost;  // no stream was started: no engine to tell
  } else {
    transport_.open(std::move(resolved.addresses), Clock::now());
  }
  if (on_resolved) on_resolved();
}

std::optional<TimePoint> ComponentDriver::next_deadline() const {
  std::optional<TimePoint> deadline = engine_connected_ ? component_.next_deadline() : std::nullopt;
  if (const auto other = transport_.deadline(); other && (!deadline || *other < *deadline)) {
    deadline = other;
  }
  return deadline;
}

int ComponentDriver::fd() const noexcept {
  return transport_.active() ? transport_.fd() : -1;
}

short ComponentDriver::poll_events() const noexcept {
  // Backpressure: no reading while the engine has not taken what was read.
  return transport_.poll_events(transport_.input().empty(), !component_.output().empty());
}

void ComponentDriver::on_ready(short revents, TimePoint now) {
  if (!transport_.active()) return;
  const TransportProgress progress = transport_.handle_ready(revents, now);
  if (progress.connected) {
    engine_connected_ = true;
    component_.connect(now);
  }
  pump(now);
}

void ComponentDriver::step(TimePoint now) {
  if (transport_.deadline() && now >= *transport_.deadline()) transport_.handle_timeout(now);
  if (engine_connected_) {
    if (const auto due = component_.next_deadline(); due && now >= *due) {
      component_.handle_timeout(now);
    }
  }
  pump(now);
}

void ComponentDriver::pump(TimePoint now) {
  for (int round = 0; round < kMaxPumpRounds; ++round) {
    bool progress = deliver_events();
    progress = write_output() || progress;
    progress = feed_input(now) || progress;
    if (transport_.ended() && !closed_) {
      last_error_ = transport_.error();
      if (engine_connected_) {
        component_.receive_eof(now);
      } else {
        closed_ = CloseReason::connection_lost;  // never connected: no engine to tell
      }
      progress = true;
    }
    progress = deliver_events() || progress;
    if (closed_ && transport_.active()) finish_closed();
    if (!progress) break;
  }
  if (closed_ && !stop_reported_) {
    stop_reported_ = true;
    if (hooks_.on_stopped) hooks_.on_stopped(component_, *closed_);
  }
}

bool ComponentDriver::write_output() {
  if (!transport_.connected()) return false;
  bool progress = false;
  while (!component_.output().empty()) {
    const std::string_view out = component_.output();
    const std::size_t taken = transport_.write(out);
    if (taken == 0) break;
    // The Component has no traffic hook of its own: the adapter reports what it wrote.
    if (hooks_.on_traffic) hooks_.on_traffic(TrafficDirection::sent, out.substr(0, taken));
    component_.consume_output(taken);
    progress = true;
  }
  return progress;
}

bool ComponentDriver::feed_input(TimePoint now) {
  const std::string_view input = transport_.input();
  if (input.empty()) return false;
  if (!engine_connected_ || closed_) {
    transport_.consume_input(input.size());  // the engine is done with this stream
    return false;
  }
  const ReceiveResult result = component_.receive(input, now);
  if (hooks_.on_traffic && result.consumed > 0) {
    hooks_.on_traffic(TrafficDirection::received, input.substr(0, result.consumed));
  }
  const bool stop = result.status == ReceiveStatus::closed ||
                    result.status == ReceiveStatus::stream_error ||
                    result.status == ReceiveStatus::invalid_state;
  transport_.consume_input(stop ? input.size() : result.consumed);
  return result.consumed > 0 || stop || result.status == ReceiveStatus::drain_needed;
}

/// The stream is over: write what is left (the closing tag, a stream error), then close.
void ComponentDriver::finish_closed() {
  write_output();
  transport_.close();
}

bool ComponentDriver::deliver_events() {
  bool any = false;
  while (auto event = component_.poll_event()) {
    any = true;
    if (hooks_.on_event) hooks_.on_event(component_, *event);
    std::visit(
        [&](auto& e) {
          using E = std::decay_t<decltype(e)>;
          if constexpr (std::is_same_v<E, event::Online>) {
            if (hooks_.on_online) hooks_.on_online(component_);
          } else if constexpr (std::is_same_v<E, event::Stanza>) {
            if (hooks_.on_stanza) hooks_.on_stanza(component_, e.element);
          } else if constexpr (std::is_same_v<E, event::Closed>) {
            closed_ = e.reason;
          }
        },
        *event);
  }
  return any;
}

}  // namespace xmpp::posix::detail
