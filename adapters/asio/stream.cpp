#include "stream.hpp"

#include <asio/steady_timer.hpp>

#include <cstring>

#include "../tls/client_ssl.hpp"
#include "../tls/openssl_errors.hpp"

namespace xmpp::asio_adapter::detail {

Tcp::endpoint endpoint_of(const dns::Address& address) {
  Tcp::endpoint endpoint;
  // Both are a sockaddr of the family's size; resize() checks it fits.
  std::memcpy(endpoint.data(), &address.storage, address.length);
  endpoint.resize(address.length);
  return endpoint;
}

std::string Stream::start_tls(::asio::ssl::context& context,
                              const tls::ConnectionOptions& options) {
  tls::detail::ErrorQueueScope errors;  // see openssl_errors.hpp: no entry left for Asio
  tls_ = std::make_unique<::asio::ssl::stream<Tcp::socket>>(std::move(socket_), context);
  return tls::detail::configure_client(tls_->native_handle(), options);
}

void Stream::abort() noexcept {
  Tcp::socket& s = socket();
  std::error_code ignored;
  if (s.is_open()) s.set_option(::asio::socket_base::linger(true, 0), ignored);
  s.close(ignored);
}

void Stream::close() noexcept {
  Tcp::socket& s = socket();
  std::error_code ignored;
  if (s.is_open()) s.shutdown(Tcp::socket::shutdown_send, ignored);
  s.close(ignored);
}

void close_in_background(std::shared_ptr<Stream> stream, bool tls_established,
                         std::chrono::milliseconds limit) {
  if (!tls_established || stream->tls() == nullptr) {
    stream->close();
    return;
  }
  // Shared by the two handlers below: whichever runs first closes the socket, which ends the
  // other (the shutdown's read, or the timer through cancel()).
  std::shared_ptr<Stream> owned = std::move(stream);
  auto timer = std::make_shared<::asio::steady_timer>(owned->socket().get_executor());
  timer->expires_after(limit);
  timer->async_wait([owned](const std::error_code& ec) {
    if (!ec) owned->close();
  });
  // async_shutdown sends close_notify and waits for the peer's (or its EOF).
  owned->tls()->async_shutdown([owned, timer](const std::error_code&) {
    owned->close();
    timer->cancel();
  });
}

}  // namespace xmpp::asio_adapter::detail
