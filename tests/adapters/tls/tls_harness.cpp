#include "tls_harness.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <limits>
#include <random>

namespace xmpp::tls::test {

std::size_t Chunking::next() {
  if (sizes.empty()) return std::numeric_limits<std::size_t>::max();
  const std::size_t size = sizes[next_index++ % sizes.size()];
  return size == 0 ? 1 : size;
}

ClientOptions trusting_test_ca() {
  ClientOptions options;
  options.ca_file = pki().ca_file;
  return options;
}

std::shared_ptr<const Context> make_context(const ClientOptions& options) {
  std::string error;
  auto context = Context::create(options, &error);
  REQUIRE_MESSAGE(context != nullptr, error);
  return context;
}

Pair::Pair(const PairOptions& options)
    : context(make_context(options.client)),
      client(context, options.connection),
      server(options.server) {}

void Pair::drain_client() {
  client_received += client.plaintext();
  client.consume_plaintext(client.plaintext().size());
}

void Pair::pump(Chunking chunking) {
  // Generous: one byte at a time, a large payload takes a few hundred thousand rounds.
  for (int round = 0; round < 10'000'000; ++round) {
    bool moved = false;
    while (!client.ciphertext().empty()) {
      const std::size_t n = std::min(chunking.next(), client.ciphertext().size());
      server.receive(client.ciphertext().substr(0, n));
      client.consume_ciphertext(n);
      moved = true;
    }
    const std::string out = server.take_output();
    for (std::size_t at = 0; at < out.size();) {
      const std::size_t n = std::min(chunking.next(), out.size() - at);
      client.receive_ciphertext(std::string_view(out).substr(at, n));
      at += n;
      // Take only part of the plaintext: what stays must survive the next receive.
      const std::size_t take = std::min(chunking.next(), client.plaintext().size());
      client_received += client.plaintext().substr(0, take);
      client.consume_plaintext(take);
      moved = true;
    }
    if (!moved) break;
  }
  drain_client();
}

std::string payload(std::size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (std::size_t i = 0; i < size; ++i) {
    out[i] = static_cast<char>(i < 256 ? i : random() & 0xff);
  }
  return out;
}

}  // namespace xmpp::tls::test
