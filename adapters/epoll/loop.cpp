// xmpp::epoll::Loop: many Sessions and XEP-0114 components, one epoll instance, one thread. Each
// connection's logic is the driver the POSIX adapter uses too (adapters/posix/session_driver.hpp,
// component_driver.hpp, behind the Driver interface); this file only decides when to wake and
// whom to visit:
//   - every descriptor (session sockets, the resolver's sockets, the application's) is in one
//     epoll set, level-triggered, its interest changed only when it changes, and an event leads
//     through a registration token straight to its owner;
//   - timers are one DeadlineHeap over the sessions' next_deadline();
//   - a session whose state may have changed (an event, a timer, a resolution, session(id)) goes
//     on the dirty list and is stepped, re-registered and re-armed before the loop waits again.
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../posix/component_driver.hpp"
#include "../posix/session_driver.hpp"
#include "../posix/tcp_socket.hpp"
#include "../posix/watch_set.hpp"
#include "deadline_heap.hpp"
#include "xmpp/adapters/epoll.hpp"

namespace xmpp::epoll {

namespace {

using posix::detail::ComponentDriver;
using posix::detail::Driver;
using posix::detail::SessionDriver;

constexpr int kMaxEvents = 256;
/// Dirty-list rounds per visit: hooks that keep marking each other cannot hold up the wait.
constexpr int kMaxSyncRounds = 16;

std::uint32_t to_epoll(short events) {
  std::uint32_t out = 0;
  if ((events & POLLIN) != 0) out |= EPOLLIN;
  if ((events & POLLOUT) != 0) out |= EPOLLOUT;
  return out;
}

short to_poll(std::uint32_t events) {
  short out = 0;
  if ((events & EPOLLIN) != 0) out |= POLLIN;
  if ((events & EPOLLOUT) != 0) out |= POLLOUT;
  if ((events & EPOLLERR) != 0) out |= POLLERR;
  if ((events & (EPOLLHUP | EPOLLRDHUP)) != 0) out |= POLLHUP;
  return out;
}

}  // namespace

struct Loop::Impl {
  /// One descriptor in the epoll set, found by the token in epoll_event::data.
  struct Registration {
    enum class Kind : unsigned char { session, resolver, watch } kind;
    int fd = -1;
    SessionId id = 0;  // session
  };

  struct Conn {
    std::unique_ptr<Driver> driver;
    // The same object as `driver`, typed: one of them is set.
    SessionDriver* session = nullptr;
    ComponentDriver* component = nullptr;
    // The registration of the transport's socket (token 0: none).
    std::uint64_t token = 0;
    int fd = -1;
    std::uint64_t serial = 0;
    std::uint32_t events = 0;
    // The armed deadline and its heap generation.
    std::optional<TimePoint> armed;
    std::uint64_t generation = 0;
    bool dirty = false;
    bool running = false;
  };

  struct Watch {
    std::uint64_t token = 0;
    std::shared_ptr<std::function<void(std::uint32_t)>> callback;
  };

  struct ResolverSocket {
    std::uint64_t token = 0;
    std::uint32_t events = 0;
  };

  explicit Impl(Options opts) : options(std::move(opts)) {
    epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd < 0) epoll_error = "epoll_create1(): " + posix::detail::describe_errno(errno);
  }

  ~Impl() {
    graveyard.clear();
    sessions.clear();  // before the resolver (in io) their resolutions refer to
    if (epoll_fd >= 0) ::close(epoll_fd);
  }

  Options options;
  posix::detail::SharedIo io;
  int epoll_fd = -1;
  std::string epoll_error;

  std::unordered_map<SessionId, std::unique_ptr<Conn>> sessions;
  SessionId next_id = 1;
  std::size_t running_count = 0;
  std::vector<SessionId> dirty;
  detail::DeadlineHeap heap;
  /// Removed from a hook: destroyed once no call of theirs is on the stack.
  std::vector<std::unique_ptr<Conn>> graveyard;
  int depth = 0;

  std::unordered_map<std::uint64_t, Registration> registrations;
  /// Which registration holds a descriptor number now (numbers are reused after close()).
  std::unordered_map<int, std::uint64_t> fd_owner;
  std::uint64_t next_token = 1;
  std::unordered_map<int, Watch> watches;
  std::unordered_map<int, ResolverSocket> resolver_sockets;

  bool stop_requested = false;
  std::uint64_t wakeups = 0;
  const std::string empty;

  // --- the epoll set ---------------------------------------------------------------------------

  /// Adds (or re-adds) `fd` with `events`; returns the new token, 0 when epoll refuses it.
  std::uint64_t add_fd(int fd, std::uint32_t events, Registration registration) {
    const std::uint64_t token = next_token++;
    epoll_event event{};
    event.events = events;
    event.data.u64 = token;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
      // The same open file is still in the set under a stale registration: take it over.
      if (errno != EEXIST || ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event) != 0) return 0;
    }
    if (const auto old = fd_owner.find(fd); old != fd_owner.end()) registrations.erase(old->second);
    fd_owner[fd] = token;
    registrations.emplace(token, registration);
    return token;
  }

  bool modify_fd(int fd, std::uint64_t token, std::uint32_t events) {
    epoll_event event{};
    event.events = events;
    event.data.u64 = token;
    return ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event) == 0;
  }

  /// Forgets `token`; removes `fd` from the set unless its number now belongs to someone else
  /// (the file was closed and the number reused: the kernel already dropped the old one).
  void remove_fd(int fd, std::uint64_t token) {
    if (token == 0) return;
    registrations.erase(token);
    const auto owner = fd_owner.find(fd);
    if (owner == fd_owner.end() || owner->second != token) return;
    fd_owner.erase(owner);
    (void)::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT/EBADF: already gone
  }

  // --- sessions --------------------------------------------------------------------------------

  Conn* find(SessionId id) {
    const auto it = sessions.find(id);
    return it == sessions.end() ? nullptr : it->second.get();
  }

  void mark_dirty(SessionId id) {
    Conn* conn = find(id);
    if (conn == nullptr || conn->dirty) return;
    conn->dirty = true;
    dirty.push_back(id);
  }

  bool usable(std::string* error) const {
    if (epoll_fd < 0 && error) *error = epoll_error;
    return epoll_fd >= 0;
  }

  SessionId add(SessionConfig config, SessionHooks hooks,
                const std::function<void(Session&)>& prepare, std::string* error) {
    if (!usable(error) || !io.prepare(options, error)) return 0;
    auto conn =
        conn_of(std::make_unique<SessionDriver>(std::move(config), std::move(hooks), options));
    SessionDriver* driver = conn->session;
    if (prepare) prepare(driver->session());
    return adopt(
        std::move(conn),
        [&](std::string* why) {
          return driver->start(io, posix::detail::DnsMode::asynchronous, why);
        },
        error);
  }

  SessionId add_component(ComponentConfig config, std::string server, ComponentHooks hooks,
                          std::string* error) {
    // A component needs no TLS context: a CA file problem is not its failure.
    if (!usable(error) || !io.prepare_resolver(options, error)) return 0;
    auto conn = conn_of(std::make_unique<ComponentDriver>(std::move(config), std::move(server),
                                                          std::move(hooks), options));
    ComponentDriver* driver = conn->component;
    return adopt(
        std::move(conn),
        [&](std::string* why) {
          return driver->start(*io.resolver, posix::detail::DnsMode::asynchronous, why);
        },
        error);
  }

  /// A Conn owning `driver`, with its typed pointer set.
  template <class D>
  static std::unique_ptr<Conn> conn_of(std::unique_ptr<D> driver) {
    auto conn = std::make_unique<Conn>();
    if constexpr (std::is_same_v<D, SessionDriver>) {
      conn->session = driver.get();
    } else {
      conn->component = driver.get();
    }
    conn->driver = std::move(driver);
    return conn;
  }

  /// Gives `conn` its id, starts it with `start`, and keeps it when that succeeds (0 otherwise).
  template <class Start>
  SessionId adopt(std::unique_ptr<Conn> conn, const Start& start, std::string* error) {
    const SessionId id = next_id++;
    conn->driver->on_resolved = [this, id] { mark_dirty(id); };
    if (!start(error)) return 0;
    conn->running = true;
    ++running_count;
    sessions.emplace(id, std::move(conn));
    mark_dirty(id);
    return id;
  }

  bool remove(SessionId id) {
    const auto it = sessions.find(id);
    if (it == sessions.end()) return false;
    std::unique_ptr<Conn> conn = std::move(it->second);
    sessions.erase(it);
    remove_fd(conn->fd, conn->token);
    conn->token = 0;
    if (conn->running) --running_count;
    conn->driver->abandon_resolution();
    // Its heap entries and dirty-list entry are dropped when reached (the id is unknown).
    if (depth > 0) {
      graveyard.push_back(std::move(conn));  // a call of this session may be on the stack
    }
    return true;
  }

  /// Runs `call` as one unit of dispatch (hooks may run inside); afterwards, sessions removed
  /// meanwhile are destroyed.
  template <class Call>
  void dispatch(const Call& call) {
    ++depth;
    call();
    --depth;
    if (depth == 0) graveyard.clear();
  }

  /// Steps a dirty session, then brings its epoll interest and its deadline up to date.
  void sync(SessionId id, TimePoint now) {
    Conn* conn = find(id);
    if (conn == nullptr) return;
    conn->dirty = false;
    dispatch([&] { conn->driver->step(now); });
    conn = find(id);  // a hook may have removed it
    if (conn == nullptr) return;
    update_interest(id, *conn);
    update_deadline(id, *conn);
    const bool running = conn->driver->running();
    if (running != conn->running) {
      conn->running = running;
      running ? ++running_count : --running_count;
    }
  }

  void sync_dirty() {
    for (int round = 0; round < kMaxSyncRounds && !dirty.empty(); ++round) {
      std::vector<SessionId> batch;
      batch.swap(dirty);
      const TimePoint now = Clock::now();
      for (const SessionId id : batch)
        sync(id, now);
    }
  }

  void update_interest(SessionId id, Conn& conn) {
    const Driver& driver = *conn.driver;
    const int fd = driver.fd();
    // No interest (backpressure) leaves the set too: a hung-up socket would report EPOLLHUP
    // without end while nobody reads it.
    const std::uint32_t events = fd >= 0 ? to_epoll(driver.poll_events()) : 0;
    const bool same_socket =
        conn.token != 0 && fd == conn.fd && driver.socket_serial() == conn.serial;
    if (events == 0) {
      remove_fd(conn.fd, conn.token);
      conn.token = 0;
      return;
    }
    if (same_socket) {
      if (events == conn.events) return;
      if (modify_fd(fd, conn.token, events)) {
        conn.events = events;
        return;
      }
    }
    remove_fd(conn.fd, conn.token);
    conn.token = add_fd(fd, events, {Registration::Kind::session, fd, id});
    conn.fd = fd;
    conn.serial = driver.socket_serial();
    conn.events = conn.token != 0 ? events : 0;
  }

  auto current_entry() {
    return [this](const detail::DeadlineHeap::Entry& entry) {
      const Conn* conn = find(entry.id);
      return conn != nullptr && conn->generation == entry.generation && conn->armed;
    };
  }

  void update_deadline(SessionId id, Conn& conn) {
    const std::optional<TimePoint> deadline = conn.driver->next_deadline();
    if (deadline == conn.armed) return;
    conn.armed = deadline;
    ++conn.generation;
    if (deadline) heap.push({*deadline, id, conn.generation});
    if (heap.size() > 2 * sessions.size() + 64) heap.compact(current_entry());
  }

  /// Sessions whose deadline has come go on the dirty list.
  void expire_timers(TimePoint now) {
    while (auto top = heap.top(current_entry())) {
      if (top->when > now) break;
      heap.pop();
      Conn* conn = find(top->id);
      conn->armed.reset();
      mark_dirty(top->id);
    }
  }

  // --- the resolver ----------------------------------------------------------------------------

  /// Brings the resolver's sockets in the set up to date (a handful while lookups run, none
  /// otherwise). c-ares may close a socket and open another under the same number, so the
  /// interest of a known number is re-asserted rather than trusted.
  void sync_resolver() {
    if (!io.resolver) return;
    std::unordered_map<int, std::uint32_t> wanted;
    if (io.resolver->busy()) {
      for (const dns::Resolver::Socket& s : io.resolver->sockets()) {
        wanted[s.fd] = (s.want_read ? EPOLLIN : 0u) | (s.want_write ? EPOLLOUT : 0u);
      }
    }
    for (auto it = resolver_sockets.begin(); it != resolver_sockets.end();) {
      if (!wanted.contains(it->first)) {
        remove_fd(it->first, it->second.token);
        it = resolver_sockets.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [fd, events] : wanted) {
      ResolverSocket& known = resolver_sockets[fd];
      const auto owner = fd_owner.find(fd);
      const bool ours = known.token != 0 && owner != fd_owner.end() && owner->second == known.token;
      if (ours && modify_fd(fd, known.token, events)) {
        known.events = events;
        continue;
      }
      known.token = add_fd(fd, events, {Registration::Kind::resolver, fd, 0});
      known.events = events;
    }
  }

  void process_resolver(int fd, std::uint32_t events) {
    const bool readable = (events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
    const bool writable = (events & EPOLLOUT) != 0;
    dispatch([&] { io.resolver->process(fd, readable, writable); });
  }

  // --- waiting ---------------------------------------------------------------------------------

  bool idle() const { return running_count == 0 && watches.empty() && dirty.empty(); }

  int wait_ms(TimePoint now, std::chrono::milliseconds max_wait) {
    std::optional<TimePoint> deadline;
    if (auto top = heap.top(current_entry())) deadline = top->when;
    auto wait = std::chrono::milliseconds(posix::detail::poll_timeout_ms(now, deadline, max_wait));
    if (!dirty.empty()) wait = std::chrono::milliseconds(0);
    if (io.resolver && io.resolver->busy()) wait = io.resolver->next_timeout(wait);
    return static_cast<int>(wait.count());
  }

  bool run_once(std::chrono::milliseconds max_wait) {
    if (std::exchange(stop_requested, false)) return false;
    sync_dirty();
    if (idle()) return false;
    sync_resolver();
    std::array<epoll_event, kMaxEvents> events{};
    const int timeout = wait_ms(Clock::now(), max_wait);
    const int ready = ::epoll_wait(epoll_fd, events.data(), kMaxEvents, timeout);
    ++wakeups;
    const TimePoint now = Clock::now();
    for (int i = 0; i < ready; ++i)
      handle_event(events[static_cast<std::size_t>(i)], now);
    if (io.resolver && io.resolver->busy()) {
      dispatch([&] { io.resolver->process_timeouts(); });
    }
    expire_timers(Clock::now());
    sync_dirty();
    if (std::exchange(stop_requested, false)) return false;
    return !idle();
  }

  void handle_event(const epoll_event& event, TimePoint now) {
    const auto found = registrations.find(event.data.u64);
    if (found == registrations.end()) return;  // removed earlier in this batch
    const Registration registration = found->second;
    switch (registration.kind) {
      case Registration::Kind::session: {
        Conn* conn = find(registration.id);
        if (conn == nullptr || conn->driver->socket_serial() != conn->serial) return;
        dispatch([&] { conn->driver->on_ready(to_poll(event.events), now); });
        mark_dirty(registration.id);
        return;
      }
      case Registration::Kind::resolver:
        process_resolver(registration.fd, event.events);
        return;
      case Registration::Kind::watch: {
        const auto watch = watches.find(registration.fd);
        if (watch == watches.end()) return;
        const auto callback = watch->second.callback;  // survives an unwatch inside
        dispatch([&] { (*callback)(event.events); });
        return;
      }
    }
  }

  // --- the application's descriptors -----------------------------------------------------------

  bool watch(int fd, std::function<void(std::uint32_t)> on_ready, std::uint32_t events) {
    if (epoll_fd < 0) return false;
    auto callback = std::make_shared<std::function<void(std::uint32_t)>>(std::move(on_ready));
    if (const auto it = watches.find(fd); it != watches.end()) {
      if (!modify_fd(fd, it->second.token, events)) return false;
      it->second.callback = std::move(callback);
      return true;
    }
    const std::uint64_t token = add_fd(fd, events, {Registration::Kind::watch, fd, 0});
    if (token == 0) return false;
    watches[fd] = Watch{token, std::move(callback)};
    return true;
  }

  void unwatch(int fd) {
    const auto it = watches.find(fd);
    if (it == watches.end()) return;
    remove_fd(fd, it->second.token);
    watches.erase(it);
  }
};

Loop::Loop(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Loop::~Loop() = default;

SessionId Loop::add(SessionConfig config, SessionHooks hooks, std::string* error,
                    const std::function<void(Session&)>& prepare) {
  return impl_->add(std::move(config), std::move(hooks), prepare, error);
}

SessionId Loop::add_component(ComponentConfig config, std::string server, ComponentHooks hooks,
                              std::string* error) {
  return impl_->add_component(std::move(config), std::move(server), std::move(hooks), error);
}

bool Loop::remove(SessionId id) {
  return impl_->remove(id);
}

Session* Loop::session(SessionId id) {
  Impl::Conn* conn = impl_->find(id);
  if (conn == nullptr || conn->session == nullptr) return nullptr;
  impl_->mark_dirty(id);
  return &conn->session->session();
}

Component* Loop::component(SessionId id) {
  Impl::Conn* conn = impl_->find(id);
  if (conn == nullptr || conn->component == nullptr) return nullptr;
  impl_->mark_dirty(id);
  return &conn->component->component();
}

std::size_t Loop::size() const noexcept {
  return impl_->sessions.size();
}

std::size_t Loop::running() const noexcept {
  return impl_->running_count;
}

bool Loop::run_once(std::chrono::milliseconds max_wait) {
  return impl_->run_once(max_wait);
}

bool Loop::run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  return posix::detail::run_until(
      done, limit, [this](std::chrono::milliseconds wait) { return impl_->run_once(wait); });
}

void Loop::run() {
  while (impl_->running_count > 0 || !impl_->dirty.empty()) {
    if (!impl_->run_once(std::chrono::hours(1))) break;
  }
}

void Loop::stop() noexcept {
  impl_->stop_requested = true;
}

bool Loop::watch(int fd, std::function<void(std::uint32_t)> on_ready, std::uint32_t events) {
  return impl_->watch(fd, std::move(on_ready), events);
}

void Loop::unwatch(int fd) {
  impl_->unwatch(fd);
}

void Loop::drop_transport(SessionId id) {
  if (Impl::Conn* conn = impl_->find(id); conn != nullptr && conn->session != nullptr) {
    conn->session->drop_transport();
    impl_->mark_dirty(id);
  }
}

const std::string& Loop::last_transport_error(SessionId id) const {
  const Impl::Conn* conn = impl_->find(id);
  return conn != nullptr ? conn->driver->last_error() : impl_->empty;
}

std::uint64_t Loop::wakeups() const noexcept {
  return impl_->wakeups;
}

}  // namespace xmpp::epoll
