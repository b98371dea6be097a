// The input format of fuzz_client_sm: its opcodes, its configuration bytes and what the scripted
// server and the application send. fuzz/make_sm_seeds.py mirrors these numbers.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_client_common.hpp"
#include "sm/crc32.hpp"
#include "sm/sequence.hpp"
#include "xmpp/client.hpp"
#include "xmpp/xml.hpp"

namespace fuzz::sm_input {

using namespace std::chrono_literals;
using xmpp::ClientConfig;
using xmpp::Duration;
namespace sm = xmpp::sm;
namespace xml = xmpp::xml;

// The operations of the program.
enum Op : std::uint8_t {
  op_negotiate = 0,      // how (see negotiate()), feed
  op_enabled = 1,        // id and resume, max and location, feed
  op_ack = 2,            // h form, h value, feed
  op_request = 3,        // feed
  op_resumed = 4,        // previd (bits 0-1) and h form (2-4), h value, feed
  op_failed = 5,         // condition (bits 0-2), h present (3), h form (4-6), h value, feed
  op_stanza = 6,         // index into kStanzas, feed
  op_fragment = 7,       // index into kFragments, feed
  op_raw = 8,            // length, that many bytes, feed (length 0: just feed the queue)
  op_send = 9,           // kind (see send()), size
  op_close = 10,         // -
  op_abandon = 11,       // -
  op_eof = 12,           // -
  op_connect = 13,       // -
  op_advance = 14,       // index into kSteps; then handle_timeout()
  op_to_deadline = 15,   // 0: at next_deadline(), 1: 1 ms before it, 2: 1 ms after
  op_drain_output = 16,  // bytes to consume (0: all)
  op_poll = 17,          // events to poll (0: all)
  op_drain_all = 18,     // -
  op_save_restore = 19,  // mutation, position, xor value, downtime index
  kOpCount,
};

// Canned server bytes (op_fragment; negotiate() uses the first ones).
constexpr std::string_view kFragments[] = {
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "id='s1' from='example.com' version='1.0'>",
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN"
    "</mechanism><mechanism>ANONYMOUS</mechanism></mechanisms></stream:features>",
    "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>",
    // 3-6: features after authentication
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><sm xmlns='urn:xmpp:sm:3'/>"
    "</stream:features>",
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>",
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/><session "
    "xmlns='urn:ietf:params:xml:ns:xmpp-session'/><sm xmlns='urn:xmpp:sm:3'/></stream:features>",
    "<stream:features><sm xmlns='urn:xmpp:sm:3'/></stream:features>",
    // 7-: the end of the stream, and odd elements
    "</stream:stream>",
    "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
    "<stream:error><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
    "<handled-count-too-high xmlns='urn:xmpp:sm:3' h='10' send-count='8'/></stream:error>",
    "\r\n ",
    "<foo xmlns='urn:example'/>",
    "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>",
    "<enabled xmlns='urn:xmpp:sm:3'/>",
    "<sm:a xmlns:sm='urn:xmpp:sm:3' h='0'/>",
    "<r xmlns='urn:xmpp:sm:3' h='3'>text</r>",
    "<enable xmlns='urn:xmpp:sm:3'/>",
};
// Stanzas from the server (op_stanza), counted by the client once enabled; 4 and 5 are the halves
// of one, 6 is in the wrong namespace.
constexpr std::string_view kStanzas[] = {
    "<message from='bob@example.com/x' to='alice@example.com/sansio' type='chat' id='i1'>"
    "<body>hi</body></message>",
    "<presence from='bob@example.com/x'/>",
    "<iq from='example.com' type='get' id='ping1'><ping xmlns='urn:xmpp:ping'/></iq>",
    "<cl:message xmlns:cl='jabber:client'><cl:body>prefixed</cl:body></cl:message>",
    "<message from='bob@example.com/x'><body>half",
    "</body></message>",
    "<message xmlns='jabber:server'/>",
};
// Clock steps of op_advance.
constexpr Duration kSteps[] = {0ms,    1ms, 9ms, 10ms, 999ms, 1s,  1001ms, 5s,
                               9999ms, 10s, 29s, 30s,  59s,   60s, 61s,    3600s};

// The configuration bytes: c0 the request policy, resume and the re-send with a delay stamp; c1
// the ack timeout, the queue bounds, max and keepalive; c2 the limits, the mechanism, the
// timeouts and whether the harness drains after every operation.
struct Setup {
  ClientConfig config;
  bool lazy = false;  // drain only when the program says (otherwise after every operation)
};

inline Setup read_config(Input& in) {
  const std::uint8_t c0 = in.byte(), c1 = in.byte(), c2 = in.byte();
  Setup s{ClientConfig(*xmpp::Jid::parse("alice@example.com"))};
  ClientConfig& c = s.config;
  c.tls = xmpp::TlsPolicy::disabled;
  c.allow_plain_without_tls = true;
  c.resource = "sansio";
  c.credentials.password = "s3cret";
  c.mechanisms = {(c2 >> 1) & 1 ? xmpp::sasl::Mechanism::anonymous : xmpp::sasl::Mechanism::plain};
  c.entropy = [next = std::uint8_t{0}](std::span<std::uint8_t> out) mutable {
    for (auto& b : out)
      b = next++;
  };
  xmpp::StreamManagementConfig& m = c.stream_management;
  // c0: the request policy, resume, re-send with a delay stamp.
  static constexpr std::size_t kEvery[] = {5, 1, 2, 0};
  m.request_every_stanzas = kEvery[c0 & 3];
  static constexpr Duration kAfter[] = {5s, 0ms, 1s, 10ms};
  m.request_after = kAfter[(c0 >> 2) & 3];
  static constexpr Duration kIdle[] = {60s, 0ms, 1s, 10ms};
  m.idle_request_interval = kIdle[(c0 >> 4) & 3];
  m.resume = !((c0 >> 6) & 1);
  if ((c0 >> 7) & 1) {
    m.resend_unconfirmed_with_delay = true;
    m.wall_clock = [] { return std::chrono::system_clock::time_point(1'700'000'000s); };
  }
  // c1: ack timeout, queue bounds, max, keepalive.
  static constexpr Duration kAckTimeout[] = {30s, 1s, 1ms, 10s};
  m.ack_timeout = kAckTimeout[c1 & 3];
  static constexpr std::size_t kMaxStanzas[] = {1000, 1, 3, 8};
  m.max_unacked_stanzas = kMaxStanzas[(c1 >> 2) & 3];
  if ((c1 >> 6) & 1) m.max_resume_seconds = 60;
  if ((c1 >> 7) & 1) c.keepalive_interval = 1s;
  // c2: small limits (bit 0), mechanism (1), short timeouts (2), lazy drains (3).
  if (c2 & 1) {
    xmpp::EngineLimits& l = c.limits;
    l.max_events = 2 + ((c2 >> 4) & 3);
    l.max_send_bytes = 600;
    l.max_output_bytes = 8192;
    l.output_block_bytes = 64;
    l.max_event_bytes = 2048;
    m.max_unacked_bytes = (c1 >> 4) & 1 ? 2048 : 600;
  } else if ((c1 >> 4) & 1) {
    m.max_unacked_bytes = 300 * 1024;
    c.limits.max_send_bytes = 300 * 1024;
  } else if ((c1 >> 5) & 1) {
    m.max_unacked_bytes = c.limits.max_send_bytes;
  }
  if ((c2 >> 2) & 1) c.timeouts = {1s, 2s, 3s, 4s, 5s};
  s.lazy = (c2 >> 3) & 1;
  return s;
}

// <enabled/>: id (a bits 0-2) and resume (3-5), max (b bits 0-2) and location (3-5), valid and
// hostile.
inline std::string enabled_element(std::uint8_t a, std::uint8_t b) {
  static const std::string kLong(1025, 'x');
  static const std::string kIds[] = {" id='sm-1'",
                                     " id='sm-2'",
                                     "",
                                     " id=''",
                                     " id='" + kLong + "'",
                                     " id='a&amp;&lt;b'",
                                     " id='" + kLong.substr(1) + "'",
                                     " id='x'"};
  static constexpr std::string_view kResume[] = {" resume='true'",  " resume='1'", "",
                                                 " resume='false'", " resume='0'", " resume='yes'",
                                                 " resume='true'",  " resume=''"};
  static constexpr std::string_view kMax[] = {"",          " max='60'",         " max='1'",
                                              " max='0'",  " max='4294967295'", " max='4294967296'",
                                              " max='-5'", " max='300'"};
  static constexpr std::string_view kLocation[] = {"",
                                                   " location='xmpp.example.com:5222'",
                                                   " location='[2001:db8::1]:5223'",
                                                   " location='192.0.2.1'",
                                                   " location='bad host'",
                                                   " location='h:0'",
                                                   " location='h:65536'",
                                                   " location='a@b'"};
  return "<enabled xmlns='urn:xmpp:sm:3'" + kIds[a & 7] + std::string(kResume[(a >> 3) & 7]) +
         std::string(kMax[b & 7]) + std::string(kLocation[(b >> 3) & 7]) + "/>";
}

// An h attribute (with its leading space) measured from the client's real counters (its last
// acknowledged h, the count of stanzas it wrote): valid ones, too high, backwards, wrapping, and
// malformed ones; nothing for an absent h.
inline std::string h_attribute(std::uint8_t form, std::uint8_t v, std::uint32_t last,
                               std::uint32_t sent) {
  std::uint32_t h = 0;
  switch (form % 8) {
    case 0:
      h = sm::advance(last, std::min<std::uint32_t>(v, sm::distance(last, sent)));
      break;
    case 1:
      h = sent;
      break;
    case 2:
      h = sm::advance(sent, 1 + v % 3);
      break;
    case 3:
      h = last - 1 - v % 2;
      break;
    case 4:
      h = v;
      break;
    case 5:
      h = 0xFFFFFFFFu - v;
      break;
    default: {
      static constexpr std::string_view kHostile[] = {
          "",    "-1", "4294967296",  " 1",           "1.0", "+1",
          "0x1", "01", "99999999999", "\xEF\xBC\x91", "0"};
      if (v % 12 == 11) return {};
      return " h='" + std::string(kHostile[v % 11]) + "'";
    }
  }
  return " h='" + std::to_string(h) + "'";
}

// <failed/> with the condition `a & 7` and the attribute `h` (empty: none).
inline std::string failed_element(std::uint8_t a, std::string_view h) {
  static constexpr std::string_view kConditions[] = {
      "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
      "<feature-not-implemented xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
      "<unexpected-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
      "<bogus xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
      "",
      "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>gone</text>",
      "<x xmlns='urn:example'/><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
      "<item-not-found/>",
  };
  return "<failed xmlns='urn:xmpp:sm:3'" + std::string(h) + ">" + std::string(kConditions[a & 7]) +
         "</failed>";
}

// What the application sends: send()'s kind (modulo 7) with a body of `size` bytes for the large
// message; `id` is the stanza id to use.
enum class Kind { stanza, nonza, reserved };
struct Outgoing {
  xml::Element element;
  Kind kind = Kind::stanza;
};

inline Outgoing outgoing(std::uint8_t kind, std::uint8_t size, const std::string& id,
                         xml::Arena& arena) {
  Outgoing out;
  switch (kind % 7) {
    case 0:
      out.element = xml::Builder(arena, "message", "jabber:client")
                        .attribute("to", "bob@example.com")
                        .attribute("id", id)
                        .start("body")
                        .text("n\xC2\xB0 " + id + " <&>")
                        .root();
      break;
    case 1:
      out.element =
          xml::Builder(arena, "presence", "jabber:client").start("show").text("dnd").root();
      break;
    case 2:
      out.element = xml::Builder(arena, "iq", "jabber:client")
                        .attribute("type", "get")
                        .attribute("id", id)
                        .start("query", "jabber:iq:roster")
                        .root();
      break;
    case 3:
      out.element = xml::Builder(arena, "active", "urn:xmpp:csi:0").root();
      out.kind = Kind::nonza;
      break;
    case 4:
      out.element = xml::Builder(arena, "message", "jabber:client")
                        .start("body")
                        .text(std::string(size * 16u, 'z'))
                        .root();
      break;
    case 5:
      out.element = xml::Builder(arena, "r", "urn:xmpp:sm:3").root();
      out.kind = Kind::reserved;
      break;
    case 6:
      out.element = xml::Builder(arena, "presence", "jabber:client").root();
      break;
  }
  return out;
}

// Damages a saved stream management state: bit 1 of `mode` truncates it at `at`, otherwise the
// byte there is flipped by `flip`; unless bit 2 says to leave it stale, the checksum is fixed so
// that restore() reads the damage.
inline void mutate(std::string& saved, std::uint8_t mode, std::uint8_t at, std::uint8_t flip) {
  const std::size_t pos = at % saved.size();
  if (mode & 2) {
    saved.resize(pos);
  } else {
    saved[pos] = static_cast<char>(saved[pos] ^ (flip | 1));
  }
  if (!(mode & 4) && saved.size() >= 4) {
    const std::uint32_t crc = sm::crc32(std::string_view(saved).substr(0, saved.size() - 4));
    for (std::size_t i = 0; i < 4; ++i)
      saved[saved.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
  }
}
// The wall-clock time between save and restore (op_save_restore).
constexpr Duration kDowntime[] = {0ms, 1s, 61s, 3600s};

}  // namespace fuzz::sm_input
