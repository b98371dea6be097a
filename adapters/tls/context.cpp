// The shared SSL_CTX: client method, TLS 1.2 floor, trust store, no renegotiation or compression.
#include <openssl/ssl.h>

#include <utility>

#include "openssl_errors.hpp"
#include "xmpp/adapters/tls.hpp"

namespace xmpp::tls {

struct Context::Impl {
  ClientOptions options;
  SSL_CTX* ctx = nullptr;

  ~Impl() { SSL_CTX_free(ctx); }
};

namespace {

// Sets *error (when given) to `what` followed by OpenSSL's reasons, and empties the queue.
void report(std::string* error, std::string what) {
  std::string reasons = detail::take_openssl_errors();
  if (error == nullptr) return;
  if (!reasons.empty()) what += ": " + reasons;
  *error = std::move(what);
}

}  // namespace

std::shared_ptr<const Context> Context::create(const ClientOptions& options, std::string* error) {
  detail::ErrorQueueScope errors;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->ctx = SSL_CTX_new(TLS_client_method());
  if (impl->ctx == nullptr) {
    report(error, "cannot create the TLS context");
    return nullptr;
  }
  SSL_CTX* ctx = impl->ctx;

  // RFC 7590 §3.1 and RFC 9325 §3.1.1: nothing older than TLS 1.2.
  const int max_version =
      options.max_version == MaxVersion::tls_1_2 ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, max_version) != 1) {
    report(error, "cannot set the TLS protocol versions");
    return nullptr;
  }
  // No compression (CRIME, RFC 9325 §3.3) and no renegotiation (RFC 9325 §3.5: it is what made
  // tls-unique and the triple handshake attack possible; XMPP never needs it).
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);

  if (!options.ca_file.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
      report(error, "cannot load the CA file '" + options.ca_file + "'");
      return nullptr;
    }
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    report(error, "cannot load the system's default certificate store");
    return nullptr;
  }
  // The handshake never stops on a bad certificate: OpenSSL still verifies the chain and the
  // name and keeps the result (SSL_get_verify_result), which Connection reports as
  // peer_verified. Whether an unverified peer is acceptable is the engine's decision
  // (ClientConfig::require_verified_certificate), so it can end the session with a clear error.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);

  return std::shared_ptr<const Context>(new Context(std::move(impl)));
}

Context::Context(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Context::~Context() = default;

const ClientOptions& Context::options() const noexcept {
  return impl_->options;
}

void* Context::native_handle() const noexcept {
  return impl_->ctx;
}

}  // namespace xmpp::tls
