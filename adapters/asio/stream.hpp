// One transport of the Asio adapter: a TCP socket, wrapped in an asio::ssl::stream once TLS
// starts (STARTTLS after <proceed/>, or direct TLS from the first byte, XEP-0368). Reads and
// writes go to whichever layer is on top; how it ends (a FIN after close_notify, or a reset)
// is chosen by its owner.
#pragma once

#include <asio/ip/tcp.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/strand.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <utility>

#include "xmpp/adapters/dns.hpp"
#include "xmpp/adapters/tls.hpp"

namespace xmpp::asio_adapter::detail {

using Strand = ::asio::strand<::asio::any_io_executor>;
using Tcp = ::asio::ip::tcp;

/// The endpoint of a resolved address (same sockaddr layout).
Tcp::endpoint endpoint_of(const dns::Address& address);

class Stream {
 public:
  explicit Stream(const Strand& strand) : socket_(strand) {}

  Tcp::socket& socket() noexcept { return tls_ ? tls_->next_layer() : socket_; }
  /// Null until start_tls().
  ::asio::ssl::stream<Tcp::socket>* tls() noexcept { return tls_.get(); }

  /// Moves the connected socket under a TLS layer of `context`, configured as every adapter
  /// configures its client connections (tls/client_ssl.hpp: SNI and the name checked, ALPN,
  /// no verification abort). Returns why the options cannot be used; empty on success.
  std::string start_tls(::asio::ssl::context& context, const tls::ConnectionOptions& options);

  template <class Buffer, class Handler>
  void async_read_some(const Buffer& buffer, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffer, std::forward<Handler>(handler));
    } else {
      socket_.async_read_some(buffer, std::forward<Handler>(handler));
    }
  }
  template <class Buffer, class Handler>
  void async_write(const Buffer& buffer, Handler&& handler) {
    if (tls_) {
      ::asio::async_write(*tls_, buffer, std::forward<Handler>(handler));
    } else {
      ::asio::async_write(socket_, buffer, std::forward<Handler>(handler));
    }
  }

  /// Closes with SO_LINGER 0: the peer gets a TCP reset, unsent bytes are dropped (what a
  /// broken link looks like). Pending operations complete with operation_aborted.
  void abort() noexcept;
  /// Closes after a FIN: what was written is still delivered.
  void close() noexcept;

  /// The bytes of the read and of the write in flight: they live as long as the stream, which
  /// its operations' handlers keep alive.
  std::string read_buffer;
  std::string write_buffer;

 private:
  Tcp::socket socket_;
  std::unique_ptr<::asio::ssl::stream<Tcp::socket>> tls_;
};

/// Ends `stream` gracefully in the background: close_notify (when TLS is established), then a
/// FIN, within `limit` (a peer that never answers the close_notify gets the FIN then). The
/// owner has already told the Session that the transport ended; nothing is reported back.
void close_in_background(std::shared_ptr<Stream> stream, bool tls_established,
                         std::chrono::milliseconds limit);

}  // namespace xmpp::asio_adapter::detail
