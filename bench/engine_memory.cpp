// Heap held by one established, idle client engine (issue target: under 4 KiB including its
// parser; libstrophe holds about 17.6 KB per idle connection). Counts every live heap byte
// through a replaced global operator new, so nothing the engine allocates escapes the count,
// and compares it with what Client::heap_bytes() reports.
//
// Run: build/bench/engine-memory
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>

#include "xmpp/client.hpp"

namespace {

// Live bytes and blocks; every block carries its size in a 16-byte header.
std::size_t g_live_bytes = 0;
std::size_t g_live_blocks = 0;

void* counted_alloc(std::size_t size) {
  void* raw = std::malloc(size + 16);
  if (raw == nullptr) throw std::bad_alloc();
  *static_cast<std::size_t*>(raw) = size;
  g_live_bytes += size;
  ++g_live_blocks;
  return static_cast<char*>(raw) + 16;
}

void counted_free(void* p) noexcept {
  if (p == nullptr) return;
  void* raw = static_cast<char*>(p) - 16;
  g_live_bytes -= *static_cast<std::size_t*>(raw);
  --g_live_blocks;
  std::free(raw);
}

}  // namespace

void* operator new(std::size_t size) {
  return counted_alloc(size);
}
void* operator new[](std::size_t size) {
  return counted_alloc(size);
}
void operator delete(void* p) noexcept {
  counted_free(p);
}
void operator delete[](void* p) noexcept {
  counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  counted_free(p);
}

namespace {

using namespace std::string_view_literals;

constexpr auto kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='c2s-4f1a' from='example.com' "
    "version='1.0' xml:lang='en'>"sv;

struct Driver {
  xmpp::Client& client;
  xmpp::TimePoint now;
  std::string last_output;

  void drain() {
    last_output.clear();
    for (auto out = client.output(); !out.empty(); out = client.output()) {
      last_output.append(out);
      client.consume_output(out.size());
    }
    while (client.poll_event()) {
    }
  }
  void feed(std::string_view bytes) {
    client.receive(bytes, now);
    drain();
  }
};

// The id of the bind request in `output` (between id=' and the next quote).
std::string request_id(const std::string& output) {
  const auto start = output.find("id='") + 4;
  return output.substr(start, output.find('\'', start) - start);
}

// Negotiates STARTTLS, PLAIN and binding from canned server bytes, up to Online.
bool negotiate(Driver& d) {
  d.client.connect(d.now);
  d.drain();
  d.feed(std::string(kHeader) +
         "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
         "</starttls></stream:features>");
  d.feed("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  xmpp::TlsInfo tls;
  tls.peer_verified = true;
  tls.channel.tls_exporter = std::string(32, 'x');
  d.client.tls_established(tls, d.now);
  d.drain();
  d.feed(std::string(kHeader) +
         "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
         "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
  d.feed("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>" + std::string(kHeader) +
         "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
  const std::string id = request_id(d.last_output);
  d.feed("<iq type='result' id='" + id +
         "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>alice@example.com/bench</jid>"
         "</bind></iq>");
  return d.client.phase() == xmpp::ClientPhase::online;
}

void report(const char* what, const xmpp::Client& client, std::size_t base, std::size_t blocks) {
  std::printf("%-46s live heap %6zu B in %3zu blocks; heap_bytes() %6zu B\n", what,
              g_live_bytes - base, g_live_blocks - blocks, client.heap_bytes());
}

}  // namespace

int main() {
  const std::size_t base = g_live_bytes;
  const std::size_t base_blocks = g_live_blocks;
  xmpp::ClientConfig config(*xmpp::Jid::parse("alice@example.com"));
  config.credentials.password = "s3cret";
  config.resource = "bench";
  config.entropy = [seed = std::uint8_t{1}](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = seed++;
  };
  // The configuration itself is the application's; count only what the engine adds.
  const std::size_t config_bytes = g_live_bytes - base;
  xmpp::Client client(config);
  Driver d{client, xmpp::TimePoint(std::chrono::seconds(1)), {}};
  if (!negotiate(d)) {
    std::fprintf(stderr, "negotiation failed: phase %s\n",
                 std::string(xmpp::to_string(client.phase())).c_str());
    return 1;
  }
  const std::size_t engine_base = base + config_bytes;
  report("online, after negotiation", client, engine_base, base_blocks);
  for (int i = 0; i < 1000; ++i) {
    d.feed("<message from='bob@example.com/x' id='m" + std::to_string(i) +
           "' type='chat'><body>hello there, this is message number " + std::to_string(i) +
           "</body></message>");
  }
  report("after 1000 inbound stanzas", client, engine_base, base_blocks);
  client.release_memory();
  report("idle after release_memory()", client, engine_base, base_blocks);
  std::printf("target: < 4096 B for an idle established engine (libstrophe: ~17.6 KB)\n");
  return g_live_bytes - engine_base < 4096 ? 0 : 2;
}
