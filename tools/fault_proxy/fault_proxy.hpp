// A TCP proxy for tests that can break the link on command: cut every connection (RST both
// ways), stall it (blackhole), refuse new connections, or cut after a given number of bytes.
//
// FaultProxy listens on 127.0.0.1 (an ephemeral port unless one is given) and forwards each
// accepted connection to one upstream IPv4 address. The forwarding runs in a background thread
// driven by poll(); the commands may be called from any thread and return once the proxy
// thread has carried them out, so a test can rely on their effect:
//
//     xmpp::tools::FaultProxy proxy("127.0.0.1", server_port);
//     connect the client to 127.0.0.1:proxy.port() ...
//     proxy.cut_all();  // the client's next read fails with ECONNRESET
//
// Nothing here is XMPP specific; the proxy never looks at the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace xmpp::tools {

enum class Direction {
  client_to_upstream,  ///< what the proxy's clients send
  upstream_to_client,  ///< what the upstream server sends
};

class FaultProxy {
 public:
  /// Bytes held per direction and connection; reading from a side stops while the buffer
  /// towards the other side is full, so a slow reader slows the writer down as TCP would.
  static constexpr std::size_t kBufferSize = 64 * 1024;

  /// Listens on 127.0.0.1:`listen_port` (0: an ephemeral port, see port()) and starts the
  /// proxy thread. `upstream_host` is an IPv4 address or a name resolving to one, looked up
  /// once, here. Throws std::system_error when the address cannot be resolved or the
  /// listening socket cannot be set up.
  FaultProxy(const std::string& upstream_host, std::uint16_t upstream_port,
             std::uint16_t listen_port = 0);

  /// Stops the thread and closes every socket; live connections are reset (RST both ways),
  /// as if the proxy had crashed.
  ~FaultProxy();

  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  /// The port the proxy listens on.
  std::uint16_t port() const;

  /// Cuts every current connection abruptly in both directions: both sockets are closed with
  /// SO_LINGER 0, so the client and the upstream server each get an RST (ECONNRESET) rather
  /// than an orderly end of stream. Data held in the proxy is dropped. New connections are
  /// accepted as before.
  void cut_all();

  /// While on, nothing is forwarded in either direction, also not the end of a stream: the
  /// sockets stay open, the proxy keeps reading into its buffers until they are full (then
  /// the senders' own socket buffers fill up) and HOLDS the bytes. This is a dead link: the
  /// endpoints see silence, not an error. Turning it off delivers what was held, in order
  /// (the link came back); cut_all() drops it (the link stays dead and someone gives up).
  /// Connections accepted meanwhile are connected upstream but stay silent too. A side that
  /// fails (RST) during the blackhole is closed at once; its peer is reset when the
  /// blackhole ends.
  void blackhole(bool on);

  /// While on, new connections are accepted and reset at once (SO_LINGER 0): the client sees
  /// its connection succeed and then ECONNRESET; nothing reaches the upstream server.
  void refuse(bool on);

  /// Lets `bytes` more bytes through in `direction` (counted over all connections, from this
  /// call on), then cuts every connection as cut_all() does. With 0 the cut happens as soon
  /// as anything is to be forwarded in that direction. One-shot: disarmed by the cut, or by
  /// cancel_cut_after_bytes().
  void cut_after_bytes(Direction direction, std::uint64_t bytes);
  void cancel_cut_after_bytes(Direction direction);

  /// The counters are read on the proxy thread, so they include whatever either peer has
  /// already observed: after the upstream received a byte, bytes_forwarded() counts it; after
  /// a client saw its connection reset, connections() no longer counts it.
  ///
  /// Connections being proxied now (including ones still connecting upstream).
  std::size_t connections() const;
  /// Connections accepted so far, including those reset because of refuse().
  std::uint64_t accepted() const;
  /// Connections reset at once because of refuse().
  std::uint64_t refused() const;
  /// Bytes delivered so far to the receiving side's socket, in `direction`.
  std::uint64_t bytes_forwarded(Direction direction) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace xmpp::tools
