// A deterministic generator of realistic inbound XMPP client streams (server to client), for
// benchmarks, fuzz corpora and tests.
//
// The output is well-formed, namespace-well-formed and within the rules of RFC 6120 §11 (no
// comments, processing instructions, DTDs or entity references other than the predefined ones),
// and it is byte-for-byte the same for the same options on every platform: the generator uses
// its own PRNG and never std::random_device or the std:: distributions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace xmpp::bench {

/// A small, fast, portable PRNG (xoshiro256**, seeded through splitmix64).
class Prng {
 public:
  explicit Prng(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  /// Uniform-ish in [0, n); n > 0. (Modulo bias is irrelevant here; determinism is what counts.)
  std::uint64_t below(std::uint64_t n) noexcept { return next() % n; }
  /// Uniform-ish in [lo, hi].
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) noexcept {
    return lo + below(hi - lo + 1);
  }
  /// True with probability permille / 1000.
  bool chance(unsigned permille) noexcept { return below(1000) < permille; }

 private:
  std::uint64_t s_[4];
};

/// What kind of top-level thing StreamGenerator::append_next() wrote.
enum class StreamItem : std::uint8_t {
  message,    ///< a <message/> stanza
  presence,   ///< a <presence/> stanza
  iq,         ///< an <iq/> stanza
  nonza,      ///< a top-level element that is not a stanza (XEP-0198 <r/>, <a/>, <enabled/>, ...)
  keepalive,  ///< whitespace only (no element)
};

/// Counts of what a stream holds.
struct StreamStats {
  std::size_t bytes = 0;         ///< total size of the stream
  std::size_t header_bytes = 0;  ///< XML declaration + `<stream:stream …>` start tag
  std::uint64_t messages = 0;
  std::uint64_t presences = 0;
  std::uint64_t iqs = 0;
  std::uint64_t nonzas = 0;  ///< includes the initial <stream:features/>
  std::uint64_t keepalives = 0;
  bool closed = false;  ///< ends with </stream:stream>

  std::uint64_t stanzas() const noexcept { return messages + presences + iqs; }
  /// Top-level elements: what a stream parser reports as `element` events.
  std::uint64_t top_level_elements() const noexcept { return stanzas() + nonzas; }
  void count(StreamItem item) noexcept;
};

struct StreamGeneratorOptions {
  std::uint64_t seed = 0x5EED'2024'0001;
  /// The stream is about this size: stanzas are added until it reaches target_bytes.
  std::size_t target_bytes = 100 * 1000 * 1000;
  /// Starts with `<?xml version='1.0'?>`.
  bool xml_declaration = true;
  /// Starts (after the header) like a freshly bound session: <stream:features/>, the bind
  /// result, XEP-0198 <enabled/>.
  bool session_start = true;
  /// Ends with `</stream:stream>`.
  bool close_stream = true;
  /// Per mille of the items that are unusual-but-valid stanzas (see
  /// StreamGenerator::append_exotic); 0 for a realistic stream.
  unsigned exotic_permille = 0;
};

/// Writes a stream piece by piece, so callers can also take single stanzas (fuzz seeds, tests).
///
/// The mix of top-level items is roughly: 70 % messages (1:1 chat with XEP-0085 chat states,
/// XEP-0359 ids and XEP-0184 receipts, groupchat, XEP-0203 delayed/offline, XEP-0280 carbons,
/// XEP-0313 MAM results wrapping XEP-0297 forwarded messages, XEP-0071 XHTML-IM, XEP-0066 OOB),
/// 20 % presence (XEP-0115 caps, vCard avatar hashes, MUC occupants with muc#user items),
/// 10 % iq (roster pushes, pings, disco#info / disco#items results, empty results); plus
/// XEP-0198 `<r/>`/`<a h=…/>` nonzas and occasional whitespace keepalives. Text and attribute
/// values mix ASCII with accented Latin, Cyrillic, Greek, Arabic, CJK and emoji, and carry the
/// predefined entities and character references (`&#x1F600;`).
class StreamGenerator {
 public:
  explicit StreamGenerator(std::uint64_t seed, unsigned exotic_permille = 0);

  /// Appends the optional XML declaration and the `<stream:stream …>` start tag.
  void append_header(std::string& out, bool xml_declaration = true);
  /// Appends what a server sends right after the header of a bound session: <stream:features/>
  /// (as after a stream restart), the resource binding result and XEP-0198 <enabled/>: three
  /// top-level elements, counted in `stats` as two nonzas and one iq.
  void append_session_start(std::string& out, StreamStats* stats = nullptr);
  /// Appends the next top-level item of the stream.
  StreamItem append_next(std::string& out);
  /// Appends one item of the given kind: a random message, presence or iq of the mix above; for
  /// `nonza` an XEP-0198 `<a h=…/>`; for `keepalive` a space.
  void append_stanza(StreamItem kind, std::string& out);
  /// Appends a stanza that uses what servers rarely send but parsers must get right: CDATA
  /// sections (with `]]` and `]>` inside), CR LF and lone CR line ends, TAB/LF/CR and character
  /// references in attribute values, prefixed elements and attributes, prefix shadowing,
  /// `xmlns=''`, whitespace inside tags, `>` in attribute values, start/end pairs for empty
  /// elements, character references to ASCII and to U+10FFFF.
  void append_exotic(std::string& out);
  /// Appends `</stream:stream>`.
  static void append_close(std::string& out);

  Prng& prng() noexcept { return rng_; }

 private:
  struct Ctx;
  void message(std::string& out);
  void presence(std::string& out);
  void iq(std::string& out);
  void nonza(std::string& out);

  Prng rng_;
  unsigned exotic_permille_ = 0;
  std::uint64_t sm_h_ = 0;
  std::uint64_t since_r_ = 0;
  std::uint64_t since_a_ = 0;
  std::uint64_t roster_ver_ = 1;
  std::uint64_t seq_ = 0;
};

/// Generates a whole stream in memory.
std::string generate_client_stream(const StreamGeneratorOptions& options,
                                   StreamStats* stats = nullptr);

}  // namespace xmpp::bench
