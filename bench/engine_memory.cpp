// Heap held by one established, idle client engine (issue target: under 4 KiB including its
// parser; libstrophe holds about 17.6 KB per idle connection). Measured with glibc's own count
// of bytes in use (mallinfo2), so nothing the engine allocates escapes it, and compared with
// what Client::heap_bytes() reports.
//
// Run: build/bench/engine-memory
#include <malloc.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "xmpp/client.hpp"

namespace {

// Bytes in use on the heap, as glibc's allocator counts them (every malloc, including the
// arenas' blocks and operator new, with the allocator's per-chunk overhead).
std::size_t heap_in_use() {
  return mallinfo2().uordblks;
}

}  // namespace

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

struct Sample {
  const char* what;
  std::size_t in_use;
  std::size_t reported;
};

// Measures before anything is printed (stdio allocates its buffer on first use) and without the
// driver's own output copy.
Sample sample(const char* what, Driver& d, std::size_t base) {
  std::string().swap(d.last_output);
  return {what, heap_in_use() - base, d.client.heap_bytes()};
}

xmpp::ClientConfig bench_config() {
  xmpp::ClientConfig config(*xmpp::Jid::parse("alice@example.com"));
  config.credentials.password = "s3cret";
  config.resource = "bench";
  config.entropy = [seed = std::uint8_t{1}](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = seed++;
  };
  return config;
}

}  // namespace

int main() {
  const xmpp::ClientConfig config = bench_config();
  {
    // Libraries initialise global state on first use (libcrypto, libidn, the C++ runtime) and
    // keep it for the life of the process; a first session pays for that, so that the
    // measured one counts only what the engine itself holds.
    xmpp::Client warm_up(config);
    Driver d{warm_up, xmpp::TimePoint(std::chrono::seconds(1)), {}};
    if (!negotiate(d)) return 1;
  }
  const std::size_t base = heap_in_use();
  xmpp::Client client(config);
  Driver d{client, xmpp::TimePoint(std::chrono::seconds(1)), {}};
  if (!negotiate(d)) {
    std::fprintf(stderr, "negotiation failed: phase %s\n",
                 std::string(xmpp::to_string(client.phase())).c_str());
    return 1;
  }
  const Sample online = sample("online, after negotiation", d, base);
  for (int i = 0; i < 1000; ++i) {
    d.feed("<message from='bob@example.com/x' id='m" + std::to_string(i) +
           "' type='chat'><body>hello there, this is message number " + std::to_string(i) +
           "</body></message>");
  }
  const Sample busy = sample("after 1000 inbound stanzas", d, base);
  client.release_memory();
  const Sample idle = sample("idle after release_memory()", d, base);
  for (const Sample& s : {online, busy, idle}) {
    std::printf("%-30s heap in use %6zu B; heap_bytes() %6zu B\n", s.what, s.in_use, s.reported);
  }
  std::printf("target: < 4096 B for an idle established engine (libstrophe: ~17.6 KB)\n");
  return idle.in_use < 4096 ? 0 : 2;
}
