// The asynchronous resolver over one c-ares channel.
//
// c-ares calls a query's callback exactly once: when it completes, fails, is cancelled
// (ares_cancel) or its channel is destroyed (ares_destroy, ARES_EDESTRUCTION). Each query
// carries a heap Ticket naming its lookup, freed in that callback. The callback never runs
// user code: it moves the result into `ready`, and the public entry points deliver `ready`
// after c-ares has returned. So no user callback runs inside c-ares (where destroying the
// Resolver would free the channel under c-ares' feet) or inside lookup_*() (c-ares completes
// hosts-file lookups synchronously).
#include <ares.h>
#include <arpa/nameser.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ares_answers.hpp"
#include "ip_literal.hpp"
#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using SrvDone = std::function<void(SrvResult)>;
using AddressDone = std::function<void(AddressResult)>;

// c-ares' per-try timeout doubles on each round over the servers (ares_send.c), so with one
// server two tries take timeout/3 + 2*timeout/3: the whole of ResolverOptions::timeout. The
// Resolver's own deadline bounds a lookup with more servers or search domains.
constexpr int kTries = 2;

// ares_library_init() is not thread-safe and must precede any channel; it is never undone
// (ares_library_cleanup() would pull the rug from channels other code may own).
int library_init_status() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  return status;
}

milliseconds ceil_ms(Clock::duration d) {
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(d));
}

milliseconds to_ms(const timeval& tv) {
  return std::chrono::ceil<milliseconds>(std::chrono::seconds(tv.tv_sec) +
                                         std::chrono::microseconds(tv.tv_usec));
}

}  // namespace

struct Resolver::Impl {
  struct Lookup {
    Clock::time_point deadline;
    std::variant<SrvDone, AddressDone> done;
    RandomUpTo random;  // for SRV lookups
  };
  struct Ticket {
    Impl* impl;
    std::uint64_t id;
  };

  ares_channel channel = nullptr;
  milliseconds timeout{};
  std::uint64_t next_id = 1;
  std::map<std::uint64_t, Lookup> live;     // started, result not yet queued
  std::deque<std::function<void()>> ready;  // results waiting for delivery
  bool destroying = false;
  // Lets a delivery loop notice that a callback destroyed the Resolver.
  std::shared_ptr<bool> alive = std::make_shared<bool>(true);

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  ~Impl() {
    *alive = false;
    // ares_destroy() calls every pending callback with ARES_EDESTRUCTION; they see
    // `destroying`, free their tickets and queue nothing. Lookups still in `live` or `ready`
    // are then destroyed without their callbacks being called.
    destroying = true;
    if (channel != nullptr) ares_destroy(channel);
  }

  bool channel_busy() const {
    timeval tv{};
    // ares_timeout() returns its `maxtv` argument (here null) when no query is pending.
    return ares_timeout(channel, nullptr, &tv) != nullptr;
  }

  Ticket* start(Lookup lookup) {
    const std::uint64_t id = next_id++;
    live.emplace(id, std::move(lookup));
    return new Ticket{this, id};
  }

  // The lookup `ticket` names, taken out of `live`; nothing when the Resolver is being
  // destroyed or the lookup already ended (its deadline passed, or run_for() gave up on it).
  static std::optional<Lookup> finish(Ticket* ticket) {
    const std::unique_ptr<Ticket> owner(ticket);
    Impl& impl = *ticket->impl;
    if (impl.destroying) return std::nullopt;
    const auto it = impl.live.find(ticket->id);
    if (it == impl.live.end()) return std::nullopt;
    Lookup lookup = std::move(it->second);
    impl.live.erase(it);
    return lookup;
  }

  void queue_srv(Lookup lookup, detail::SrvAnswer answer) {
    ready.push_back([done = std::get<SrvDone>(std::move(lookup.done)),
                     random = std::move(lookup.random), answer = std::move(answer)]() mutable {
      SrvResult result;
      if (answer.outcome == SrvOutcome::found) {
        result = srv_result(std::move(answer.records), random);
      } else {
        result.outcome = answer.outcome;
        result.error = std::move(answer.error);
      }
      if (done) done(std::move(result));
    });
  }

  void queue_addresses(AddressDone done, AddressResult result) {
    ready.push_back([done = std::move(done), result = std::move(result)]() mutable {
      if (done) done(std::move(result));
    });
  }

  void queue_error(Lookup lookup, const std::string& error) {
    if (std::holds_alternative<SrvDone>(lookup.done)) {
      detail::SrvAnswer answer;
      answer.outcome = SrvOutcome::failed;
      answer.error = error;
      queue_srv(std::move(lookup), std::move(answer));
    } else {
      AddressResult result;
      result.error = error;
      queue_addresses(std::get<AddressDone>(std::move(lookup.done)), std::move(result));
    }
  }

  static void on_srv(void* arg, int status, int /*timeouts*/, unsigned char* reply,
                     int length) noexcept {
    auto* ticket = static_cast<Ticket*>(arg);
    Impl* impl = ticket->impl;
    std::optional<Lookup> lookup = finish(ticket);
    if (!lookup) return;
    impl->queue_srv(std::move(*lookup), detail::srv_answer(status, reply, length));
  }

  static void on_addresses(void* arg, int status, int /*timeouts*/,
                           ares_addrinfo* result) noexcept {
    const std::unique_ptr<ares_addrinfo, void (*)(ares_addrinfo*)> owner(result, ares_freeaddrinfo);
    auto* ticket = static_cast<Ticket*>(arg);
    Impl* impl = ticket->impl;
    std::optional<Lookup> lookup = finish(ticket);
    if (!lookup) return;
    impl->queue_addresses(std::get<AddressDone>(std::move(lookup->done)),
                          detail::address_answer(status, result));
  }

  // After c-ares ran: lookups past their deadline end with an error, and queries nobody waits
  // for any more are cancelled so that they hold no sockets.
  void settle(Clock::time_point now) {
    for (auto it = live.begin(); it != live.end();) {
      if (it->second.deadline <= now) {
        queue_error(std::move(it->second), "DNS lookup timed out");
        it = live.erase(it);
      } else {
        ++it;
      }
    }
    // Bounded: c-ares 1.18 starts no query from a cancelled callback, but a later version
    // moving on to the next search domain must not make this loop forever.
    for (int i = 0; i < 3 && live.empty() && channel_busy(); ++i)
      ares_cancel(channel);
  }

  void process_fd(ares_socket_t read_fd, ares_socket_t write_fd) {
    ares_process_fd(channel, read_fd, write_fd);
    settle(Clock::now());
  }

  // Runs the queued callbacks; stops when one of them destroyed the Resolver.
  static void deliver(Impl* impl) {
    const std::shared_ptr<bool> alive = impl->alive;
    while (*alive && !impl->ready.empty()) {
      std::function<void()> callback = std::move(impl->ready.front());
      impl->ready.pop_front();
      callback();
    }
  }
};

std::unique_ptr<Resolver> Resolver::create(const ResolverOptions& options, std::string* error) {
  auto fail = [&](const std::string& why) -> std::unique_ptr<Resolver> {
    if (error != nullptr) *error = why;
    return nullptr;
  };
  if (const int status = library_init_status(); status != ARES_SUCCESS) {
    return fail(std::string("c-ares initialisation failed: ") + ares_strerror(status));
  }
  auto impl = std::make_unique<Impl>();
  impl->timeout = std::max(options.timeout, milliseconds(1));
  ares_options ares{};
  const auto per_try = std::max<milliseconds::rep>(impl->timeout.count() / (2 * kTries - 1), 1);
  ares.timeout = static_cast<int>(std::min<milliseconds::rep>(per_try, 1'000'000'000));
  ares.tries = kTries;
  if (const int status =
          ares_init_options(&impl->channel, &ares, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
      status != ARES_SUCCESS) {
    impl->channel = nullptr;  // ares_init_options() frees what it made on failure
    return fail(std::string("c-ares channel: ") + ares_strerror(status));
  }
  if (!options.servers.empty()) {
    std::string csv;
    for (const std::string& server : options.servers) {
      if (server.empty() || server.find_first_of(std::string_view(",\0", 2)) != std::string::npos) {
        return fail("bad DNS server address: '" + server + "'");
      }
      if (!csv.empty()) csv += ',';
      csv += server;
    }
    if (const int status = ares_set_servers_ports_csv(impl->channel, csv.c_str());
        status != ARES_SUCCESS) {
      return fail("bad DNS server list '" + csv + "': " + ares_strerror(status));
    }
  }
  return std::unique_ptr<Resolver>(new Resolver(std::move(impl)));
}

Resolver::Resolver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Resolver::~Resolver() = default;

void Resolver::lookup_srv(const std::string& name, RandomUpTo random,
                          std::function<void(SrvResult)> done) {
  Impl::Lookup lookup{Clock::now() + impl_->timeout, std::move(done), std::move(random)};
  if (name.empty() || name.find('\0') != std::string::npos) {
    impl_->queue_error(std::move(lookup), "invalid DNS name");
    return;
  }
  Impl::Ticket* ticket = impl_->start(std::move(lookup));
  ares_query(impl_->channel, name.c_str(), ns_c_in, ns_t_srv, &Impl::on_srv, ticket);
}

void Resolver::lookup_addresses(const std::string& host, std::uint16_t port,
                                std::function<void(AddressResult)> done) {
  if (host.empty() || host.find('\0') != std::string::npos) {
    impl_->queue_addresses(std::move(done), AddressResult{{}, "invalid host name"});
    return;
  }
  if (auto literal = detail::ip_literal_address(host, port)) {
    impl_->queue_addresses(std::move(done), AddressResult{{*literal}, {}});
    return;
  }
  ares_addrinfo_hints hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // The service is a port number: never look it up in /etc/services.
  hints.ai_flags = ARES_AI_NUMERICSERV;
  const std::string service = std::to_string(port);
  Impl::Ticket* ticket =
      impl_->start(Impl::Lookup{Clock::now() + impl_->timeout, std::move(done), {}});
  ares_getaddrinfo(impl_->channel, host.c_str(), service.c_str(), &hints, &Impl::on_addresses,
                   ticket);
}

std::vector<Resolver::Socket> Resolver::sockets() const {
  std::vector<Socket> out;
  if (impl_->live.empty()) return out;
  ares_socket_t fds[ARES_GETSOCK_MAXNUM];
  const int bits = ares_getsock(impl_->channel, fds, ARES_GETSOCK_MAXNUM);
  for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
    const bool read = ARES_GETSOCK_READABLE(bits, i) != 0;
    const bool write = ARES_GETSOCK_WRITABLE(bits, i) != 0;
    if (read || write) out.push_back(Socket{fds[i], read, write});
  }
  return out;
}

std::chrono::milliseconds Resolver::next_timeout(std::chrono::milliseconds max) const {
  if (max <= milliseconds(0) || !impl_->ready.empty()) return milliseconds(0);
  milliseconds wait = max;
  if (impl_->channel_busy()) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(max);
    timeval limit{static_cast<time_t>(secs.count()),
                  static_cast<suseconds_t>((max - secs).count() * 1000)};
    timeval tv{};
    if (const timeval* t = ares_timeout(impl_->channel, &limit, &tv)) {
      wait = std::min(wait, to_ms(*t));
    }
  }
  const Clock::time_point now = Clock::now();
  for (const auto& [id, lookup] : impl_->live)
    wait = std::min(wait, ceil_ms(lookup.deadline - now));
  return wait;
}

void Resolver::process(int fd, bool readable, bool writable) {
  impl_->process_fd(readable ? fd : ARES_SOCKET_BAD, writable ? fd : ARES_SOCKET_BAD);
  Impl::deliver(impl_.get());
}

void Resolver::process_timeouts() {
  impl_->process_fd(ARES_SOCKET_BAD, ARES_SOCKET_BAD);
  Impl::deliver(impl_.get());
}

bool Resolver::busy() const noexcept {
  return !impl_->live.empty() || !impl_->ready.empty();
}

void Resolver::run_for(std::chrono::milliseconds limit) {
  Impl* const impl = impl_.get();
  const std::shared_ptr<bool> alive = impl->alive;
  const Clock::time_point end = Clock::now() + std::max(limit, milliseconds(0));
  std::vector<pollfd> fds;
  for (;;) {
    Impl::deliver(impl);
    if (!*alive || impl->live.empty()) return;  // `this` may be gone: touch nothing
    const Clock::time_point now = Clock::now();
    if (now >= end) break;
    fds.clear();
    for (const Socket& s : sockets()) {
      const auto events =
          static_cast<short>((s.want_read ? POLLIN : 0) | (s.want_write ? POLLOUT : 0));
      fds.push_back(pollfd{s.fd, events, 0});
    }
    const milliseconds wait = next_timeout(ceil_ms(end - now));
    const int n = poll(fds.data(), fds.size(),
                       static_cast<int>(std::min<milliseconds::rep>(wait.count(), 1'000'000'000)));
    if (n < 0 && errno != EINTR) break;  // cannot wait: give up as at the limit
    bool any = false;
    for (const pollfd& p : fds) {
      if (p.revents == 0) continue;
      any = true;
      // An error or hang-up is for c-ares to notice by reading.
      const bool readable = (p.revents & (POLLIN | POLLERR | POLLHUP | POLLNVAL)) != 0;
      const bool writable = (p.revents & POLLOUT) != 0;
      ares_process_fd(impl->channel, readable ? p.fd : ARES_SOCKET_BAD,
                      writable ? p.fd : ARES_SOCKET_BAD);
    }
    if (!any) ares_process_fd(impl->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    impl->settle(Clock::now());
  }
  // The limit passed: ares_cancel() ends every query with ARES_ECANCELLED, which reaches the
  // callbacks as an error; anything c-ares left running is ended here.
  ares_cancel(impl->channel);
  for (auto& [id, lookup] : impl->live)
    impl->queue_error(std::move(lookup), "DNS lookup cancelled");
  impl->live.clear();
  impl->settle(Clock::now());
  Impl::deliver(impl);
}

}  // namespace xmpp::dns
