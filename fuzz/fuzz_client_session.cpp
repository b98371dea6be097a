// Fuzzes xmpp::Client as a whole session: a fuzzed server talks to it at every stage of the
// negotiation (header, STARTTLS, the TLS hand-off, SASL, binding, online, closing), and the
// fuzzer also plays the adapter: it chooses when bytes arrive and how they are chunked, when time
// passes, when TLS completes, and how much output and how many events are drained.
//
// Input: 7 configuration bytes (see read_config()), then a program of operations, each an opcode
// byte (modulo kOpCount) and its argument bytes (see the Op enum). Missing bytes read as zero;
// the program ends with the input. The server's bytes are queued by the emit operations
// (realistic fragments, fragments computed from what the client wrote — SCRAM messages, bind
// results with the id the client really used — and raw fuzz bytes) and handed to receive() by
// the feed operations. fuzz/make_client_seeds.py writes complete sessions in this format.
//
// Invariants (a broken one traps; XMPP_FUZZ_TRACE=1 prints every operation to stderr):
// - receive() consumes at most what it is given; all_consumed means all of it; its status is
//   invalid_state exactly in the phases that refuse bytes, and then nothing changes;
//   tls_handoff and closed match phase(); a session that closes during receive() says closed.
// - drain_needed only while a queue is at its limit: max_events events pending, half of
//   max_output_bytes queued, or (event storage full) a Stanza event pending.
// - A full drain never finds more than max_output_bytes of output or max_events + 3 events.
// - API misuse (connect twice, close while closing, tls_established outside the hand-off,
//   consume_output beyond output(), send while not online, ...) returns an error and changes
//   neither phase(), output(), next_deadline() nor secure()/authenticated().
// - handle_timeout(now) leaves no deadline at or before now; an early call changes nothing.
// - After Closed: phase() is closed, no deadline, no more output, no event is ever polled again,
//   receive() and every command but connect() report invalid_state. Closed comes once, right
//   after a StreamErrorSent/StreamErrorReceived (and the Unconfirmed hand-back), and last.
//   (connect() after Closed starts another connection: the target stops there; fuzz_client_sm
//   follows reconnections.)
// - The output view stays put and unchanged until consumed; polled Stanza elements stay valid
//   (and unchanged) until the next input call, as the API documents.
// - Security: with TLS required or direct nothing but the header and <starttls/> goes out before
//   TLS (no <auth/>, no <iq/>), with direct TLS nothing at all; PLAIN in the clear only when
//   allow_plain_without_tls, -PLUS never; the mechanism is one the configuration allows; the
//   header names the account (from=) only over TLS; nothing follows our </stream:stream>.
// - Chunking: a shadow client with the same configuration, given in one piece per feed what the
//   client consumed and drained after every operation, ends in the same phase, deadline, output
//   and events (without their prose): neither the cut of the input nor the drain timing matters.

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "crypto/crypto.hpp"
#include "fuzz_client_common.hpp"
#include "sasl/base64.hpp"
#include "xmpp/client.hpp"
#include "xmpp/xml.hpp"

namespace {

using namespace std::chrono_literals;
using fuzz::attribute_in;
using fuzz::describe;
using fuzz::Input;
using fuzz::normalised;
using fuzz::semantics;
using fuzz::trace_enabled;
using xmpp::Client;
using xmpp::ClientConfig;
using xmpp::ClientPhase;
using xmpp::CommandStatus;
using xmpp::Duration;
using xmpp::Event;
using xmpp::ReceiveStatus;
using xmpp::SendStatus;
using xmpp::TimePoint;
using xmpp::TlsPolicy;
namespace event = xmpp::event;
namespace sasl = xmpp::sasl;
namespace xml = xmpp::xml;

// ---------------------------------------------------------------------------------------------
// The program format. fuzz/make_client_seeds.py mirrors these numbers.

enum Op : std::uint8_t {
  op_connect = 0,        // -
  op_fragment = 1,       // index, mode (bit 0: feed everything now, bit 1: then drain all)
  op_raw = 2,            // length, that many bytes: queued as server bytes
  op_dynamic = 3,        // kind, argument, mode (as op_fragment)
  op_feed = 4,           // count (0: everything queued), chunk size (0: one piece)
  op_advance = 5,        // index into kSteps; then handle_timeout()
  op_to_deadline = 6,    // 0: at next_deadline(), 1: 1 ms before it (spurious), 2: 1 ms after
  op_tls = 7,            // flags (see tls_info())
  op_send = 8,           // index into the stanzas of send_stanza(), size argument
  op_close = 9,          // -
  op_eof = 10,           // -
  op_drain_output = 11,  // bytes to consume (0: all)
  op_poll = 12,          // events to poll (0: all)
  op_drain_all = 13,     // -
  op_misuse = 14,        // which (see misuse())
  op_memory = 15,        // 0: release_memory(), 1: heap_bytes(), 2: move the engine
  kOpCount,
};

enum Dynamic : std::uint8_t {
  dyn_scram_first = 0,    // argument: salt (bits 0-1), iterations (2-4), nonce form (5-7)
  dyn_scram_success = 1,  // argument: form of the server-final-message (see scram_final())
  dyn_scram_final_challenge = 2,
  dyn_bind_result = 3,     // argument: jid (bits 0-3), from (4-6)
  dyn_request_result = 4,  // argument: from (bits 0-2)
  dyn_request_error = 5,   // argument: condition
  dyn_request_bad_type = 6,
  kDynamicCount,
};

// Realistic server bytes, Prosody- and ejabberd-like, for every step (index = op_fragment's
// argument modulo the count).
constexpr std::string_view kFragments[] = {
    // 0-1: stream headers
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.com' version='1.0' "
    "xml:lang='en'>",
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:client' "
    "from='example.com' id='9f3c-2' version='1.0' xml:lang='en'>",
    // 2-11: features
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>",
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms "
    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
    "<mechanism>SCRAM-SHA-256</mechanism><mechanism>PLAIN</mechanism></mechanisms>"
    "</stream:features>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-512-PLUS</mechanism><mechanism>SCRAM-SHA-256-PLUS</mechanism>"
    "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-512</mechanism>"
    "<mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
    "<mechanism>PLAIN</mechanism><mechanism>EXTERNAL</mechanism><mechanism>ANONYMOUS</mechanism>"
    "</mechanisms><sasl-channel-binding xmlns='urn:xmpp:sasl-cb:0'><channel-binding "
    "type='tls-exporter'/><channel-binding type='tls-server-end-point'/></sasl-channel-binding>"
    "<register xmlns='http://jabber.org/features/iq-register'/></stream:features>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-256</mechanism><mechanism>SCRAM-SHA-1</mechanism>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>",
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session "
    "xmlns='urn:ietf:params:xml:ns:xmpp-session'/><sm xmlns='urn:xmpp:sm:3'/><csi "
    "xmlns='urn:xmpp:csi:0'/><ver xmlns='urn:xmpp:features:rosterver'/></stream:features>",
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><required/></bind><session "
    "xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session></stream:features>",
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
    "<stream:features/>",
    // 12-13: STARTTLS answers
    "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
    // 14-19: SASL answers
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>=</success>",
    "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/><text "
    "xml:lang='en'>Invalid username or password</text></failure>",
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><temporary-auth-failure/></failure>",
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><aborted/></failure>",
    // 20-22: stanzas
    "<message from='bob@example.com/phone' to='alice@example.com/sansio' type='chat' "
    "id='m1'><body>Hi Alice &amp; welcome</body><active "
    "xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "<presence from='bob@example.com/phone' to='alice@example.com/sansio'><show>away</show>"
    "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://example.org' "
    "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>",
    "<iq from='example.com' to='alice@example.com/sansio' id='ping1' type='get'><ping "
    "xmlns='urn:xmpp:ping'/></iq>",
    // 23-24: stream errors
    "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text "
    "xmlns='urn:ietf:params:xml:ns:xmpp-streams'>Replaced by new connection</text>"
    "</stream:error>",
    "<stream:error><see-other-host xmlns='urn:ietf:params:xml:ns:xmpp-streams'>"
    "[2001:db8::1]:5222</see-other-host></stream:error>",
    // 25-27: closing tag, whitespace keepalive, an unknown first-level element
    "</stream:stream>",
    "\r\n \t",
    "<foo xmlns='urn:example'/>",
    // 28: the bind result for the request id sequence entropy from 0 gives without SCRAM
    "<iq type='result' id='000102030405'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>"
    "alice@example.com/sansio</jid></bind></iq>",
    // 29: a message larger than small output blocks and event storage limits
    "<message from='bob@example.com/phone' type='chat'><body>"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    "</body><x xmlns='jabber:x:oob'><url>https://example.com/a?b=c&amp;d=e</url></x></message>",
    // 30-31: channel-binding lists (XEP-0440), after and before TLS
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>SCRAM-SHA-1-PLUS</mechanism><mechanism>SCRAM-SHA-256-PLUS</mechanism>"
    "<mechanism>SCRAM-SHA-256</mechanism></mechanisms><sasl-channel-binding "
    "xmlns='urn:xmpp:sasl-cb:0'><channel-binding type='tls-unique'/><channel-binding "
    "type='tls-server-end-point'/></sasl-channel-binding></stream:features>",
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms "
    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-512</mechanism>"
    "<mechanism>ANONYMOUS</mechanism></mechanisms><sasl-channel-binding "
    "xmlns='urn:xmpp:sasl-cb:0'/></stream:features>",
    // 32-34: broken headers and restricted XML
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "id='s2' from='evil.example' version='1.0'>",
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "from='example.com' version='1.0'/>",
    "<!-- a comment -->",
    // 35-36: a stanza cut in two
    "<message from='bob@example.com/x' to='alice@example.com/sansio'><body>",
    "half</body></message>",
    // 37-38: a prefixed stanza, the answer to a ping
    "<cl:message xmlns:cl='jabber:client' to='alice@example.com'><cl:body>prefixed</cl:body>"
    "</cl:message>",
    "<iq type='result' id='ping1' from='example.com'/>",
    // 39-41: an SM request, two <mechanisms/> elements, an XML declaration alone
    "<r xmlns='urn:xmpp:sm:3'/>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/><mechanisms "
    "xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms>"
    "</stream:features>",
    "<?xml version='1.0' encoding='UTF-8'?>",
    // 42-43: headers of another version or namespace
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "id='s3' from='example.com' version='2.0'>",
    "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
    "id='s4'>",
    // 44: features after authentication with unknown and informational children
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sub "
    "xmlns='urn:xmpp:features:pre-approval'/><auth xmlns='http://jabber.org/features/iq-auth'/>"
    "<limits xmlns='urn:xmpp:stream-limits:0'><max-bytes>10000</max-bytes></limits>"
    "</stream:features>",
};
constexpr std::size_t kFragmentCount = std::size(kFragments);

// Clock steps of op_advance.
constexpr Duration kSteps[] = {0ms,    1ms,    2ms, 10ms,    100ms, 999ms,   1000ms, 1001ms,
                               5000ms, 9999ms, 10s, 29999ms, 30s,   30001ms, 60s,    86400s};

// Passwords and what SASLprep (RFC 4013) makes of them, for the server's SCRAM computations.
struct Password {
  std::string_view raw;
  std::string_view prepared;
};
constexpr Password kPasswords[] = {
    {"s3cret", "s3cret"},
    {"p\xC3\xA4ss w\xC3\xB6rd", "p\xC3\xA4ss w\xC3\xB6rd"},
    {"I\xC2\xADX", "IX"},  // U+00AD SOFT HYPHEN is mapped to nothing (RFC 4013 §2.2)
    {"", ""},
};

constexpr std::string_view kSalts[] = {"NaCl-salt", "\x01\x02\x03\x04", "", "s"};
// "i=" values: valid ones, the policy's bounds, and malformed ones.
constexpr std::string_view kIterations[] = {"1", "2", "4096", "0", "1000001", "07", "-1", "x"};
constexpr std::string_view kCacheSalt = kSalts[0];
constexpr std::uint32_t kCacheIterations = 1;

const std::vector<sasl::Mechanism>& mechanism_list(std::uint8_t index) {
  using M = sasl::Mechanism;
  static const std::vector<std::vector<M>> lists = {
      {sasl::kDefaultPreference.begin(), sasl::kDefaultPreference.end()},
      {M::scram_sha_256},
      {M::scram_sha_1},
      {M::scram_sha_512},
      {M::scram_sha_256_plus, M::scram_sha_256},
      {M::scram_sha_512_plus},
      {M::scram_sha_1_plus, M::scram_sha_1},
      {M::plain},
      {M::anonymous},
      {M::plain, M::anonymous},
      {M::anonymous, M::scram_sha_256},
      {M::external, M::plain},
      {M::scram_sha_512_plus, M::scram_sha_256_plus, M::scram_sha_1_plus, M::scram_sha_512,
       M::scram_sha_256, M::scram_sha_1, M::plain, M::external, M::anonymous},
      {},  // invalid_config
  };
  return lists[index % lists.size()];
}

std::optional<std::string> b64_decode(std::string_view text) {
  std::string out;
  if (sasl::base64_decode(text, out) != sasl::Base64Error::ok) return std::nullopt;
  return out;
}

std::string to_hex(std::string_view s) {
  std::string h;
  for (const char c : s) {
    static constexpr char kDigits[] = "0123456789abcdef";
    h += kDigits[static_cast<unsigned char>(c) >> 4];
    h += kDigits[static_cast<unsigned char>(c) & 0xF];
  }
  return h;
}

std::optional<xmpp::crypto::Hash> hash_of(std::string_view mechanism) {
  if (mechanism.starts_with("SCRAM-SHA-1")) return xmpp::crypto::Hash::sha1;
  if (mechanism.starts_with("SCRAM-SHA-256")) return xmpp::crypto::Hash::sha256;
  if (mechanism.starts_with("SCRAM-SHA-512")) return xmpp::crypto::Hash::sha512;
  return std::nullopt;
}

/// What a configuration byte chose besides the ClientConfig itself.
struct Setup {
  ClientConfig config;
  Password password;
  bool small_limits = false;
};

sasl::Entropy make_entropy(std::uint8_t mode, std::uint8_t seed) {
  if (mode == 0) {
    // 0, 1, 2, ... from the seed: request ids are predictable, as in the transcript tests.
    return [next = seed](std::span<std::uint8_t> out) mutable {
      for (auto& b : out)
        b = next++;
    };
  }
  return [rng = fuzz::Prng(0x01000193u * (seed + 1u) + mode)](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = static_cast<std::uint8_t>(rng.next() >> 24);
  };
}

Setup read_config(Input& in) {
  const std::uint8_t c0 = in.byte(), c1 = in.byte(), c2 = in.byte(), c3 = in.byte(), c4 = in.byte(),
                     c5 = in.byte(), c6 = in.byte();
  Setup s{ClientConfig(*xmpp::Jid::parse("alice@example.com")), kPasswords[c2 & 3], false};
  ClientConfig& c = s.config;
  // c0: TLS policy and switches.
  c.tls = static_cast<TlsPolicy>(c0 & 3);
  c.allow_plain_without_tls = (c0 >> 2) & 1;
  c.require_verified_certificate = !((c0 >> 3) & 1);
  c.resource = (c0 >> 4) & 1 ? "" : "sansio";
  if ((c0 >> 5) & 1) c.lang.clear();
  if ((c0 >> 6) & 1) c.credentials.authzid = "alice@example.com";
  if ((c0 >> 7) & 1) c.credentials.username = "Al=ice,x";
  // c1: the mechanisms allowed.
  c.mechanisms = mechanism_list(c1);
  // c2: password (bits 0-1), SCRAM policy (2-3), cached keys (4), nonce size (5), entropy (6-7).
  c.credentials.password = std::string(s.password.raw);
  switch ((c2 >> 2) & 3) {
    case 0:
      c.scram.min_iterations = 1;
      break;
    case 1:
      break;  // the defaults: 4096 .. 1'000'000
    case 2:
      c.scram.min_iterations = 1;
      c.scram.max_iterations = 4096;
      break;
    case 3:
      c.scram.min_iterations = 2;
      c.scram.max_iterations = 2;
      break;
  }
  if ((c2 >> 4) & 1) {
    // Keys derived from the same password for SCRAM-SHA-256 with the first salt: the client may
    // then authenticate without the password.
    sasl::ScramKeyCache cache;
    cache.hash = sasl::ScramHash::sha256;
    cache.salt = std::string(kCacheSalt);
    cache.iterations = kCacheIterations;
    const auto salted = xmpp::crypto::pbkdf2_hmac(
        xmpp::crypto::Hash::sha256, xmpp::crypto::bytes_of(s.password.prepared),
        xmpp::crypto::bytes_of(kCacheSalt), kCacheIterations);
    if (salted && (c6 >> 6) & 1) {
      // Only the two keys derived from the salted password (RFC 5802 §3).
      namespace crypto = xmpp::crypto;
      const auto client_key =
          crypto::hmac(crypto::Hash::sha256, salted->bytes(), crypto::bytes_of("Client Key"));
      const auto server_key =
          crypto::hmac(crypto::Hash::sha256, salted->bytes(), crypto::bytes_of("Server Key"));
      if (client_key) cache.client_key = sasl::ScramKey::from(client_key->bytes());
      if (server_key) cache.server_key = sasl::ScramKey::from(server_key->bytes());
    } else if (salted) {
      cache.salted_password = sasl::ScramKey::from(salted->bytes());
    }
    c.credentials.scram_keys = cache;
    c.credentials.password.clear();
  }
  c.scram.nonce_entropy_bytes = (c2 >> 5) & 1 ? 12 : 24;
  c.entropy = make_entropy(static_cast<std::uint8_t>(c2 >> 6), c3);
  // c4, c5: limits.
  if (c4 & 1) {
    s.small_limits = true;
    // A stream management queue must fit half the output limit (validate()); these limits are
    // far below it. fuzz_client_sm fuzzes stream management with limits that fit.
    c.stream_management.enable = false;
    xmpp::EngineLimits& l = c.limits;
    l.max_events = 1 + ((c4 >> 1) & 7);
    static constexpr std::size_t kSend[] = {1000, 1, 64, 300};
    l.max_send_bytes = kSend[(c5 >> 6) & 3];
    l.max_output_bytes = l.max_send_bytes + xmpp::kEngineOutputReserve + ((c4 >> 4) & 15) * 97u;
    static constexpr std::size_t kBlocks[] = {4096, 1, 16, 100};
    l.output_block_bytes = kBlocks[c5 & 3];
    static constexpr std::size_t kEventBytes[] = {1024 * 1024, 64, 512, 4096};
    l.max_event_bytes = kEventBytes[(c5 >> 2) & 3];
    switch ((c5 >> 4) & 3) {
      case 0:
        break;
      case 1:
        l.parser.max_element_bytes = 512;
        break;
      case 2:
        l.parser.max_depth = 3;
        l.parser.max_attributes = 4;
        break;
      case 3:
        l.parser.max_header_bytes = 120;
        l.parser.max_name_bytes = 12;
        break;
    }
  }
  // c6: timeouts (bits 0-1), keepalive (2-3), resource and policy variants (4-5), the form of
  // cached keys (6, above).
  xmpp::NegotiationTimeouts& t = c.timeouts;
  switch (c6 & 3) {
    case 0:
      break;
    case 1:
      t = {1ms, 1ms, 1ms, 1ms, 1ms};
      break;
    case 2:
      t = {1s, 2s, 3s, 4s, 5s};
      break;
    case 3:
      t = {100ms, 30s, 10ms, 60s, 1ms};
      break;
  }
  static constexpr Duration kKeepalive[] = {0ms, 1ms, 1s, 60s};
  c.keepalive_interval = kKeepalive[(c6 >> 2) & 3];
  switch ((c6 >> 4) & 3) {
    case 0:
      break;
    case 1:
      c.resource = "r\xC3\xA9sum\xC3\xA9 \xE2\x98\x83";
      break;
    case 2:
      c.resource = "bad\xFF";  // invalid_config
      break;
    case 3:
      c.scram.nonce_entropy_bytes = 8;  // invalid_config
      break;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// The session

class Session {
 public:
  explicit Session(Setup setup)
      : password_(setup.password),
        limits_(setup.config.limits),
        config_valid_(xmpp::validate(setup.config) == xmpp::ConfigError::ok),
        shadow_(setup.config),
        client_(std::move(setup.config)) {}

  void run(Input& in) {
    while (!in.done()) {
      ++step_;
      step(in);
      after_op();
    }
    finish();
  }

 private:
  // What API misuse must leave alone.
  struct Snapshot {
    ClientPhase phase;
    const char* out_data;
    std::size_t out_size;
    std::optional<TimePoint> deadline;
    bool secure;
    bool authenticated;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() const {
    const std::string_view out = client_.output();
    return {client_.phase(),  out.empty() ? nullptr : out.data(),
            out.size(),       client_.next_deadline(),
            client_.secure(), client_.authenticated()};
  }
  void unchanged(const Snapshot& before, const char* what) { check(snapshot() == before, what); }

  void check(bool ok, const char* what) {
    if (ok) [[likely]]
      return;
    std::string d = "operation ";
    d += std::to_string(step_);
    d += ", phase ";
    d += xmpp::to_string(client_.phase());
    d += ", policy ";
    d += xmpp::to_string(client_.config().tls);
    d += "\n--- written so far:\n";
    d += written_;
    fuzz::fail(what, d);
  }

  void trace(const char* fmt, auto... args) {
    if (!trace_enabled()) return;
    std::fprintf(stderr, "[%zu %s] ", step_, std::string(xmpp::to_string(client_.phase())).c_str());
    std::fprintf(stderr, fmt, args...);
    std::fputc('\n', stderr);
  }

  static bool refuses_bytes(ClientPhase p) {
    return p == ClientPhase::idle || p == ClientPhase::awaiting_tls ||
           p == ClientPhase::tls_handoff || p == ClientPhase::closed;
  }

  void step(Input& in) {
    const auto op = static_cast<Op>(in.byte() % kOpCount);
    switch (op) {
      case op_connect:
        connect();
        break;
      case op_fragment: {
        const std::uint8_t index = in.byte(), mode = in.byte();
        emit(kFragments[index % kFragmentCount], mode);
        break;
      }
      case op_raw:
        server_ += in.bytes(in.byte());
        break;
      case op_dynamic: {
        const std::uint8_t kind = in.byte(), arg = in.byte(), mode = in.byte();
        emit(dynamic(static_cast<Dynamic>(kind % kDynamicCount), arg), mode);
        break;
      }
      case op_feed: {
        const std::uint8_t count = in.byte(), chunk = in.byte();
        feed(count == 0 ? server_.size() : count, chunk);
        break;
      }
      case op_advance:
        advance(kSteps[in.byte() % std::size(kSteps)]);
        break;
      case op_to_deadline:
        to_deadline(in.byte() % 3);
        break;
      case op_tls:
        tls(in.byte());
        break;
      case op_send: {
        const std::uint8_t index = in.byte(), size = in.byte();
        send(index, size);
        break;
      }
      case op_close:
        close();
        break;
      case op_eof:
        eof();
        break;
      case op_drain_output: {
        const std::uint8_t n = in.byte();
        drain_output(n == 0 ? SIZE_MAX : n);
        break;
      }
      case op_poll: {
        const std::uint8_t n = in.byte();
        poll(n == 0 ? SIZE_MAX : n);
        break;
      }
      case op_drain_all:
        drain_all();
        break;
      case op_misuse:
        misuse(in.byte());
        break;
      case op_memory:
        memory(in.byte());
        break;
      case kOpCount:
        break;
    }
  }

  // -- Server bytes --------------------------------------------------------------------------

  void emit(std::string_view bytes, std::uint8_t mode) {
    server_ += bytes;
    if (mode & 1) feed(server_.size(), 0);
    if (mode & 2) drain_all();
  }

  // The text of the last `<name ...>text</name>` the client wrote (or is about to write), with
  // the start tag in `tag`; nothing when it wrote none.
  std::optional<std::string_view> last_element(std::string_view name, std::string_view* tag) {
    seen_ = written_;
    seen_ += client_.output();
    const std::string open = "<" + std::string(name) + " ";
    const std::size_t start = seen_.rfind(open);
    if (start == std::string::npos) return std::nullopt;
    const std::size_t gt = seen_.find('>', start);
    if (gt == std::string::npos) return std::nullopt;
    const std::string_view view(seen_);
    if (tag) *tag = view.substr(start, gt + 1 - start);
    if (seen_[gt - 1] == '/') return std::string_view{};
    const std::size_t end = seen_.find("</" + std::string(name) + ">", gt);
    if (end == std::string::npos) return std::nullopt;
    return view.substr(gt + 1, end - gt - 1);
  }

  // The id of the client's latest IQ request (bind or session), or a guess.
  std::string request_id() {
    std::string_view tag;
    if (last_element("iq", &tag) && !attribute_in(tag, "id").empty()) {
      return std::string(attribute_in(tag, "id"));
    }
    return "000102030405";
  }

  std::string dynamic(Dynamic kind, std::uint8_t arg) {
    switch (kind) {
      case dyn_scram_first:
        return scram_first(arg);
      case dyn_scram_success:
        return "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + scram_final(arg) +
               "</success>";
      case dyn_scram_final_challenge:
        return "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + scram_final(arg) +
               "</challenge>";
      case dyn_bind_result: {
        static constexpr std::string_view kJids[] = {
            "",  // the configured resource (or one the server chose)
            "Alice@EXAMPLE.com/server-chosen",
            "alice@example.com",
            "bob@example.com/x",
            "alice@other.example/x",
            "@example.com/x",
            "alice@example.com/",
            "al=ice,x@example.com/r",
            "anon-8f2d@example.com/r",
            "alice@example.com./r",
            "alice@example.com/\xC3\xA9t\xC3\xA9",
            "alice@example.com/r\xFF",
        };
        std::string jid(kJids[(arg & 15) % std::size(kJids)]);
        if (jid.empty()) {
          const std::string_view resource = client_.config().resource;
          jid = "alice@example.com/" + std::string(resource.empty() ? "srv" : resource);
        }
        return "<iq type='result' id='" + request_id() + "'" + from_attribute(arg >> 4) +
               "><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>" + jid + "</jid></bind></iq>";
      }
      case dyn_request_result:
        return "<iq type='result' id='" + request_id() + "'" + from_attribute(arg) + "/>";
      case dyn_request_error: {
        static constexpr std::string_view kConditions[] = {
            "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
            "<not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text>",
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>only text</text>",
            "",
        };
        return "<iq type='error' id='" + request_id() + "'><error type='cancel'>" +
               std::string(kConditions[arg % std::size(kConditions)]) + "</error></iq>";
      }
      case dyn_request_bad_type:
        return "<iq type='" + std::string(arg & 1 ? "get" : "set") + "' id='" + request_id() +
               "'/>";
      case kDynamicCount:
        break;
    }
    return {};
  }

  static std::string from_attribute(unsigned which) {
    static constexpr std::string_view kFroms[] = {"",
                                                  " from='example.com'",
                                                  " from='alice@example.com'",
                                                  " from='bob@example.com'",
                                                  " from='EXAMPLE.COM'",
                                                  " from='alice@example.com/sansio'",
                                                  " from='not a jid'",
                                                  ""};
    return std::string(kFroms[which % std::size(kFroms)]);
  }

  // The server-first-message (RFC 5802 §5.1) for the client's latest <auth/>.
  std::string scram_first(std::uint8_t arg) {
    scram_ = {};
    std::string_view tag;
    const auto text = last_element("auth", &tag);
    std::string cnonce = "fyko+d2lbbFgONRv9qkxdawL";
    if (text) {
      scram_.mechanism = std::string(attribute_in(tag, "mechanism"));
      if (const auto first = b64_decode(*text)) {
        // client-first-message = gs2-header client-first-message-bare; the gs2-header ends at
        // its second comma (an authzid has its commas escaped as =2C).
        const std::size_t comma = first->find(',');
        const std::size_t second = comma == std::string::npos ? comma : first->find(',', comma + 1);
        if (second != std::string::npos) {
          scram_.client_first_bare = first->substr(second + 1);
          const std::size_t r = scram_.client_first_bare.find(",r=");
          if (r != std::string::npos) {
            cnonce = scram_.client_first_bare.substr(r + 3);
            cnonce = cnonce.substr(0, cnonce.find(','));
          }
        }
      }
    }
    scram_.salt = std::string(kSalts[arg & 3]);
    scram_.iterations = std::string(kIterations[(arg >> 2) & 7]);
    std::string nonce;
    switch (arg >> 5) {
      case 0:
      case 1:
      case 2:
        nonce = cnonce + "3rfcNHYJY1ZVvWVs7j";
        break;
      case 3:
        nonce = "3rfcNHYJY1ZVvWVs7j";  // does not start with the client's nonce
        break;
      case 4:
        nonce = cnonce;  // the server added nothing
        break;
      default:
        nonce = cnonce + "x,m=mandatory-extension";
        break;
    }
    scram_.server_first =
        "r=" + nonce + ",s=" + sasl::base64_encode(scram_.salt) + ",i=" + scram_.iterations;
    if ((arg >> 5) == 2) scram_.server_first += ",x=an-extension";
    return "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
           sasl::base64_encode(scram_.server_first) + "</challenge>";
  }

  // The base64 of a server-final-message for the client's latest <response/>: arg 0 (and most
  // values) the correct v=, 1 a wrong signature, 2 e=invalid-proof, 3 an extension after v=,
  // 4 empty data, 5 not base64.
  std::string scram_final(std::uint8_t arg) {
    switch (arg % 8) {
      case 2:
        return sasl::base64_encode("e=invalid-proof");
      case 4:
        return "=";
      case 5:
        return "v=!";
      default:
        break;
    }
    std::string signature = server_signature();
    if (arg % 8 == 1 && !signature.empty()) signature[0] = static_cast<char>(signature[0] ^ 1);
    std::string message = "v=" + sasl::base64_encode(signature);
    if (arg % 8 == 3) message += ",x=ext";
    return sasl::base64_encode(message);
  }

  // ServerSignature = HMAC(ServerKey, AuthMessage) (RFC 5802 §3), computed as the server would
  // from the exchange the client really had; empty when it cannot be.
  std::string server_signature() {
    const auto hash = hash_of(scram_.mechanism);
    const auto text = last_element("response", nullptr);
    if (!hash || !text || scram_.server_first.empty()) return {};
    const auto final_message = b64_decode(*text);
    if (!final_message) return {};
    const std::size_t proof = final_message->rfind(",p=");
    if (proof == std::string::npos) return {};
    const std::string auth_message = scram_.client_first_bare + "," + scram_.server_first + "," +
                                     final_message->substr(0, proof);
    // Only iteration counts the harness can afford (and the client accepts) are computed.
    std::uint32_t iterations = 0;
    for (const char c : scram_.iterations) {
      if (c < '0' || c > '9' || iterations > 100000) return {};
      iterations = iterations * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (iterations == 0 || iterations > 100000) return {};
    namespace crypto = xmpp::crypto;
    const auto salted = crypto::pbkdf2_hmac(*hash, crypto::bytes_of(password_.prepared),
                                            crypto::bytes_of(scram_.salt), iterations);
    if (!salted) return {};
    const auto server_key = crypto::hmac(*hash, salted->bytes(), crypto::bytes_of("Server Key"));
    if (!server_key) return {};
    const auto signature = crypto::hmac(*hash, server_key->bytes(), crypto::bytes_of(auth_message));
    if (!signature) return {};
    trace("server signature %s", to_hex(signature->chars()).c_str());
    return std::string(signature->chars());
  }

  // -- Inputs --------------------------------------------------------------------------------

  // Called right before every input call: polled Stanza elements must still be intact (the API
  // keeps them valid until now); after the call they may not be.
  void before_input() {
    verify_stanzas();
    stanzas_.clear();
    pressure_ = {};
  }

  void verify_stanzas() {
    for (const auto& [element, xml] : stanzas_) {
      std::string again;
      check(xml::write(element, again, fuzz::client_stream_scope()) == xml::WriteStatus::ok &&
                again == xml,
            "a polled Stanza element changed before the next input call");
    }
  }

  void verify_held_output() {
    if (held_.empty()) return;
    const std::string_view out = client_.output();
    check(out.data() == held_data_ && out.size() >= held_.size(),
          "the output view moved or shrank without consume_output()");
    // Read through the old pointer: ASan reports it if the block was freed meanwhile.
    check(std::memcmp(held_data_, held_.data(), held_.size()) == 0,
          "queued output bytes changed before they were consumed");
  }

  void feed(std::size_t count, std::uint8_t chunk) {
    count = std::min(count, server_.size());
    std::size_t offset = 0;
    bool drop_rest = false;
    std::string consumed;  // what the client took, for the shadow
    std::string tail;      // the rest of the read in which the session stopped
    ReceiveStatus last = ReceiveStatus::all_consumed;
    do {
      const std::size_t length =
          chunk == 0 ? count - offset : std::min<std::size_t>(chunk, count - offset);
      // A copy that is overwritten after the call: the engine must not keep the caller's buffer.
      std::string piece = server_.substr(offset, length);
      before_input();
      const ClientPhase pre = client_.phase();
      const Snapshot before = snapshot();
      const auto r = client_.receive(piece, now_);
      if (r.consumed <= piece.size()) {
        consumed.append(piece, 0, r.consumed);
        if (r.status == ReceiveStatus::closed || r.status == ReceiveStatus::stream_error ||
            r.status == ReceiveStatus::tls_handoff) {
          tail = piece.substr(r.consumed);
        }
      }
      if (r.status != ReceiveStatus::invalid_state) last = r.status;
      std::fill(piece.begin(), piece.end(), '\xEE');
      trace("receive %zu bytes: consumed %zu, %s", length, r.consumed,
            std::string(xmpp::to_string(r.status)).c_str());
      check(r.consumed <= length, "receive() consumed more than it was given");
      check((r.status == ReceiveStatus::invalid_state) == refuses_bytes(pre),
            "receive() is refused exactly in idle, awaiting_tls, tls_handoff and closed");
      if (client_.phase() == ClientPhase::closed && pre != ClientPhase::closed) {
        check(r.status == ReceiveStatus::closed || r.status == ReceiveStatus::stream_error,
              "the session closed but receive() did not say so");
      }
      offset += r.consumed;
      bool stop = true;
      switch (r.status) {
        case ReceiveStatus::all_consumed:
          check(r.consumed == length, "all_consumed without consuming everything");
          stop = false;
          break;
        case ReceiveStatus::tls_handoff:
          check(client_.phase() == ClientPhase::tls_handoff, "tls_handoff outside that phase");
          drop_rest = true;  // the bytes after <proceed/> belong to the TLS layer
          break;
        case ReceiveStatus::stream_error:
          check(client_.phase() == ClientPhase::closed, "receive() said stream_error, not closed");
          drop_rest = true;
          break;
        case ReceiveStatus::closed:
          check(client_.phase() == ClientPhase::closed, "receive() said closed, the phase is not");
          drop_rest = true;
          break;
        case ReceiveStatus::drain_needed:
          check(client_.phase() != ClientPhase::closed, "drain_needed after the session closed");
          // Checked by the next drain_all(), unless another call comes first.
          pressure_ = Pressure{true};
          break;
        case ReceiveStatus::invalid_state:
          check(r.consumed == 0, "invalid_state yet bytes were consumed");
          unchanged(before, "a refused receive() changed the engine");
          break;
      }
      if (stop) break;
    } while (offset < count);
    server_.erase(0, drop_rest ? server_.size() : offset);
    if (!consumed.empty() || !tail.empty()) shadow_.mirror_receive(consumed, tail, last, now_);
  }

  void advance(Duration d) {
    before_input();
    now_ += d;
    const auto deadline = client_.next_deadline();
    const Snapshot before = snapshot();
    client_.handle_timeout(now_);
    shadow_.client.handle_timeout(now_);
    trace("handle_timeout +%lld ms", static_cast<long long>(d.count()));
    after_timeout(before, deadline);
  }

  void to_deadline(std::uint8_t mode) {
    const auto deadline = client_.next_deadline();
    if (!deadline) return;
    before_input();
    TimePoint at = *deadline;
    if (mode == 1) at -= 1ms;
    if (mode == 2) at += 1ms;
    // The engine's clock never runs backwards.
    now_ = std::max(now_, at);
    const Snapshot before = snapshot();
    client_.handle_timeout(now_);
    shadow_.client.handle_timeout(now_);
    trace("handle_timeout at the deadline (mode %d)", mode);
    after_timeout(before, deadline);
  }

  void after_timeout(const Snapshot& before, std::optional<TimePoint> deadline) {
    const auto next = client_.next_deadline();
    check(!next || *next > now_, "a timer due at handle_timeout(now) did not fire");
    if (!deadline || *deadline > now_) unchanged(before, "an early handle_timeout() changed state");
  }

  static xmpp::TlsInfo tls_info(std::uint8_t flags) {
    xmpp::TlsInfo info;
    info.peer_verified = flags & 1;
    static constexpr sasl::TlsVersion kVersions[] = {
        sasl::TlsVersion::tls_1_3, sasl::TlsVersion::tls_1_2, sasl::TlsVersion::other,
        sasl::TlsVersion::tls_1_3};
    info.channel.version = kVersions[(flags >> 1) & 3];
    const std::size_t size = (flags >> 6) & 1 ? 1 : 32;
    if (!((flags >> 3) & 1)) info.channel.tls_exporter = std::string(size, '\x5a');
    if ((flags >> 4) & 1) info.channel.tls_unique = std::string(12, '\x17');
    if (!((flags >> 5) & 1)) info.channel.tls_server_end_point = std::string(size, '\x3c');
    return info;
  }

  void tls(std::uint8_t flags) {
    const ClientPhase pre = client_.phase();
    const bool allowed = pre == ClientPhase::tls_handoff || pre == ClientPhase::awaiting_tls;
    if (allowed) {
      // An adapter writes out every byte in the clear before starting the handshake.
      drain_output(SIZE_MAX);
      if (pre == ClientPhase::awaiting_tls) {
        check(written_.empty(), "direct TLS: the client wrote before the handshake");
      }
    }
    before_input();
    const Snapshot before = snapshot();
    const xmpp::TlsInfo info = tls_info(flags);
    const CommandStatus status = client_.tls_established(info, now_);
    trace("tls_established(verified=%d): %s", info.peer_verified,
          std::string(xmpp::to_string(status)).c_str());
    if (!allowed) {
      check(status == CommandStatus::invalid_state, "tls_established() outside the hand-off");
      unchanged(before, "a refused tls_established() changed the engine");
      return;
    }
    check(status == CommandStatus::ok, "tls_established() refused during the hand-off");
    check(shadow_.client.tls_established(info, now_) == CommandStatus::ok,
          "chunking: the shadow refused tls_established()");
    const bool accepted = info.peer_verified || !client_.config().require_verified_certificate;
    check(client_.secure() == accepted, "secure() does not follow the certificate policy");
    if (!accepted) check(client_.phase() == ClientPhase::closed, "an unverified peer was kept");
    if (accepted && tls_mark_ == std::string::npos) tls_mark_ = written_.size();
  }

  void connect() {
    pressure_ = {};
    const ClientPhase pre = client_.phase();
    // connect() after Closed starts another connection (and may resume a stream management
    // session); this target follows one connection, fuzz_client_sm follows several.
    if (pre == ClientPhase::closed) return;
    const Snapshot before = snapshot();
    const CommandStatus status = client_.connect(now_);
    trace("connect: %s", std::string(xmpp::to_string(status)).c_str());
    if (pre != ClientPhase::idle) {
      check(status == CommandStatus::invalid_state, "connect() twice");
      unchanged(before, "a refused connect() changed the engine");
    } else if (!config_valid_) {
      check(status == CommandStatus::invalid_config, "connect() with an invalid configuration");
      unchanged(before, "a refused connect() changed the engine");
    } else {
      check(status == CommandStatus::ok && client_.phase() != ClientPhase::idle,
            "connect() did not start the session");
      check(shadow_.client.connect(now_) == CommandStatus::ok, "the shadow refused connect()");
    }
  }

  void send(std::uint8_t index, std::uint8_t size) {
    xml::Arena arena(256);
    xml::Element element;
    enum class Expect { sendable, reserved, unserializable } expect = Expect::sendable;
    switch (index % 9) {
      case 0: {
        xml::Builder b(arena, "message", "jabber:client");
        b.attribute("to", "bob@example.com").attribute("type", "chat").attribute("id", "a1");
        b.start("body").text("Hello <Bob> & co").end();
        element = b.root();
        break;
      }
      case 1: {
        xml::Builder b(arena, "presence", "jabber:client");
        b.start("show").text("dnd").end().start("status").text("busy").end();
        element = b.root();
        break;
      }
      case 2: {
        xml::Builder b(arena, "iq", "jabber:client");
        b.attribute("type", "get").attribute("id", "roster1").start("query", "jabber:iq:roster");
        element = b.root();
        break;
      }
      case 3:
        element = xml::Builder(arena, "active", "urn:xmpp:csi:0").root();
        break;
      case 4:
        element = xml::Builder(arena, "auth", sasl::kNamespace).root();
        expect = Expect::reserved;
        break;
      case 5:
        expect = Expect::reserved;  // the null element
        break;
      case 6: {
        // A large message: too_large or would_block with small limits.
        xml::Builder b(arena, "message", "jabber:client");
        b.attribute("to", "bob@example.com").start("body").text(std::string(size * 8u, 'z'));
        element = b.root();
        break;
      }
      case 7: {
        xml::Builder b(arena, "message", "jabber:client");
        b.start("body").text("bell \x07");
        element = b.root();
        expect = Expect::unserializable;
        break;
      }
      case 8:
        element = xml::Builder(arena, "features", "http://etherx.jabber.org/streams").root();
        expect = Expect::reserved;
        break;
    }
    pressure_ = {};
    const ClientPhase pre = client_.phase();
    const Snapshot before = snapshot();
    const SendStatus status = client_.send(element);
    // The shadow's output is always drained, so it takes whatever the client took.
    if (status == SendStatus::ok) {
      check(shadow_.client.send(element) == SendStatus::ok, "chunking: the shadow refused send()");
    }
    trace("send %d: %s", index % 9, std::string(xmpp::to_string(status)).c_str());
    if (status != SendStatus::ok) unchanged(before, "a refused send() changed the engine");
    if (pre != ClientPhase::online) {
      check(status == SendStatus::not_online, "send() accepted while not online");
      return;
    }
    switch (expect) {
      case Expect::reserved:
        check(status == SendStatus::reserved_element, "a reserved element was not refused");
        break;
      case Expect::unserializable:
        check(status == SendStatus::unserializable, "an unserialisable element was not refused");
        break;
      case Expect::sendable:
        check(status == SendStatus::ok || status == SendStatus::would_block ||
                  status == SendStatus::too_large,
              "a plain stanza was refused for a wrong reason");
        break;
    }
  }

  void close() {
    pressure_ = {};
    const ClientPhase pre = client_.phase();
    const Snapshot before = snapshot();
    const CommandStatus status = client_.close(now_);
    trace("close: %s", std::string(xmpp::to_string(status)).c_str());
    if (pre == ClientPhase::idle || pre == ClientPhase::closing || pre == ClientPhase::closed) {
      check(status == CommandStatus::invalid_state, "close() accepted in idle/closing/closed");
      unchanged(before, "a refused close() changed the engine");
      return;
    }
    check(status == CommandStatus::ok, "close() refused while the session runs");
    check(shadow_.client.close(now_) == CommandStatus::ok, "chunking: the shadow refused close()");
    check(client_.phase() == ClientPhase::closing || client_.phase() == ClientPhase::closed,
          "close() did not move to closing or closed");
  }

  void eof() {
    before_input();
    const ClientPhase pre = client_.phase();
    const Snapshot before = snapshot();
    const CommandStatus status = client_.receive_eof(now_);
    trace("receive_eof: %s", std::string(xmpp::to_string(status)).c_str());
    if (pre == ClientPhase::idle || pre == ClientPhase::closed) {
      check(status == CommandStatus::invalid_state, "receive_eof() accepted in idle or closed");
      unchanged(before, "a refused receive_eof() changed the engine");
      return;
    }
    check(status == CommandStatus::ok && client_.phase() == ClientPhase::closed,
          "receive_eof() did not end the session");
    check(shadow_.client.receive_eof(now_) == CommandStatus::ok,
          "chunking: the shadow refused receive_eof()");
  }

  void misuse(std::uint8_t which) {
    const Snapshot before = snapshot();
    switch (which % 4) {
      case 0: {
        const std::size_t n = client_.output().size() + 1 + which / 4;
        check(client_.consume_output(n) == CommandStatus::invalid_state,
              "consume_output() beyond output() accepted");
        unchanged(before, "a refused consume_output() changed the engine");
        break;
      }
      case 1:
        if (refuses_bytes(client_.phase())) feed_misplaced();
        break;
      case 2:
        connect();
        break;
      case 3:
        if (client_.phase() != ClientPhase::tls_handoff &&
            client_.phase() != ClientPhase::awaiting_tls) {
          tls(which);
        }
        break;
    }
  }

  void feed_misplaced() {
    before_input();
    const Snapshot before = snapshot();
    const auto r = client_.receive("<presence/>", now_);
    check(r.status == ReceiveStatus::invalid_state && r.consumed == 0,
          "receive() accepted in a phase that refuses bytes");
    unchanged(before, "a refused receive() changed the engine");
  }

  void memory(std::uint8_t which) {
    switch (which % 3) {
      case 0: {
        // The API says release_memory() ends the validity of polled Stanza elements.
        stanzas_.clear();
        const Snapshot before = snapshot();
        client_.release_memory();
        unchanged(before, "release_memory() changed the engine");
        break;
      }
      case 1:
        check(client_.heap_bytes() >= sizeof(void*), "heap_bytes() is implausible");
        break;
      case 2: {
        // Moving may end the validity of views and elements; the session must go on unchanged.
        stanzas_.clear();
        held_.clear();
        const ClientPhase phase = client_.phase();
        Client moved(std::move(client_));
        client_ = std::move(moved);
        check(client_.phase() == phase, "moving the engine changed its phase");
        break;
      }
    }
  }

  // -- Drains --------------------------------------------------------------------------------

  std::size_t drain_output(std::size_t limit) {
    verify_held_output();
    std::size_t total = 0;
    while (total < limit) {
      const std::string_view out = client_.output();
      if (out.empty()) break;
      check(out.size() <= limits_.max_output_bytes, "output() exceeds max_output_bytes");
      const std::size_t n = std::min(out.size(), limit - total);
      written_.append(out.substr(0, n));
      check(client_.consume_output(n) == CommandStatus::ok, "consume_output(output().size())");
      total += n;
    }
    held_.clear();
    if (pressure_.active) pressure_.bytes += total;
    return total;
  }

  std::size_t poll(std::size_t limit) {
    std::size_t n = 0;
    while (n < limit) {
      auto e = client_.poll_event();
      if (!e) break;
      ++n;
      on_event(*e);
    }
    if (pressure_.active) pressure_.events += n;
    return n;
  }

  void on_event(Event& e) {
    trace("event %s", describe(e).c_str());
    events_.push_back(semantics(e));
    check(!closed_polled_, "an event after Closed");
    // Stanzas that can no longer be confirmed are handed back (Unconfirmed) just before Closed.
    const bool unconfirmed = std::holds_alternative<event::Unconfirmed>(e);
    if (error_polled_) {
      check(std::holds_alternative<event::Closed>(e) || unconfirmed,
            "a stream error not followed by Closed");
    }
    if (!unconfirmed) error_polled_ = false;
    if (auto* closed = std::get_if<event::Closed>(&e)) {
      (void)closed;
      closed_polled_ = true;
      check(client_.phase() == ClientPhase::closed, "Closed polled while the phase is not closed");
    } else if (std::holds_alternative<event::StreamErrorSent>(e) ||
               std::holds_alternative<event::StreamErrorReceived>(e)) {
      error_polled_ = true;
    } else if (auto* online = std::get_if<event::Online>(&e)) {
      check(++online_events_ == 1, "Online twice");
      check(client_.bound_jid() != nullptr && *client_.bound_jid() == online->jid,
            "Online without the bound JID");
    } else if (auto* failed = std::get_if<event::AuthenticationFailed>(&e)) {
      if (failed->error != sasl::Error::ok) failed_locally_ = true;
    } else if (std::holds_alternative<event::Authenticated>(e)) {
      check(++authenticated_events_ == 1, "Authenticated twice");
      check(client_.authenticated(), "Authenticated but authenticated() is false");
    } else if (auto* stanza = std::get_if<event::Stanza>(&e)) {
      if (pressure_.active) pressure_.stanza = true;
      std::string xml;
      check(static_cast<bool>(stanza->element), "a null Stanza element");
      check(xml::write(stanza->element, xml, fuzz::client_stream_scope()) == xml::WriteStatus::ok,
            "a Stanza element cannot be written back");
      stanzas_.emplace_back(stanza->element, std::move(xml));
    }
  }

  // Everything, as a synchronous adapter does after each call; checks the bounds and, after
  // drain_needed, that a queue really was at its limit.
  void drain_all() {
    const std::size_t bytes = drain_output(SIZE_MAX);
    check(bytes <= limits_.max_output_bytes, "more than max_output_bytes were queued");
    const std::size_t events = poll(SIZE_MAX);
    check(events <= limits_.max_events + 3, "more than max_events + 3 events were pending");
    if (pressure_.active) {
      check(pressure_.events >= limits_.max_events ||
                pressure_.bytes >= limits_.max_output_bytes / 2 || pressure_.stanza,
            "drain_needed while no queue was at its limit");
      pressure_ = {};
    }
  }

  // -- The shadow ----------------------------------------------------------------------------

  // -- After every operation -----------------------------------------------------------------

  void after_op() {
    shadow_.drain();
    check(shadow_.client.phase() == client_.phase() &&
              shadow_.client.secure() == client_.secure() &&
              shadow_.client.authenticated() == client_.authenticated() &&
              shadow_.client.next_deadline() == client_.next_deadline(),
          "chunking: the shadow fed the same bytes in one piece is in another state");
    check_getters();
    // The API keeps polled Stanza elements valid across commands and drains: only an input call
    // (or release_memory()) ends them.
    verify_stanzas();
    verify_held_output();
    const std::string_view out = client_.output();
    check(out.size() <= limits_.max_output_bytes, "output() exceeds max_output_bytes");
    if (held_.empty() && !out.empty()) {
      held_.assign(out);
      held_data_ = out.data();
    }
    if (client_.phase() == ClientPhase::closed) {
      check(!client_.next_deadline(), "a timer is armed after the session closed");
      if (!closed_drained_) {
        // Write out what the session left; from now on nothing may be added.
        drain_output(SIZE_MAX);
        closed_drained_ = true;
      }
      check(client_.output().empty(), "output after the session closed");
    }
    if (closed_polled_) {
      check(!client_.poll_event(), "an event after Closed");
      before_input();
      const Snapshot before = snapshot();
      check(client_.receive("<presence/>", now_).status == ReceiveStatus::invalid_state &&
                client_.receive_eof(now_) == CommandStatus::invalid_state &&
                client_.close(now_) == CommandStatus::invalid_state &&
                client_.tls_established(tls_info(1), now_) == CommandStatus::invalid_state,
            "a call after Closed was not refused");
      unchanged(before, "a call after Closed changed the engine");
    }
  }

  // What the getters say follows the phase: the server's header is known from its arrival to
  // the next restart, and every restart forgets the features (RFC 6120 §5.4.3.3, §6.4.6).
  void check_getters() {
    switch (client_.phase()) {
      case ClientPhase::idle:
      case ClientPhase::awaiting_tls:
      case ClientPhase::awaiting_stream:
      case ClientPhase::tls_handoff:
        check(client_.features().empty(), "features kept across a stream restart");
        if (client_.phase() != ClientPhase::awaiting_stream) {
          check(client_.stream_id().empty(), "a stream id before the server's header");
        }
        break;
      case ClientPhase::awaiting_features:
      case ClientPhase::starttls_requested:
      case ClientPhase::authenticating:
      case ClientPhase::binding:
      case ClientPhase::resuming:
      case ClientPhase::establishing_session:
      case ClientPhase::online:
        check(!client_.stream_id().empty(), "no stream id after the server's header");
        break;
      case ClientPhase::closing:
      case ClientPhase::closed:
        break;
    }
    if (client_.phase() == ClientPhase::authenticating) {
      check(client_.mechanism().has_value(), "authenticating without a mechanism");
    }
  }

  void finish() {
    drain_all();
    shadow_.expect_same(written_, events_);
    check(!error_polled_, "a stream error not followed by Closed");
    check(!client_.poll_event(), "events left after a full drain");
    const std::string_view log = written_;
    const ClientConfig& config = client_.config();
    const std::string_view clear = log.substr(0, tls_mark_);
    if (config.tls == TlsPolicy::required || config.tls == TlsPolicy::direct) {
      check(clear.find("<auth") == std::string_view::npos, "<auth> before TLS");
      check(clear.find("<iq") == std::string_view::npos, "an IQ before TLS");
      check(clear.find("<response") == std::string_view::npos, "a SASL response before TLS");
    }
    if (config.tls == TlsPolicy::direct) check(clear.empty(), "direct TLS: bytes before TLS");
    check(clear.find("<stream:stream from=") == std::string_view::npos,
          "the header names the account in the clear");
    check(
        config.allow_plain_without_tls || clear.find("mechanism='PLAIN'") == std::string_view::npos,
        "PLAIN in the clear");
    check(clear.find("-PLUS'") == std::string_view::npos, "channel binding without TLS");
    // The mechanism() of the session is the one its last <auth/> named.
    std::string_view auth_tag;
    if (last_element("auth", &auth_tag) || !auth_tag.empty()) {
      check(client_.mechanism() &&
                sasl::to_string(*client_.mechanism()) == attribute_in(auth_tag, "mechanism"),
            "mechanism() is not the one of the last <auth/>");
    } else {
      // A mechanism that fails before its <auth/> (e.g. no password for it) is still reported.
      check(!client_.mechanism() || failed_locally_, "mechanism() without an <auth/>");
    }
    // Every <auth/> names a mechanism the configuration allows.
    for (std::size_t at = log.find("<auth "); at != std::string_view::npos;
         at = log.find("<auth ", at + 1)) {
      const std::string_view tag = log.substr(at, log.find('>', at) - at);
      const auto m = sasl::mechanism_from_string(attribute_in(tag, "mechanism"));
      check(m && std::find(config.mechanisms.begin(), config.mechanisms.end(), *m) !=
                     config.mechanisms.end(),
            "<auth> with a mechanism the configuration does not allow");
    }
    // RFC 6120 §4.4: nothing after our closing tag.
    const std::size_t close = log.find("</stream:stream>");
    if (close != std::string_view::npos) {
      check(close + 16 == log.size(), "output after our </stream:stream>");
    }
    if (client_.secure()) check(tls_mark_ != std::string::npos, "secure() without a TLS hand-off");
  }

  struct Pressure {
    bool active = false;
    std::size_t events = 0;  // polled since drain_needed
    std::size_t bytes = 0;   // consumed since drain_needed
    bool stanza = false;     // a Stanza event was among them
  };

  struct Scram {
    std::string mechanism;
    std::string client_first_bare;
    std::string server_first;
    std::string salt;
    std::string iterations;
  };

  const Password password_;
  const xmpp::EngineLimits limits_;
  const bool config_valid_;
  // The same session fed the bytes the client consumed in one piece per feed operation,
  // drained completely after every operation and never misused: its output, events and state
  // must be the client's (a Sans-IO engine does not depend on how its input is cut or when its
  // output is taken).
  fuzz::Shadow shadow_;
  std::vector<std::string> events_;  // the client's, as semantics() describes them
  Client client_;
  TimePoint now_{std::chrono::hours(1000)};
  std::size_t step_ = 0;
  std::string server_;   // server bytes queued, not yet received
  std::string written_;  // everything consumed from output(), in order
  std::string seen_;     // scratch: written_ plus the unconsumed front of output()
  std::size_t tls_mark_ = std::string::npos;  // written_.size() when TLS was established
  std::string held_;                          // a copy of an output() view not yet consumed
  const char* held_data_ = nullptr;
  std::vector<std::pair<xml::Element, std::string>> stanzas_;  // polled since the last input
  Pressure pressure_;
  Scram scram_;
  bool closed_drained_ = false;
  bool closed_polled_ = false;
  bool error_polled_ = false;
  bool failed_locally_ = false;  // an AuthenticationFailed for an error found by the client
  int online_events_ = 0;
  int authenticated_events_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(std::string_view(reinterpret_cast<const char*>(data), size));
  Session session(read_config(in));
  session.run(in);
  return 0;
}
