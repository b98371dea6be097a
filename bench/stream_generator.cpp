#include "stream_generator.hpp"

#include <array>
#include <cstdio>
#include <string_view>

namespace xmpp::bench {

namespace {

std::uint64_t splitmix64(std::uint64_t& x) noexcept {
  std::uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) noexcept {
  return (x << k) | (x >> (64 - k));
}

template <std::size_t N>
std::string_view pick(Prng& rng, const std::array<std::string_view, N>& items) {
  return items[rng.below(N)];
}

// Picks from a list with a skew towards its first entries (a few contacts talk a lot).
template <std::size_t N>
std::string_view pick_skewed(Prng& rng, const std::array<std::string_view, N>& items) {
  return items[rng.below(rng.below(N) + 1)];
}

constexpr std::string_view kOwnBare = "juliet@example.com";
constexpr std::string_view kOwnFull = "juliet@example.com/balcony.Xk3d";
constexpr std::string_view kServer = "example.com";

constexpr std::array<std::string_view, 40> kContacts = {
    "romeo@example.net",          "nurse@example.com",        "benvolio@example.org",
    "mercutio@example.net",       "josé@chat.example.fr",     "zoë@example.com",
    "françois@chat.example.fr",   "müller@jabber.example.de", "søren@example.org",
    "李雷@xmpp.example.cn",       "さくら@xmpp.example.jp",   "олег@jabber.example.ru",
    "alice@example.com",          "bob@example.net",          "carol@im.example.co.uk",
    "dave@example.org",           "eve_92@example.net",       "mallory@example.com",
    "trent@example.org",          "peggy@jabber.example.de",  "victor@example.com",
    "d.artagnan@chat.example.fr", "chen.wei@xmpp.example.cn", "priya@example.org",
    "ahmad@example.net",          "ελένη@example.gr",         "tybalt@example.net",
    "capulet@example.com",        "montague@example.net",     "friar.laurence@example.org",
    "paris@example.com",          "balthasar@example.net",    "sampson@example.org",
    "gregory@example.org",        "abram@example.net",        "peter@example.com",
    "rosaline@example.org",       "escalus@example.com",      "anna-lena@jabber.example.de",
    "noah+xmpp@example.org",
};

constexpr std::array<std::string_view, 16> kResources = {
    "orchard", "phone",       "Conversations.a1B2", "gajim.7F3A9C2D", "Dino.e8f1",
    "desktop", "laptop-work", "Siskin.4e2b",        "Monal-iOS.9c1e", "Psi+",
    "pidgin",  "Movim",       "Cheogram.Zx81",      "Profanity.ff3c", "büro",
    "手机",
};

constexpr std::array<std::string_view, 8> kRooms = {
    "xsf@muc.example.org",
    "prosody@conference.example.com",
    "café@conference.example.fr",
    "日本語@muc.example.jp",
    "dev-team@conference.example.com",
    "jdev@muc.example.org",
    "offtopic@conference.example.com",
    "support@muc.example.net",
};

// MUC nicks are resources: anything goes, including the characters XML escapes.
constexpr std::array<std::string_view, 24> kNicks = {
    "Zoë",        "Hélène",     "O'Neil", "Tom & Jerry", "<script>", "太郎",
    "🦊 fox",   "\"quoted\"", "romeo",  "benvolio",    "mercutio", "Привет",
    "guest-4821", "MattJ",      "Zash",   "Holger",      "larma",    "singpolyma",
    "edhelas",    "jonas’",     "pep.",   "Link Mauve",  "Ge0rG",    "Kev",
};

constexpr std::array<std::string_view, 31> kPhrases = {
    "Hi! How are you?",
    "Good morning 😀 coffee?",
    "Are you coming tonight? 🎉",
    "Ça va très bien, merci ! On se voit à 20 h ?",
    "Grüße aus München – das Wetter ist schön.",
    "¿Dónde está la estación? Está a la vuelta de la esquina.",
    "今日は東京で会議があります。明日は大阪に行きます。",
    "你好！我们明天下午三点见面吧。",
    "Привет! Как дела? Всё хорошо.",
    "مرحبا، كيف حالك؟",
    "Γεια σου κόσμε!",
    "if (a < b && c > d) { return \"ok\"; }",
    "Tom & Jerry's \"best\" episode <3",
    "lol 😂😂 that's hilarious 👍",
    "https://example.com/search?q=xmpp&lang=en&page=2",
    "See https://xmpp.org/extensions/xep-0198.html for the details.",
    "The meeting moved to 3 pm — room B-204.",
    "ok",
    "👍",
    "brb",
    "Can you review my patch? It fixes the crash when the roster is empty.",
    "> did you push it?\nyes, it's on main now",
    "Sure, I'll bring the wine 🍷 and the cheese 🧀",
    "I'm at the café, 2nd floor, next to the window.",
    "Did you see the new release notes? Lots of fixes for MUC & MAM.",
    "❤️ thanks!",
    "Wait… what? 😮",
    "x < y, y > z, therefore?",
    "C'est l'été ! Les élèves sont en vacances.",
    "🇫🇷 vs 🇩🇪 tonight, 21:00",
    "👨‍👩‍👧 family photo is in the shared album",
};

constexpr std::array<std::string_view, 16> kCodeLines = {
    "#include <vector>",
    "template <class T> bool less(const T& a, const T& b) { return a < b; }",
    "  if (p != nullptr && p->next == q) {",
    "    std::cout << \"size: \" << v.size() << '\\n';",
    "  }",
    "for (auto& [key, value] : map) total += value;",
    "<message to='romeo@example.net' type='chat'><body>hi</body></message>",
    "$ grep -r 'TODO' src/ | wc -l",
    "Traceback (most recent call last):",
    "  File \"main.py\", line 42, in <module>",
    "KeyError: 'jid'",
    "SELECT * FROM archive WHERE \"with\" = 'romeo@example.net' AND ts > 1700000000;",
    "    return a && b || !c;",
    "// Ünïcödé comment — ça marche",
    "fn main() { println!(\"Hello, 世界\"); }",
    "",
};

constexpr std::array<std::string_view, 12> kStatuses = {
    "At work",          "Available",
    "En réunion 📅",     "Out for lunch & coffee",
    "Sleeping 😴",       "Busy — do not disturb",
    "休憩中",           "On the train",
    "Reading \"Dune\"", "Urlaub bis Montag",
    "<away>",           "Back at 5",
};

constexpr std::array<std::string_view, 8> kCapsNodes = {
    "http://conversations.im", "https://gajim.org",
    "https://dino.im",         "https://monal-im.org/",
    "http://psi-im.org",       "https://profanity-im.github.io",
    "https://cheogram.com",    "http://www.process-one.net/en/ejabberd/",
};

constexpr std::array<std::string_view, 32> kFeatures = {
    "http://jabber.org/protocol/caps",
    "http://jabber.org/protocol/chatstates",
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/disco#items",
    "http://jabber.org/protocol/ibb",
    "http://jabber.org/protocol/muc",
    "http://jabber.org/protocol/nick",
    "http://jabber.org/protocol/nick+notify",
    "http://jabber.org/protocol/xhtml-im",
    "http://jabber.org/protocol/bytestreams",
    "http://jabber.org/protocol/si",
    "http://jabber.org/protocol/si/profile/file-transfer",
    "jabber:iq:version",
    "jabber:iq:last",
    "jabber:x:conference",
    "jabber:x:oob",
    "storage:bookmarks+notify",
    "urn:xmpp:avatar:metadata+notify",
    "urn:xmpp:bookmarks:1+notify",
    "urn:xmpp:chat-markers:0",
    "urn:xmpp:idle:1",
    "urn:xmpp:jingle:1",
    "urn:xmpp:jingle:apps:file-transfer:5",
    "urn:xmpp:jingle:apps:rtp:1",
    "urn:xmpp:jingle:apps:rtp:audio",
    "urn:xmpp:jingle:transports:ice-udp:1",
    "urn:xmpp:message-correct:0",
    "urn:xmpp:omemo:2:devices+notify",
    "urn:xmpp:ping",
    "urn:xmpp:receipts",
    "urn:xmpp:time",
    "eu.siacs.conversations.axolotl.devicelist+notify",
};

constexpr std::array<std::string_view, 10> kGroups = {
    "Friends", "Famille", "同僚",     "Work & Co", "Family",
    "Uni",     "Gaming",  "Nachbarn", "Друзья",    "\"VIP\"",
};

constexpr std::array<std::string_view, 10> kRosterNames = {
    "Romeo",        "Nurse", "José García", "Zoë", "Tom \"the cat\"",
    "Müller, Hans", "李雷",  "O'Brien",     "",    "Ben & Jerry",
};

constexpr std::array<std::string_view, 4> kLangs = {"en", "fr", "de", "ja"};
constexpr std::array<std::string_view, 4> kShows = {"away", "chat", "dnd", "xa"};
constexpr std::array<std::string_view, 5> kAffiliations = {"none", "member", "admin", "owner",
                                                           "member"};
constexpr std::array<std::string_view, 4> kRoles = {"participant", "participant", "moderator",
                                                    "visitor"};
constexpr std::array<std::string_view, 4> kSubscriptions = {"both", "to", "from", "none"};

constexpr std::string_view kHex = "0123456789abcdef";
constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string random_chars(Prng& rng, std::string_view alphabet, std::size_t n) {
  std::string s;
  s.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    s += alphabet[rng.below(alphabet.size())];
  return s;
}

std::string uuid(Prng& rng) {
  std::string s = random_chars(rng, kHex, 32);
  s.insert(20, 1, '-');
  s.insert(16, 1, '-');
  s.insert(12, 1, '-');
  s.insert(8, 1, '-');
  s[14] = '4';
  return s;
}

// Stanza ids as different clients make them.
std::string client_id(Prng& rng) {
  switch (rng.below(4)) {
    case 0:
      return uuid(rng);
    case 1:
      return random_chars(rng, kAlnum, rng.between(8, 16));
    case 2:
      return "purple" + random_chars(rng, kHex, 8);
    default:
      return std::to_string(rng.between(1, 99999)) + "-" + random_chars(rng, kAlnum, 6);
  }
}

// Server-assigned archive ids (Prosody: UUIDs; ejabberd: microsecond timestamps).
std::string archive_id(Prng& rng) {
  return rng.chance(500) ? uuid(rng)
                         : std::to_string(rng.between(1600000000000000, 1799999999999999));
}

std::string caps_ver(Prng& rng) {
  return random_chars(rng, kBase64, 27) + "=";
}

std::string stamp(Prng& rng) {
  char buf[40];
  const auto year = static_cast<unsigned>(rng.between(2023, 2025));
  const auto month = static_cast<unsigned>(rng.between(1, 12));
  const auto day = static_cast<unsigned>(rng.between(1, 28));
  const auto hour = static_cast<unsigned>(rng.below(24));
  const auto minute = static_cast<unsigned>(rng.below(60));
  const auto second = static_cast<unsigned>(rng.below(60));
  if (rng.chance(500)) {
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", year, month, day, hour,
                  minute, second, static_cast<unsigned>(rng.below(1000)));
  } else {
    std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02uZ", year, month, day, hour, minute,
                  second);
  }
  return buf;
}

std::string full_jid(Prng& rng, std::string_view bare) {
  std::string s(bare);
  s += '/';
  s += pick_skewed(rng, kResources);
  return s;
}

std::string contact(Prng& rng) {
  return std::string(pick_skewed(rng, kContacts));
}

std::string occupant(Prng& rng, std::string_view room) {
  std::string s(room);
  s += '/';
  s += pick_skewed(rng, kNicks);
  return s;
}

std::string body_text(Prng& rng) {
  std::string s;
  if (rng.chance(20)) {
    // A pasted snippet or log: many lines, many characters that need escaping.
    const auto lines = rng.between(8, 60);
    for (std::uint64_t i = 0; i < lines; ++i) {
      s += pick(rng, kCodeLines);
      s += '\n';
    }
    return s;
  }
  const auto n = rng.chance(600) ? 1 : rng.between(2, 4);
  for (std::uint64_t i = 0; i < n; ++i) {
    if (i) s += rng.chance(150) ? '\n' : ' ';
    s += pick(rng, kPhrases);
  }
  return s;
}

void append_hex(std::string& out, std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "&#x%X;", static_cast<unsigned>(cp));
  out += buf;
}

void append_dec(std::string& out, std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "&#%u;", static_cast<unsigned>(cp));
  out += buf;
}

}  // namespace

Prng::Prng(std::uint64_t seed) noexcept {
  for (auto& s : s_)
    s = splitmix64(seed);
}

std::uint64_t Prng::next() noexcept {
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

void StreamStats::count(StreamItem item) noexcept {
  switch (item) {
    case StreamItem::message:
      ++messages;
      break;
    case StreamItem::presence:
      ++presences;
      break;
    case StreamItem::iq:
      ++iqs;
      break;
    case StreamItem::nonza:
      ++nonzas;
      break;
    case StreamItem::keepalive:
      ++keepalives;
      break;
  }
}

// Writing context for one stanza: the output, the quote character and the escaping style of the
// server that serialised it.
struct StreamGenerator::Ctx {
  std::string& out;
  Prng& rng;
  char q = '\'';
  bool escape_quotes_in_text = false;

  void open(std::string_view name) {
    out += '<';
    out += name;
  }
  // An attribute whose value needs no escaping.
  void raw(std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += '=';
    out += q;
    out += value;
    out += q;
  }
  void attr(std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += '=';
    out += q;
    escape(value, true);
    out += q;
  }
  void xmlns(std::string_view ns) { raw("xmlns", ns); }
  void gt() { out += '>'; }
  void empty() { out += "/>"; }
  void end(std::string_view name) {
    out += "</";
    out += name;
    out += '>';
  }
  void text(std::string_view t) { escape(t, false); }
  void text_element(std::string_view name, std::string_view t) {
    open(name);
    gt();
    text(t);
    end(name);
  }
  // <name xmlns='ns'/>
  void empty_ns(std::string_view name, std::string_view ns) {
    open(name);
    xmlns(ns);
    empty();
  }

  // Escapes as a server does, and now and then writes a non-ASCII character as a character
  // reference (as some clients send them and servers pass them through).
  void escape(std::string_view s, bool in_attribute) {
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      switch (c) {
        case '&':
          out += "&amp;";
          continue;
        case '<':
          out += "&lt;";
          continue;
        case '>':
          out += "&gt;";
          continue;
        case '"':
          if (in_attribute || escape_quotes_in_text) {
            out += "&quot;";
            continue;
          }
          break;
        case '\'':
          if (in_attribute || escape_quotes_in_text) {
            out += "&apos;";
            continue;
          }
          break;
        default:
          break;
      }
      if (c >= 0xF0 && i + 3 < s.size() && rng.chance(150)) {
        const std::uint32_t cp = (std::uint32_t{c} & 0x07) << 18 |
                                 (std::uint32_t{static_cast<unsigned char>(s[i + 1])} & 0x3F)
                                     << 12 |
                                 (std::uint32_t{static_cast<unsigned char>(s[i + 2])} & 0x3F) << 6 |
                                 (std::uint32_t{static_cast<unsigned char>(s[i + 3])} & 0x3F);
        append_hex(out, cp);
        i += 3;
        continue;
      }
      if (c >= 0xC2 && c < 0xE0 && i + 1 < s.size() && rng.chance(20)) {
        const std::uint32_t cp = (std::uint32_t{c} & 0x1F) << 6 |
                                 (std::uint32_t{static_cast<unsigned char>(s[i + 1])} & 0x3F);
        append_dec(out, cp);
        i += 1;
        continue;
      }
      out += static_cast<char>(c);
    }
  }
};

StreamGenerator::StreamGenerator(std::uint64_t seed, unsigned exotic_permille)
    : rng_(seed), exotic_permille_(exotic_permille) {}

void StreamGenerator::append_header(std::string& out, bool xml_declaration) {
  if (xml_declaration) out += "<?xml version='1.0'?>";
  out +=
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' id='";
  out += random_chars(rng_, kAlnum, 16);
  out += "' from='example.com' version='1.0' xml:lang='en'>";
}

void StreamGenerator::append_session_start(std::string& out, StreamStats* stats) {
  Ctx x{out, rng_};
  x.open("stream:features");
  x.gt();
  x.open("bind");
  x.xmlns("urn:ietf:params:xml:ns:xmpp-bind");
  x.gt();
  x.out += "<required/>";
  x.end("bind");
  x.open("session");
  x.xmlns("urn:ietf:params:xml:ns:xmpp-session");
  x.gt();
  x.out += "<optional/>";
  x.end("session");
  x.empty_ns("sm", "urn:xmpp:sm:3");
  x.empty_ns("csi", "urn:xmpp:csi:0");
  x.empty_ns("ver", "urn:xmpp:features:rosterver");
  x.open("c");
  x.xmlns("http://jabber.org/protocol/caps");
  x.raw("hash", "sha-1");
  x.raw("node", "http://prosody.im");
  x.raw("ver", caps_ver(rng_));
  x.empty();
  x.end("stream:features");

  x.open("iq");
  x.raw("id", uuid(rng_));
  x.raw("type", "result");
  x.gt();
  x.open("bind");
  x.xmlns("urn:ietf:params:xml:ns:xmpp-bind");
  x.gt();
  x.text_element("jid", kOwnFull);
  x.end("bind");
  x.end("iq");

  x.open("enabled");
  x.xmlns("urn:xmpp:sm:3");
  x.raw("id", random_chars(rng_, kAlnum, 24));
  x.raw("resume", "true");
  x.raw("max", "600");
  x.empty();

  if (stats) {
    stats->count(StreamItem::nonza);
    stats->count(StreamItem::iq);
    stats->count(StreamItem::nonza);
  }
}

void StreamGenerator::append_close(std::string& out) {
  out += "</stream:stream>";
}

void StreamGenerator::append_exotic(std::string& out) {
  Prng& rng = rng_;
  const std::string from = full_jid(rng, contact(rng));
  // An unusual start tag: whitespace around '=', newlines and tabs between attributes, both
  // quote characters, '>' and the other quote inside values.
  out += "<message\n\tto = '";
  out += kOwnFull;
  out += "'\r\n  from=\"";
  Ctx x{out, rng};
  x.escape(from, true);
  out += "\" type='chat' id=\"a>b'c\" >";

  switch (rng.below(8)) {
    case 0:
      // CDATA with brackets inside, adjacent to text and references (one text child).
      out += "<body>before <![CDATA[if (a < b && c > d) { x[y[0]] = \"]]\"; } ]> ]]]]>";
      out += "<![CDATA[]]>&amp;after&#x1F600;</body>";
      break;
    case 1:
      // Line ends: CR LF and lone CR become LF, also inside CDATA; character references to CR
      // stay.
      out += "<body>one\r\ntwo\rthree\n\rfour&#13;&#10;five<![CDATA[\r\nsix\r]]>\r</body>";
      break;
    case 2:
      // Attribute-value normalisation: literal TAB/LF/CR and CR LF become spaces, character
      // references stay.
      out += "<x xmlns='urn:example:norm' a='tab\there' b='lf\nand\r\ncrlf\rcr' ";
      out += "c='&#9;&#10;&#13;&#32;' d='' e=\"'single'\" f='\"double\"'/>";
      break;
    case 3:
      // Prefixes: prefixed elements and attributes, a prefix shadowed by an inner declaration,
      // the default namespace redeclared and undeclared.
      out += "<ex:data xmlns:ex='urn:example:data' ex:kind='k' kind='plain'>";
      out += "<ex:item ex:n='1'/><ex:item xmlns:ex='urn:example:other' ex:n='2'>";
      out += "<ex:deep/></ex:item><inner xmlns='urn:example:inner'><x xmlns=''><y/></x>";
      out += "</inner></ex:data><body xml:lang='de'>Prefixe</body>";
      break;
    case 4:
      // Empty elements written as start-end pairs, end tags with whitespace, empty text.
      out += "<active xmlns='http://jabber.org/protocol/chatstates'></active>";
      out += "<body\n>text</body\t\n><thread  >abc</thread >";
      break;
    case 5:
      // Character references: ASCII, the largest code point, leading zeros; entities in text.
      out += "<body>&#65;&#x42;&#x0043;&#0000068; &#x10FFFF; &#xFFFD; &apos;&quot;&gt;&lt;";
      out += "&amp; ]] ]> ] ></body>";
      break;
    case 6: {
      // Deep nesting and many attributes.
      const auto depth = rng.between(10, 40);
      out += "<nest xmlns='urn:example:nest'>";
      for (std::uint64_t i = 0; i < depth; ++i) {
        out += "<n d='";
        out += std::to_string(i);
        out += "' a1='1' a2='2' a3='3'>";
      }
      for (std::uint64_t i = 0; i < depth; ++i)
        out += "</n>";
      out += "</nest>";
      break;
    }
    default:
      // Mixed content, whitespace-only text between children, long multi-byte text.
      out += "<html xmlns='http://jabber.org/protocol/xhtml-im'>\n  <body ";
      out += "xmlns='http://www.w3.org/1999/xhtml'>\n    <p>one <b>two</b> three<br/>four</p>\n";
      out += "  </body>\n</html><body>";
      for (int i = 0; i < 40; ++i)
        out += "日本語のテキスト😀";
      out += "</body>";
      break;
  }
  out += "</message>";
}

StreamItem StreamGenerator::append_next(std::string& out) {
  const auto roll = rng_.below(1000);
  ++since_r_;
  ++since_a_;
  if (since_r_ > 8 && roll < 60) {
    since_r_ = 0;
    Ctx x{out, rng_};
    x.empty_ns("r", "urn:xmpp:sm:3");
    return StreamItem::nonza;
  }
  if (since_a_ > 8 && roll >= 60 && roll < 120) {
    since_a_ = 0;
    nonza(out);
    return StreamItem::nonza;
  }
  if (roll >= 970) {
    out += rng_.chance(700) ? " " : "\n";
    return StreamItem::keepalive;
  }
  if (exotic_permille_ && rng_.chance(exotic_permille_)) {
    append_exotic(out);
    return StreamItem::message;
  }
  const auto kind = rng_.below(100);
  const StreamItem item = kind < 70   ? StreamItem::message
                          : kind < 90 ? StreamItem::presence
                                      : StreamItem::iq;
  append_stanza(item, out);
  return item;
}

void StreamGenerator::append_stanza(StreamItem kind, std::string& out) {
  ++seq_;
  switch (kind) {
    case StreamItem::message:
      message(out);
      break;
    case StreamItem::presence:
      presence(out);
      break;
    case StreamItem::iq:
      iq(out);
      break;
    case StreamItem::nonza:
      nonza(out);
      break;
    case StreamItem::keepalive:
      out += ' ';
      break;
  }
}

void StreamGenerator::nonza(std::string& out) {
  sm_h_ += rng_.between(1, 15);
  Ctx x{out, rng_};
  x.open("a");
  x.xmlns("urn:xmpp:sm:3");
  x.raw("h", std::to_string(sm_h_));
  x.empty();
}

void StreamGenerator::message(std::string& out) {
  Ctx x{out, rng_};
  x.q = rng_.chance(100) ? '"' : '\'';
  x.escape_quotes_in_text = rng_.chance(500);
  Prng& rng = rng_;

  // The common payload of a chat message, also used inside carbons and MAM results.
  auto chat_payload = [&](bool with_ids) {
    const std::string text = body_text(rng);
    if (rng.chance(50)) {
      x.open("body");
      x.raw("xml:lang", pick(rng, kLangs));
      x.gt();
      x.text(text);
      x.end("body");
    } else {
      x.text_element("body", text);
    }
    if (rng.chance(800)) x.empty_ns("active", "http://jabber.org/protocol/chatstates");
    if (rng.chance(400)) x.empty_ns("request", "urn:xmpp:receipts");
    if (rng.chance(400)) x.empty_ns("markable", "urn:xmpp:chat-markers:0");
    if (with_ids) {
      x.open("origin-id");
      x.xmlns("urn:xmpp:sid:0");
      x.raw("id", uuid(rng));
      x.empty();
    }
  };
  auto stanza_id = [&](std::string_view by) {
    x.open("stanza-id");
    x.xmlns("urn:xmpp:sid:0");
    x.raw("id", archive_id(rng));
    x.attr("by", by);
    x.empty();
  };
  auto delay = [&](std::string_view from, bool with_reason) {
    x.open("delay");
    x.xmlns("urn:xmpp:delay");
    if (!from.empty()) x.attr("from", from);
    x.raw("stamp", stamp(rng));
    if (with_reason) {
      x.gt();
      x.text("Offline Storage");
      x.end("delay");
    } else {
      x.empty();
    }
  };
  // <message xmlns='jabber:client' …> inside <forwarded/>.
  auto inner_message = [&](std::string_view from, std::string_view to, bool groupchat) {
    x.open("message");
    x.xmlns("jabber:client");
    x.attr("from", from);
    x.attr("to", to);
    x.raw("type", groupchat ? "groupchat" : "chat");
    x.raw("id", client_id(rng));
    x.gt();
    chat_payload(true);
    x.end("message");
  };

  const auto variant = rng.below(1000);
  if (variant < 380) {
    // 1:1 chat.
    const std::string from = full_jid(rng, contact(rng));
    x.open("message");
    x.attr("from", from);
    x.attr("to", kOwnFull);
    x.raw("type", "chat");
    x.raw("id", client_id(rng));
    if (rng.chance(150)) x.raw("xml:lang", pick(rng, kLangs));
    x.gt();
    chat_payload(rng.chance(700));
    stanza_id(kOwnBare);
    x.end("message");
  } else if (variant < 460) {
    // Chat state notification.
    x.open("message");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "chat");
    if (rng.chance(500)) x.raw("id", client_id(rng));
    x.gt();
    static constexpr std::array<std::string_view, 4> kStates = {"composing", "paused", "active",
                                                                "inactive"};
    x.empty_ns(pick(rng, kStates), "http://jabber.org/protocol/chatstates");
    if (rng.chance(500)) x.empty_ns("no-store", "urn:xmpp:hints");
    x.end("message");
  } else if (variant < 520) {
    // Receipt or chat marker.
    x.open("message");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "chat");
    x.raw("id", client_id(rng));
    x.gt();
    x.open(rng.chance(500) ? "received" : "displayed");
    x.xmlns(rng.chance(500) ? "urn:xmpp:receipts" : "urn:xmpp:chat-markers:0");
    x.raw("id", client_id(rng));
    x.empty();
    x.empty_ns("store", "urn:xmpp:hints");
    x.end("message");
  } else if (variant < 670) {
    // Groupchat, now and then from the room's history.
    const std::string_view room = pick_skewed(rng, kRooms);
    x.open("message");
    x.attr("from", occupant(rng, room));
    x.attr("to", kOwnFull);
    x.raw("type", "groupchat");
    x.raw("id", client_id(rng));
    x.raw("xml:lang", pick(rng, kLangs));
    x.gt();
    chat_payload(false);
    x.open("occupant-id");
    x.xmlns("urn:xmpp:occupant-id:0");
    x.raw("id", random_chars(rng, kBase64, 43) + "=");
    x.empty();
    stanza_id(room);
    if (rng.chance(150)) delay(room, false);
    x.end("message");
  } else if (variant < 730) {
    // Offline message (XEP-0160) with a XEP-0203 delay.
    x.open("message");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnBare);
    x.raw("type", "chat");
    x.raw("id", client_id(rng));
    x.gt();
    chat_payload(true);
    delay(kServer, true);
    x.end("message");
  } else if (variant < 850) {
    // XEP-0280 carbon copy.
    const bool sent = rng.chance(400);
    const std::string other = full_jid(rng, contact(rng));
    const std::string mine = full_jid(rng, kOwnBare);
    x.open("message");
    x.attr("from", kOwnBare);
    x.attr("to", kOwnFull);
    x.raw("type", "chat");
    x.gt();
    x.open(sent ? "sent" : "received");
    x.xmlns("urn:xmpp:carbons:2");
    x.gt();
    x.open("forwarded");
    x.xmlns("urn:xmpp:forward:0");
    x.gt();
    if (sent) {
      inner_message(mine, other, false);
    } else {
      inner_message(other, kOwnFull, false);
    }
    x.end("forwarded");
    x.end(sent ? "sent" : "received");
    x.end("message");
  } else if (variant < 970) {
    // XEP-0313 archive result.
    const bool groupchat = rng.chance(300);
    std::string from, to;
    std::string_view archive = kOwnBare;
    if (groupchat) {
      archive = pick_skewed(rng, kRooms);
      from = occupant(rng, archive);
      to = kOwnBare;
    } else if (rng.chance(500)) {
      from = full_jid(rng, contact(rng));
      to = kOwnBare;
    } else {
      from = full_jid(rng, kOwnBare);
      to = contact(rng);
    }
    x.open("message");
    if (groupchat) x.attr("from", archive);
    x.attr("to", kOwnFull);
    x.raw("id", client_id(rng));
    x.gt();
    x.open("result");
    x.xmlns("urn:xmpp:mam:2");
    x.raw("queryid", "f" + std::to_string(rng.between(1, 99)));
    x.raw("id", archive_id(rng));
    x.gt();
    x.open("forwarded");
    x.xmlns("urn:xmpp:forward:0");
    x.gt();
    delay({}, false);
    inner_message(from, to, groupchat);
    x.end("forwarded");
    x.end("result");
    x.end("message");
  } else if (variant < 990) {
    // XEP-0071 XHTML-IM, sometimes with the XHTML namespace bound to a prefix.
    const bool prefixed = rng.chance(300);
    const std::string text = body_text(rng);
    x.open("message");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "chat");
    x.raw("id", client_id(rng));
    x.gt();
    x.text_element("body", text);
    x.open("html");
    x.xmlns("http://jabber.org/protocol/xhtml-im");
    x.gt();
    const std::string_view b = prefixed ? "xh:body" : "body";
    const std::string_view p = prefixed ? "xh:p" : "p";
    const std::string_view strong = prefixed ? "xh:strong" : "strong";
    const std::string_view span = prefixed ? "xh:span" : "span";
    x.open(b);
    if (prefixed) {
      x.raw("xmlns:xh", "http://www.w3.org/1999/xhtml");
    } else {
      x.xmlns("http://www.w3.org/1999/xhtml");
    }
    x.gt();
    x.open(p);
    x.gt();
    x.text_element(strong, pick(rng, kPhrases));
    x.text(" ");
    x.open(span);
    x.attr("style", "color: #c00; font-family: 'Fira Sans', sans-serif");
    x.gt();
    x.text(text);
    x.end(span);
    x.end(p);
    x.end(b);
    x.end("html");
    x.end("message");
  } else {
    // XEP-0066 out-of-band file link.
    std::string url = "https://upload.example.com/";
    url += random_chars(rng, kAlnum, 24);
    url += rng.chance(500) ? "/photo%20de%20vacances.jpg" : "/screenshot.png?w=640&h=480";
    x.open("message");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "chat");
    x.raw("id", client_id(rng));
    x.gt();
    x.text_element("body", url);
    x.open("x");
    x.xmlns("jabber:x:oob");
    x.gt();
    x.text_element("url", url);
    x.end("x");
    stanza_id(kOwnBare);
    x.end("message");
  }
}

void StreamGenerator::presence(std::string& out) {
  Ctx x{out, rng_};
  x.q = rng_.chance(100) ? '"' : '\'';
  x.escape_quotes_in_text = rng_.chance(500);
  Prng& rng = rng_;

  auto caps = [&] {
    x.open("c");
    x.xmlns("http://jabber.org/protocol/caps");
    x.raw("hash", "sha-1");
    x.raw("node", pick(rng, kCapsNodes));
    x.raw("ver", caps_ver(rng));
    x.empty();
  };
  auto avatar = [&] {
    x.open("x");
    x.xmlns("vcard-temp:x:update");
    x.gt();
    x.text_element("photo", random_chars(rng, kHex, 40));
    x.end("x");
  };

  const auto variant = rng.below(1000);
  if (variant < 450) {
    // A contact's availability.
    x.open("presence");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    if (rng.chance(200)) x.raw("xml:lang", pick(rng, kLangs));
    x.gt();
    if (rng.chance(500)) x.text_element("show", pick(rng, kShows));
    if (rng.chance(400)) x.text_element("status", pick(rng, kStatuses));
    if (rng.chance(700)) x.text_element("priority", std::to_string(rng.between(0, 50)));
    caps();
    if (rng.chance(600)) avatar();
    if (rng.chance(200)) {
      x.open("idle");
      x.xmlns("urn:xmpp:idle:1");
      x.raw("since", stamp(rng));
      x.empty();
    }
    if (rng.chance(150)) {
      x.open("delay");
      x.xmlns("urn:xmpp:delay");
      x.attr("from", kOwnFull);
      x.raw("stamp", stamp(rng));
      x.empty();
    }
    x.end("presence");
  } else if (variant < 550) {
    // A contact going offline.
    x.open("presence");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "unavailable");
    if (rng.chance(300)) {
      x.gt();
      x.text_element("status", pick(rng, kStatuses));
      x.end("presence");
    } else {
      x.empty();
    }
  } else if (variant < 950) {
    // A MUC occupant (XEP-0045).
    const std::string_view room = pick_skewed(rng, kRooms);
    const bool leaving = rng.chance(150);
    x.open("presence");
    x.attr("from", occupant(rng, room));
    x.attr("to", kOwnFull);
    if (leaving) x.raw("type", "unavailable");
    x.gt();
    if (!leaving) {
      if (rng.chance(300)) x.text_element("show", pick(rng, kShows));
      caps();
      if (rng.chance(400)) avatar();
    }
    x.open("x");
    x.xmlns("http://jabber.org/protocol/muc#user");
    x.gt();
    x.open("item");
    x.raw("affiliation", pick(rng, kAffiliations));
    x.raw("role", leaving ? "none" : pick(rng, kRoles));
    if (rng.chance(400)) x.attr("jid", full_jid(rng, contact(rng)));
    x.empty();
    if (rng.chance(30)) {
      x.open("status");
      x.raw("code", "110");
      x.empty();
    }
    x.end("x");
    x.open("occupant-id");
    x.xmlns("urn:xmpp:occupant-id:0");
    x.raw("id", random_chars(rng, kBase64, 43) + "=");
    x.empty();
    x.end("presence");
  } else {
    // A subscription request.
    x.open("presence");
    x.attr("from", contact(rng));
    x.attr("to", kOwnBare);
    x.raw("type", "subscribe");
    x.raw("id", client_id(rng));
    x.gt();
    x.open("nick");
    x.xmlns("http://jabber.org/protocol/nick");
    x.gt();
    x.text(pick(rng, kRosterNames));
    x.end("nick");
    x.end("presence");
  }
}

void StreamGenerator::iq(std::string& out) {
  Ctx x{out, rng_};
  x.q = rng_.chance(100) ? '"' : '\'';
  x.escape_quotes_in_text = rng_.chance(500);
  Prng& rng = rng_;

  const auto variant = rng.below(1000);
  if (variant < 300) {
    // Server ping (XEP-0199).
    x.open("iq");
    x.raw("from", kServer);
    x.attr("to", kOwnFull);
    x.raw("id", "s2c" + std::to_string(seq_));
    x.raw("type", "get");
    x.gt();
    x.empty_ns("ping", "urn:xmpp:ping");
    x.end("iq");
  } else if (variant < 500) {
    // Roster push (RFC 6121 §2.1.6).
    x.open("iq");
    x.attr("to", kOwnFull);
    x.raw("type", "set");
    x.raw("id", "push" + std::to_string(seq_));
    x.gt();
    x.open("query");
    x.xmlns("jabber:iq:roster");
    x.raw("ver", "ver" + std::to_string(++roster_ver_));
    x.gt();
    x.open("item");
    x.attr("jid", contact(rng));
    const std::string_view name = pick(rng, kRosterNames);
    if (!name.empty()) x.attr("name", name);
    x.raw("subscription", pick(rng, kSubscriptions));
    if (rng.chance(100)) x.raw("ask", "subscribe");
    const auto groups = rng.below(4);
    if (groups == 0) {
      x.empty();
    } else {
      x.gt();
      for (std::uint64_t i = 0; i < groups; ++i)
        x.text_element("group", pick(rng, kGroups));
      x.end("item");
    }
    x.end("query");
    x.end("iq");
  } else if (variant < 750) {
    // disco#info result (a caps lookup answered by a contact's client).
    const std::string_view node = pick(rng, kCapsNodes);
    x.open("iq");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "result");
    x.raw("id", client_id(rng));
    x.gt();
    x.open("query");
    x.xmlns("http://jabber.org/protocol/disco#info");
    x.attr("node", std::string(node) + "#" + caps_ver(rng));
    x.gt();
    x.open("identity");
    x.raw("category", "client");
    x.raw("type", rng.chance(500) ? "phone" : "pc");
    x.attr("name", rng.chance(500) ? "Conversations" : "Gajim 1.8 — Überall");
    x.empty();
    const auto features = rng.between(8, kFeatures.size());
    const auto offset = rng.below(kFeatures.size());
    for (std::uint64_t i = 0; i < features; ++i) {
      x.open("feature");
      x.raw("var", kFeatures[(offset + i) % kFeatures.size()]);
      x.empty();
    }
    if (rng.chance(300)) {
      // XEP-0232 software information.
      x.open("x");
      x.xmlns("jabber:x:data");
      x.raw("type", "result");
      x.gt();
      auto field = [&](std::string_view var, std::string_view value, bool hidden) {
        x.open("field");
        x.raw("var", var);
        if (hidden) x.raw("type", "hidden");
        x.gt();
        x.text_element("value", value);
        x.end("field");
      };
      field("FORM_TYPE", "urn:xmpp:dataforms:softwareinfo", true);
      field("os", "Linux", false);
      field("os_version", "6.1.0-13-amd64", false);
      field("software", "Gajim", false);
      field("software_version", "1.8.4 (Überall & immer)", false);
      x.end("x");
    }
    x.end("query");
    x.end("iq");
  } else if (variant < 850) {
    // disco#items result: the rooms of a MUC service.
    x.open("iq");
    x.raw("from", "conference.example.com");
    x.attr("to", kOwnFull);
    x.raw("type", "result");
    x.raw("id", client_id(rng));
    x.gt();
    x.open("query");
    x.xmlns("http://jabber.org/protocol/disco#items");
    x.gt();
    const auto items = rng.between(1, kRooms.size());
    for (std::uint64_t i = 0; i < items; ++i) {
      x.open("item");
      x.attr("jid", kRooms[i]);
      std::string name(kRooms[i].substr(0, kRooms[i].find('@')));
      name += rng.chance(500) ? " (3 occupants)" : " — “public” & open";
      x.attr("name", name);
      x.empty();
    }
    x.end("query");
    x.end("iq");
  } else if (variant < 950) {
    // An empty result.
    x.open("iq");
    x.attr("from", rng.chance(500) ? std::string(kServer) : full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "result");
    x.raw("id", client_id(rng));
    x.empty();
  } else {
    // A contact's caps query.
    x.open("iq");
    x.attr("from", full_jid(rng, contact(rng)));
    x.attr("to", kOwnFull);
    x.raw("type", "get");
    x.raw("id", client_id(rng));
    x.gt();
    x.open("query");
    x.xmlns("http://jabber.org/protocol/disco#info");
    x.raw("node", "http://conversations.im#" + caps_ver(rng));
    x.empty();
    x.end("iq");
  }
}

std::string generate_client_stream(const StreamGeneratorOptions& options, StreamStats* stats) {
  StreamStats local;
  StreamStats& s = stats ? *stats : local;
  s = {};
  std::string out;
  out.reserve(options.target_bytes + 64 * 1024);
  StreamGenerator gen(options.seed, options.exotic_permille);
  gen.append_header(out, options.xml_declaration);
  s.header_bytes = out.size();
  if (options.session_start) gen.append_session_start(out, &s);
  while (out.size() < options.target_bytes)
    s.count(gen.append_next(out));
  if (options.close_stream) {
    StreamGenerator::append_close(out);
    s.closed = true;
  }
  s.bytes = out.size();
  return out;
}

}  // namespace xmpp::bench
