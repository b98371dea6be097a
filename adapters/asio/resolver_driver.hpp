// Drives the shared c-ares resolver (dns::Resolver) from Asio: its sockets are watched with
// non-owning asio::posix::stream_descriptor objects (c-ares owns and closes the descriptors) and
// its timeouts with a steady_timer, all on the Client's strand.
#pragma once

#include <asio/posix/stream_descriptor.hpp>
#include <asio/steady_timer.hpp>

#include <cstdint>
#include <memory>
#include <vector>

#include "stream.hpp"
#include "xmpp/adapters/dns.hpp"

namespace xmpp::asio_adapter::detail {

/// Owns the Resolver. Shared with its own pending handlers, which do nothing once shutdown()
/// ran.
class ResolverDriver : public std::enable_shared_from_this<ResolverDriver> {
 public:
  ResolverDriver(const Strand& strand, std::unique_ptr<dns::Resolver> resolver);
  ~ResolverDriver();
  ResolverDriver(const ResolverDriver&) = delete;
  ResolverDriver& operator=(const ResolverDriver&) = delete;

  dns::Resolver& resolver() noexcept { return *resolver_; }
  /// Watches what the resolver waits for now (after a lookup started). On the strand.
  void sync();
  /// Stops watching and destroys the Resolver: lookups in flight are dropped, their callbacks
  /// never called. On the strand.
  void shutdown();

 private:
  struct Watch {
    std::unique_ptr<::asio::posix::stream_descriptor> descriptor;
    bool read = false;
    bool write = false;
  };

  void release_all();
  void on_ready(std::uint64_t generation, int fd, bool readable, bool writable);
  void on_timer(std::uint64_t generation);

  Strand strand_;
  std::unique_ptr<dns::Resolver> resolver_;
  std::vector<Watch> watches_;
  ::asio::steady_timer timer_;
  /// Bumped whenever the watches are rebuilt: completions of older waits are ignored.
  std::uint64_t generation_ = 0;
};

}  // namespace xmpp::asio_adapter::detail
