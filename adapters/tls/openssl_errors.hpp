// OpenSSL's per-thread error queue, kept empty between calls of the TLS glue.
//
// SSL_get_error() looks at the calling thread's error queue, so an entry left behind by one
// connection (or by the application) would make another connection's next SSL_read() look like
// a failure. Every public entry point of the glue therefore starts and ends with an empty queue.
#pragma once

#include <string>

namespace xmpp::tls::detail {

/// Empties the calling thread's OpenSSL error queue and returns its entries as one line
/// ("error:0A000126:SSL routines::unexpected eof while reading; ..."), oldest first, with the
/// extra data OpenSSL attached (file names, alert details). Empty when the queue was empty.
std::string take_openssl_errors();

/// Clears the calling thread's OpenSSL error queue on construction and on destruction, so that
/// the OpenSSL calls made during its lifetime see only their own errors and leave none behind.
class ErrorQueueScope {
 public:
  ErrorQueueScope() noexcept;
  ~ErrorQueueScope();
  ErrorQueueScope(const ErrorQueueScope&) = delete;
  ErrorQueueScope& operator=(const ErrorQueueScope&) = delete;
};

}  // namespace xmpp::tls::detail
