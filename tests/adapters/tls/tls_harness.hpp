// A client tls::Connection and a TestServer joined in memory, with a pump that moves bytes both
// ways in chosen chunk sizes until neither side has anything left to say.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "test_server.hpp"
#include "xmpp/adapters/tls.hpp"

namespace xmpp::tls::test {

/// Chunk sizes, used in turn and cycled; empty means "everything at once".
struct Chunking {
  std::vector<std::size_t> sizes;
  std::size_t next_index = 0;

  /// The next chunk size, at least 1.
  std::size_t next();
};

/// ClientOptions trusting the test CA.
ClientOptions trusting_test_ca();

struct PairOptions {
  ClientOptions client = trusting_test_ca();
  ConnectionOptions connection{"localhost", ""};
  ServerOptions server{&pki().leaf};
};

/// A connected client and server.
class Pair {
 public:
  explicit Pair(const PairOptions& options = {});

  /// Moves ciphertext both ways, and the client's plaintext into `client_received`, until both
  /// sides are idle. Chunks of `chunking` split every delivery and every plaintext consume.
  void pump(Chunking chunking = {});
  /// The client's plaintext still in the connection is taken into `client_received`.
  void drain_client();

  std::shared_ptr<const Context> context;
  Connection client;
  TestServer server;
  std::string client_received;
};

/// The context for `options`; fails the test when it cannot be created.
std::shared_ptr<const Context> make_context(const ClientOptions& options);

/// `size` bytes of deterministic pseudo-random data (every byte value occurs).
std::string payload(std::size_t size, unsigned seed = 1);

}  // namespace xmpp::tls::test
