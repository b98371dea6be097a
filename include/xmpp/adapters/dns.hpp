// Connection establishment every adapter shares: where to connect for a JID's domain (DNS SRV,
// RFC 6120 §3.2 and XEP-0368, ordered as RFC 2782 says), parsing "host:port", and an
// asynchronous resolver over c-ares that a poll(), epoll or Asio loop can drive.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace xmpp::dns {

/// The default XMPP client port (RFC 6120 §3.2.2, A/AAAA fallback).
inline constexpr std::uint16_t kClientPort = 5222;
/// The port of direct TLS when no SRV record names one (XEP-0368 gives none; 5223 is the
/// port such servers use by convention).
inline constexpr std::uint16_t kDirectTlsPort = 5223;

/// One SRV resource record (RFC 2782).
struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;  ///< without the trailing dot
  /// The record came from `_xmpps-client._tcp` (XEP-0368): connect with TLS from the first
  /// byte. Set by mixed_connect_plan(); ordering carries it along.
  bool direct_tls = false;
  bool operator==(const SrvRecord&) const = default;
};

/// Uniform random integer in [0, bound] (inclusive). The adapter passes its CSPRNG; tests pass
/// a seeded one.
using RandomUpTo = std::function<std::uint32_t(std::uint32_t bound)>;

/// RFC 2782 order: ascending priority; within a priority, repeated weighted random selection
/// (records of weight 0 first in the running sum, so they are picked rarely but can be). A pure
/// function of `records` and `random`: records of equal priority start in their input order,
/// and `random` is asked only when there is a choice (more than one record left and a weight
/// sum above 0), with the sum of the remaining weights as the bound. A draw above the bound
/// counts as the bound.
std::vector<SrvRecord> order_srv_records(std::vector<SrvRecord> records, const RandomUpTo& random);

/// A host name or IP literal and a port.
struct HostPort {
  std::string host;  ///< a name, an IPv4 literal, or an IPv6 literal without brackets
  std::uint16_t port = 0;
  bool operator==(const HostPort&) const = default;
};

/// Parses "host", "host:port", "[IPv6]" or "[IPv6]:port" (a bare IPv6 literal with colons and
/// no brackets is taken whole, with `default_port`). Nothing for an empty host, a bad port (0,
/// above 65535, not digits) or unbalanced brackets.
std::optional<HostPort> parse_host_port(std::string_view address, std::uint16_t default_port);

/// What the SRV lookup of one service found.
enum class SrvOutcome : unsigned char {
  found,        ///< records (ordered by order_srv_records)
  no_records,   ///< NXDOMAIN or no SRV records: fall back to the domain itself
  not_offered,  ///< the single record "." (RFC 2782): the service is decidedly not available
  failed,       ///< a DNS failure (timeout, SERVFAIL, ...): fall back as for no_records
};

std::string_view to_string(SrvOutcome outcome) noexcept;

struct SrvResult {
  SrvOutcome outcome = SrvOutcome::no_records;
  std::vector<SrvRecord> records;
  std::string error;  ///< for failed: c-ares' message
};

/// The result of an SRV answer holding `records` (for adapters with their own DNS client; the
/// Resolver uses it too): no_records when there are none, not_offered when every target is "."
/// (RFC 2782 "Usage rules": precisely one record with target "." says the service is decidedly
/// not available), else found with any "." records dropped and the rest in order_srv_records()
/// order.
SrvResult srv_result(std::vector<SrvRecord> records, const RandomUpTo& random);

/// Where to try, in order, for `domain`, from the SRV result of `_xmpp-client._tcp.domain`
/// (or `_xmpps-client._tcp.domain` for direct TLS): the ordered records, or `domain` itself on
/// `fallback_port` when there were none or the lookup failed (RFC 6120 §3.2.2), or
/// nothing when the service is not offered.
std::vector<HostPort> connect_plan(const SrvResult& srv, std::string_view domain,
                                   std::uint16_t fallback_port);

/// One place to try, and whether the connection starts with TLS (XEP-0368) or not.
struct Candidate {
  HostPort host;
  bool direct_tls = false;
  bool operator==(const Candidate&) const = default;
};

/// Where a client that accepts both STARTTLS and direct TLS tries, in order, for `domain`, from
/// the SRV results of `_xmpp-client._tcp` (`starttls`) and `_xmpps-client._tcp` (`direct`).
/// XEP-0368 §2: the records of both are one RFC 2782 set ("all priorities and weights are
/// mixed", ordered with `random`), each connected the way its service says. A "." answer drops
/// that service: when `_xmpps-client` says "." and `_xmpp-client` has no records, nothing is
/// left and there is no A/AAAA fallback (XEP-0368 §5); when `_xmpp-client` says ".", the service
/// is not offered without TLS-first either unless `_xmpps-client` has records. Without records
/// in either (none exist, or the lookups failed), the domain itself on kClientPort with STARTTLS
/// (RFC 6120 §3.2.2).
std::vector<Candidate> mixed_connect_plan(const SrvResult& starttls, const SrvResult& direct,
                                          std::string_view domain, const RandomUpTo& random);

/// The SRV owner name for a domain: "_xmpp-client._tcp.DOMAIN" or "_xmpps-client._tcp.DOMAIN".
std::string srv_name(std::string_view domain, bool direct_tls);

/// One resolved address.
struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  /// "127.0.0.1:5222", "[::1]:5222" ("[fe80::1%2]:5222" with a scope id); empty for another
  /// address family.
  std::string to_string() const;
};

struct AddressResult {
  std::vector<Address> addresses;  ///< in the resolver's order (RFC 6724 as getaddrinfo sorts)
  std::string error;               ///< empty on success
};

struct ResolverOptions {
  /// Overall limit of one lookup. c-ares sends a query twice per server within it: after a
  /// third of it, then (its per-try timeout doubling) after the rest.
  std::chrono::milliseconds timeout = std::chrono::seconds(5);
  /// "ip:port" of name servers to use instead of the system's (tests run a local one).
  std::vector<std::string> servers;
};

/// An asynchronous resolver over one c-ares channel. Not thread-safe.
///
/// Callbacks run from process(), process_timeouts() or run_for(), never from the call that
/// starts a lookup and never from inside c-ares: a lookup that completes at once (an IP
/// literal, a name in /etc/hosts) is queued, next_timeout() is then 0, and the next process*()
/// or run_for() delivers it. A callback may start lookups and may destroy the Resolver.
/// Destroying the Resolver drops every lookup in flight without calling its callback.
///
/// Every lookup ends within ResolverOptions::timeout: at that deadline its callback gets an
/// error (SrvOutcome::failed) even if c-ares would still retry.
///
/// Driving it from an event loop: watch every socket of sockets() for what it asks, call
/// process(fd, readable, writable) when one is ready (an error or hang-up counts as
/// readable), and process_timeouts() at next_timeout(). The POSIX adapter uses run_for(),
/// which does exactly that with poll().
class Resolver {
 public:
  /// Null (and `error` set) when c-ares cannot be initialised.
  static std::unique_ptr<Resolver> create(const ResolverOptions& options,
                                          std::string* error = nullptr);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  /// Looks up SRV records for `name`; `done` gets them ordered with `random`.
  void lookup_srv(const std::string& name, RandomUpTo random, std::function<void(SrvResult)> done);
  /// Looks up A and AAAA (or parses a literal) for `host`, port `port`. An IPv4 or IPv6
  /// literal never reaches DNS; names are looked up in the hosts file first, then DNS.
  void lookup_addresses(const std::string& host, std::uint16_t port,
                        std::function<void(AddressResult)> done);

  struct Socket {
    int fd = -1;
    bool want_read = false;
    bool want_write = false;
  };
  std::vector<Socket> sockets() const;
  /// When process_timeouts() is due (capped at `max`; 0 when results wait for delivery).
  std::chrono::milliseconds next_timeout(std::chrono::milliseconds max) const;
  void process(int fd, bool readable, bool writable);
  void process_timeouts();
  /// Whether lookups are in flight or results wait for delivery.
  bool busy() const noexcept;
  /// Drives the channel with poll() until no lookup is in flight or `limit` passed (lookups
  /// still in flight then are cancelled: their callbacks get an error).
  void run_for(std::chrono::milliseconds limit);

  struct Impl;

 private:
  explicit Resolver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::dns
