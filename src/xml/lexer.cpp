// The byte-level state machine of the stream parser. Each state scans as far as it can in bulk;
// a construct split across inputs is resumed from the saved state, so no byte is read twice and
// the outcome does not depend on where the input was split.
#include <array>

#include "xml/char_class.hpp"
#include "xml/parser_impl.hpp"
#include "xml/simd_scan.hpp"

namespace xmpp::xml {
namespace {

using C = StreamErrorCondition;

constexpr std::string_view kInvalidUtf8 = "invalid UTF-8 (XML 1.0 §4.3.3)";

// Byte classes for the bulk scanners: 0 means "copy and go on".
constexpr std::array<std::uint8_t, 256> make_class(std::string_view specials, bool lf_tab_special) {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[static_cast<std::size_t>(c)] = 1;
  if (!lf_tab_special) t['\n'] = t['\t'] = 0;
  for (char c : specials)
    t[static_cast<unsigned char>(c)] = 1;
  for (int c = 0x80; c < 0x100; ++c)
    t[static_cast<std::size_t>(c)] = 1;
  return t;
}
// Text: markup, references, ']' (for "]]>"), CR (line ends), controls, non-ASCII (validated).
constexpr auto kTextClass = make_class("<&]", false);
// CDATA: only its end, CR, controls and non-ASCII matter.
constexpr auto kCdataClass = make_class("]", false);
// Attribute values: both quotes, '<', '&', and TAB/LF/CR (normalised to spaces, XML 1.0 §3.3.3).
constexpr auto kAttrClass = make_class("<&'\"", true);

// ASCII name bytes: 1 = may continue an NCName, 2 = may also start one. ':' and non-ASCII bytes
// are 0 here and handled apart.
constexpr std::array<std::uint8_t, 256> kNameByte = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c)
    t[static_cast<std::size_t>(c)] = 3;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[static_cast<std::size_t>(c)] = 3;
  t['_'] = 3;
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = 1;
  t['-'] = t['.'] = 1;
  return t;
}();

// Bytes an XML declaration can contain besides its closing "?>".
constexpr std::array<bool, 256> kDeclarationByte = [] {
  std::array<bool, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (int c = '0'; c <= '9'; ++c)
    t[static_cast<std::size_t>(c)] = true;
  for (char c : std::string_view("._-='\" \t\r\n"))
    t[static_cast<unsigned char>(c)] = true;
  return t;
}();

bool is_name_byte(unsigned char c) {
  return c >= 0x80 || c == ':' || kNameByte[c] != 0;
}

void append_utf8(Arena& a, char32_t cp) {
  char buf[4];
  std::size_t n;
  if (cp < 0x80) {
    buf[0] = static_cast<char>(cp);
    n = 1;
  } else if (cp < 0x800) {
    buf[0] = static_cast<char>(0xC0 | (cp >> 6));
    buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    buf[0] = static_cast<char>(0xE0 | (cp >> 12));
    buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    n = 4;
  }
  a.append(buf, n);
}

void append_run(Arena& a, const unsigned char* from, const unsigned char* to) {
  a.append(reinterpret_cast<const char*>(from), static_cast<std::size_t>(to - from));
}

}  // namespace

const unsigned char* StreamParser::Impl::fail(StreamErrorCondition c, const unsigned char* at,
                                              std::string_view message) {
  error = ParseError{c, offset_of(at), message};
  state = State::failed;
  event = Event::error;
  return at;
}

void StreamParser::Impl::begin_name() {
  name_part_empty = true;
  name_prefix_size = 0;
  name_has_colon = false;
}

// Checks a non-ASCII character (already appended to the open string) against the rules of the
// construct it appeared in. `first_byte` may be null when the character began in an earlier
// input; utf8_start then holds its offset.
bool StreamParser::Impl::check_char_in_context(char32_t cp, const unsigned char* first_byte) {
  std::uint64_t at = first_byte ? offset_of(first_byte) : utf8_start;
  auto bad = [&](C c, std::string_view msg) {
    error = ParseError{c, at, msg};
    state = State::failed;
    event = Event::error;
    return false;
  };
  if (state == State::start_name || state == State::attr_name) {
    bool ok = name_part_empty ? detail::is_name_start_char(cp) : detail::is_name_char(cp);
    if (!ok) return bad(C::not_well_formed, "character not allowed in a name (XML 1.0 §2.3)");
    name_part_empty = false;
    return true;
  }
  if (!detail::is_xml_char(cp)) {
    return bad(C::not_well_formed, "character not allowed in XML (XML 1.0 §2.2)");
  }
  return true;
}

// Starts a non-ASCII character at p whose bytes run past `end`: appends what is there and
// remembers what the next bytes must be. Returns false (with the error set) on a bad lead byte.
bool StreamParser::Impl::begin_utf8(const unsigned char* p, const unsigned char* end) {
  detail::Utf8Lead lead = detail::utf8_lead(*p);
  if (lead.need == 0) {
    fail(C::not_well_formed, p, kInvalidUtf8);
    return false;
  }
  utf8_start = offset_of(p);
  utf8_cp = lead.bits;
  utf8_need = lead.need;
  utf8_lo = lead.lo;
  utf8_hi = lead.hi;
  arena->append(static_cast<char>(*p));
  ++p;
  while (p < end) {  // only reached for the bytes that are there; the rest come later
    unsigned char b = *p;
    if (b < utf8_lo || b > utf8_hi) {
      fail(C::not_well_formed, p, kInvalidUtf8);
      return false;
    }
    utf8_cp = (utf8_cp << 6) | (b & 0x3Fu);
    arena->append(static_cast<char>(b));
    --utf8_need;
    utf8_lo = 0x80;
    utf8_hi = 0xBF;
    ++p;
  }
  return true;
}

const unsigned char* StreamParser::Impl::continue_utf8(const unsigned char* p,
                                                       const unsigned char* end) {
  while (utf8_need && p < end) {
    unsigned char b = *p;
    if ((state == State::start_name || state == State::attr_name) &&
        arena->open_size() >= limits.max_name_bytes) {
      return fail(C::policy_violation, p, "name longer than Limits::max_name_bytes");
    }
    if (b < utf8_lo || b > utf8_hi) return fail(C::not_well_formed, p, kInvalidUtf8);
    utf8_cp = (utf8_cp << 6) | (b & 0x3Fu);
    arena->append(static_cast<char>(b));
    --utf8_need;
    utf8_lo = 0x80;
    utf8_hi = 0xBF;
    ++p;
  }
  if (utf8_need == 0 && !check_char_in_context(utf8_cp, nullptr)) return p;
  return p;
}

// Reads name bytes into the open string. Returns where it stopped; `done` is set when it stopped
// at the byte after the name (not consumed), which the caller then judges.
const unsigned char* StreamParser::Impl::scan_name(const unsigned char* p, const unsigned char* end,
                                                   bool& done) {
  done = false;
  const std::size_t have = arena->open_size();
  const std::size_t room = limits.max_name_bytes > have ? limits.max_name_bytes - have : 0;
  const unsigned char* lim = static_cast<std::size_t>(end - p) > room ? p + room : end;
  const unsigned char* run = p;
  bool part_empty = name_part_empty;  // kept in a register; stored back on every exit
  auto stop = [&](const unsigned char* at) {
    append_run(*arena, run, at);
    name_part_empty = part_empty;
    return at;
  };
  while (p < lim) {
    unsigned char c = *p;
    std::uint8_t k = kNameByte[c];
    if (k) [[likely]] {
      if (part_empty && !(k & 2)) {
        stop(p);
        return fail(C::not_well_formed, p, "name starts with a character that cannot start it");
      }
      part_empty = false;
      ++p;
      while (p < lim && kNameByte[*p])
        ++p;
      continue;
    }
    if (c == ':') {
      if (name_has_colon || part_empty) {
        stop(p);
        return fail(C::not_well_formed, p,
                    name_has_colon ? "name with more than one ':' (Namespaces in XML 1.0 §3)"
                                   : "empty namespace prefix");
      }
      name_has_colon = true;
      name_prefix_size = static_cast<std::uint32_t>(have + static_cast<std::size_t>(p - run));
      part_empty = true;
      ++p;
      continue;
    }
    if (c < 0x80) {  // the byte after the name
      stop(p);
      if (part_empty) {
        return fail(C::not_well_formed, p, name_has_colon ? "empty local name" : "missing name");
      }
      done = true;
      return p;
    }
    detail::Utf8Lead lead = detail::utf8_lead(c);
    if (lead.need && p + lead.need + 1 > lim && lim < end) {
      // The character crosses the limit. Its bytes before the limit are judged first, as they
      // would be if they had arrived alone (continue_utf8), so the outcome does not depend on
      // the chunking.
      for (const unsigned char* q = p + 1; q < lim; ++q) {
        unsigned char lo = q == p + 1 ? lead.lo : 0x80, hi = q == p + 1 ? lead.hi : 0xBF;
        if (*q < lo || *q > hi) {
          stop(p);
          return fail(C::not_well_formed, q, kInvalidUtf8);
        }
      }
      stop(p);
      return fail(C::policy_violation, lim, "name longer than Limits::max_name_bytes");
    }
    if (static_cast<std::size_t>(end - p) <= lead.need) {
      // Split across inputs (or a bad lead byte, which begin_utf8 reports).
      stop(p);
      if (!begin_utf8(p, end)) return p;
      return end;
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    std::size_t n = detail::decode_utf8(p, end, cp, bad);
    if (n == 0) {
      stop(p);
      return fail(C::not_well_formed, p + bad, kInvalidUtf8);
    }
    if (part_empty ? !detail::is_name_start_char(cp) : !detail::is_name_char(cp)) {
      stop(p);
      return fail(C::not_well_formed, p, "character not allowed in a name (XML 1.0 §2.3)");
    }
    part_empty = false;
    p += n;
  }
  stop(p);
  if (p < end && is_name_byte(*p)) {
    return fail(C::policy_violation, p, "name longer than Limits::max_name_bytes");
  }
  if (p < end) {  // the byte at the limit ends the name
    if (part_empty) {
      return fail(C::not_well_formed, p, name_has_colon ? "empty local name" : "missing name");
    }
    done = true;
  }
  return p;
}

// A non-ASCII character in character data (text, CDATA, attribute values) at p. Returns its
// length when it is complete and allowed, so the scan goes on. Otherwise returns 0 after
// appending the run [run, p) and setting `stopped` to where lex() goes on from: the end of the
// input when the character is split across inputs (it is then pending), or the error.
std::size_t StreamParser::Impl::char_data_utf8(const unsigned char* p, const unsigned char* end,
                                               const unsigned char* run,
                                               const unsigned char*& stopped) {
  char32_t cp = 0;
  std::size_t bad = 0;
  std::size_t n = detail::decode_utf8(p, end, cp, bad);
  if (n && detail::is_xml_char(cp)) return n;
  append_run(*arena, run, p);
  if (n) {
    stopped = fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
  } else if (p + bad == end && bad > 0) {
    stopped = begin_utf8(p, end) ? end : p;
  } else {
    stopped = fail(C::not_well_formed, p + bad, kInvalidUtf8);
  }
  return 0;
}

// A CR at p (XML 1.0 §2.11): appends `replacement` once for CR LF or a lone CR and returns the
// byte after the line end. At the end of the input the LF may still come: after_cr remembers.
const unsigned char* StreamParser::Impl::line_end(const unsigned char* p, const unsigned char* end,
                                                  char replacement) {
  arena->append(replacement);
  ++p;
  if (p == end) {
    after_cr = true;
    return p;
  }
  return *p == '\n' ? p + 1 : p;
}

// Character data inside a top-level element, up to markup or a reference.
const unsigned char* StreamParser::Impl::scan_text(const unsigned char* p,
                                                   const unsigned char* end) {
  const unsigned char* run = p;
  while (p < end) {
    p = detail::skip_plain<'<', '&', ']', '<'>(p, end);
    if (p == end) break;
    unsigned char c = *p;
    if (!kTextClass[c]) {  // TAB or LF
      ++p;
      continue;
    }
    if (c >= 0x80) {
      const unsigned char* stopped = nullptr;
      if (std::size_t n = char_data_utf8(p, end, run, stopped)) {
        p += n;
        continue;
      }
      return stopped;
    }
    append_run(*arena, run, p);
    switch (c) {
      case '<':
        brackets = 0;
        state = State::lt;
        return p + 1;
      case '&':
        brackets = 0;
        return_state = State::text;
        state = State::entity;
        entity_size = 0;
        return p + 1;
      case '\r':  // XML 1.0 §2.11: CR LF and lone CR become LF
        brackets = 0;
        p = line_end(p, end, '\n');
        if (p == end) return p;
        run = p;
        continue;
      case ']':
        if (brackets < 2) ++brackets;
        ++p;
        run = p - 1;
        if (p < end && *p == '>' && brackets >= 2) {
          return fail(C::not_well_formed, p, "\"]]>\" in character data (XML 1.0 §2.4)");
        }
        if (p < end && *p != ']') brackets = 0;
        continue;
      default:
        return fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
    }
  }
  append_run(*arena, run, p);
  return p;
}

// Inside <![CDATA[ ... ]]>. A run of ']' is held back until it is known not to end the section.
const unsigned char* StreamParser::Impl::cdata_brackets(const unsigned char* p,
                                                        const unsigned char* end) {
  // Of a run of ']', all but the last two are content; the last two end the section if '>'
  // follows.
  while (p < end && *p == ']') {
    if (brackets == 2) {
      arena->append(']');
    } else {
      ++brackets;
    }
    ++p;
  }
  if (p == end) return p;
  if (*p == '>' && brackets == 2) {
    brackets = 0;
    state = State::text;
    return p + 1;
  }
  for (; brackets; --brackets)
    arena->append(']');
  return p;
}

const unsigned char* StreamParser::Impl::scan_cdata(const unsigned char* p,
                                                    const unsigned char* end) {
  const unsigned char* run = p;
  while (p < end) {
    p = detail::skip_plain<']', ']', ']', ']'>(p, end);
    if (p == end) break;
    unsigned char c = *p;
    if (!kCdataClass[c]) {  // TAB or LF
      ++p;
      continue;
    }
    if (c >= 0x80) {
      const unsigned char* stopped = nullptr;
      if (std::size_t n = char_data_utf8(p, end, run, stopped)) {
        p += n;
        continue;
      }
      return stopped;
    }
    append_run(*arena, run, p);
    if (c == ']') {
      p = cdata_brackets(p, end);
      if (p == end || state != State::cdata) return p;
      run = p;
      continue;
    }
    if (c == '\r') {
      p = line_end(p, end, '\n');
      if (p == end) return p;
      run = p;
      continue;
    }
    return fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
  }
  append_run(*arena, run, p);
  return p;
}

// Inside a quoted attribute value.
const unsigned char* StreamParser::Impl::scan_attr_value(const unsigned char* p,
                                                         const unsigned char* end) {
  const unsigned char* run = p;
  while (p < end) {
    p = detail::skip_plain<'<', '&', '\'', '"'>(p, end);
    if (p == end) break;
    unsigned char c = *p;
    if (!kAttrClass[c]) {  // not reached: every candidate is special here
      ++p;
      continue;
    }
    if (c >= 0x80) {
      const unsigned char* stopped = nullptr;
      if (std::size_t n = char_data_utf8(p, end, run, stopped)) {
        p += n;
        continue;
      }
      return stopped;
    }
    append_run(*arena, run, p);
    switch (c) {
      case '\'':
      case '"':
        if (c != static_cast<unsigned char>(quote)) {
          ++p;
          run = p - 1;
          continue;
        }
        if (!add_attribute(p)) return p;
        state = State::tag_space;
        had_space = false;
        return p + 1;
      case '<':
        return fail(C::not_well_formed, p, "'<' in an attribute value (XML 1.0 §3.1)");
      case '&':
        return_state = State::attr_value;
        state = State::entity;
        entity_size = 0;
        return p + 1;
      case '\t':
      case '\n':  // XML 1.0 §3.3.3: white space characters become spaces
        arena->append(' ');
        run = ++p;
        continue;
      case '\r':  // CR LF is one line end, hence one space
        p = line_end(p, end, ' ');
        if (p == end) return p;
        run = p;
        continue;
      default:
        return fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
    }
  }
  append_run(*arena, run, p);
  return p;
}

bool StreamParser::Impl::resolve_entity(const unsigned char* at) {
  std::string_view name(entity_name, entity_size);
  char c;
  if (name == "lt") {
    c = '<';
  } else if (name == "gt") {
    c = '>';
  } else if (name == "amp") {
    c = '&';
  } else if (name == "quot") {
    c = '"';
  } else if (name == "apos") {
    c = '\'';
  } else {
    fail(C::restricted_xml, at, "entity reference other than the predefined ones (RFC 6120 §11.1)");
    return false;
  }
  arena->append(c);
  return true;
}

bool StreamParser::Impl::append_char_reference(const unsigned char* at) {
  if (!charref_digits) {
    fail(C::not_well_formed, at, "character reference without digits");
    return false;
  }
  if (!detail::is_xml_char(charref_value)) {
    fail(C::not_well_formed, at, "character reference to a character XML does not allow");
    return false;
  }
  append_utf8(*arena, charref_value);
  return true;
}

const unsigned char* StreamParser::Impl::lex(const unsigned char* p, const unsigned char* end) {
  // Work left over from the previous input: only ever pending at entry, since it is only set
  // when the input runs out.
  if (p == end) return p;
  if (utf8_need) [[unlikely]] {
    p = continue_utf8(p, end);
    if (event == Event::error || p == end) return p;
  }
  if (after_cr) [[unlikely]] {
    after_cr = false;  // the byte after a CR: an LF there belongs to the same line end
    if (*p == '\n' &&
        (state == State::text || state == State::cdata || state == State::attr_value)) {
      if (++p == end) return p;
    }
  }
  // Transitions jump straight to the next state's code (NEXT); the switch is only for entry and
  // for states the scanners set. A direct jump per token is far cheaper than an indirect
  // dispatch per token.
#define NEXT(s)             \
  do {                      \
    state = State::s;       \
    if (p == end) return p; \
    goto state_##s;         \
  } while (0)
#define AFTER_SCAN()                           \
  do {                                         \
    if (event != Event::none) return p;        \
    if (p == end) return p;                    \
    if (state == State::text) goto state_text; \
    goto dispatch;                             \
  } while (0)
  while (p < end) {
  dispatch:
    switch (state) {
      case State::misc:
      state_misc : {
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        unsigned char c = *p;
        if (c == '<' && level != Level::closed) {
          state = State::lt;
          ++p;
          if (level == Level::stream) {
            // A top-level element (or the stream's end tag) starts: its byte budget starts here.
            in_element = true;
            element_start = offset_of(p - 1);
            event = Event::element_started;
            return p;
          }
          NEXT(lt);
        }
        if (level == Level::prolog && offset_of(p) == 0 && (c == 0 || c == 0xFE || c == 0xFF)) {
          return fail(C::unsupported_encoding, p, "not UTF-8 (RFC 6120 §11.6)");
        }
        if (level == Level::closed) {
          return fail(C::not_well_formed, p, "data after the end of the stream");
        }
        return fail(C::not_well_formed, p,
                    level == Level::prolog ? "character data before the stream header"
                                           : "character data at stream level (RFC 6120 §11.7)");
      }

      case State::lt:
      state_lt : {
        unsigned char c = *p;
        if (c == '/') {
          if (level == Level::prolog) {
            return fail(C::not_well_formed, p, "end tag before the stream header");
          }
          if (!close_text(p)) return p;
          end_match = 0;
          ++p;
          NEXT(end_name);
        }
        if (c == '!') {
          ++p;
          NEXT(bang);
        }
        if (c == '?') {
          if (level == Level::prolog && offset_of(p) == 1) {
            match = 0;
            ++p;
            NEXT(decl_match);
          }
          return fail(C::restricted_xml, p, "processing instruction (RFC 6120 §11.1)");
        }
        if (c == 0 && level == Level::prolog && offset_of(p) == 1) {
          return fail(C::unsupported_encoding, p, "not UTF-8 (RFC 6120 §11.6)");
        }
        if (!close_text(p)) return p;
        if (depth + 1 > limits.max_depth && level == Level::stream) {
          return fail(C::policy_violation, p, "elements nested deeper than Limits::max_depth");
        }
        arena = level == Level::prolog ? &header_arena : &element_arena;
        begin_name();
        NEXT(start_name);
      }

      case State::start_name:
      state_start_name : {
        bool done = false;
        p = scan_name(p, end, done);
        if (!done) return p;
        if (!begin_element(p)) return p;
        unsigned char c = *p;
        if (detail::is_space(c)) {
          had_space = true;
          ++p;
          NEXT(tag_space);
        }
        if (c == '>') {
          if (!finish_start_tag(false, p)) return p;
          ++p;
          AFTER_SCAN();
        }
        if (c == '/') {
          ++p;
          NEXT(empty_slash);
        }
        return fail(C::not_well_formed, p, "unexpected character after an element name");
      }

      case State::tag_space:
      state_tag_space : {
        while (p < end && detail::is_space(*p)) {
          had_space = true;
          ++p;
        }
        if (p == end) return p;
        unsigned char c = *p;
        if (c == '>') {
          if (!finish_start_tag(false, p)) return p;
          ++p;
          AFTER_SCAN();
        }
        if (c == '/') {
          ++p;
          NEXT(empty_slash);
        }
        if (!had_space) {
          return fail(C::not_well_formed, p, "attributes must be separated by white space");
        }
        if (attr_count >= limits.max_attributes) {
          return fail(C::policy_violation, p, "more attributes than Limits::max_attributes");
        }
        begin_name();
        NEXT(attr_name);
      }

      case State::empty_slash:
      state_empty_slash:
        if (*p != '>') return fail(C::not_well_formed, p, "expected '>' after '/' in a tag");
        if (!finish_start_tag(true, p)) return p;
        ++p;
        AFTER_SCAN();

      case State::attr_name:
      state_attr_name : {
        bool done = false;
        p = scan_name(p, end, done);
        if (!done) return p;
        attr_prefix_size = name_has_colon ? name_prefix_size : 0;
        attr_qname = arena->close_string();
        unsigned char c = *p;
        ++p;
        if (c == '=') NEXT(attr_after_eq);
        if (detail::is_space(c)) NEXT(attr_after_name);
        return fail(C::not_well_formed, p - 1, "expected '=' after an attribute name");
      }

      case State::attr_after_name:
      state_attr_after_name:
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        if (*p != '=') return fail(C::not_well_formed, p, "expected '=' after an attribute name");
        ++p;
        NEXT(attr_after_eq);

      case State::attr_after_eq:
      state_attr_after_eq:
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        if (*p != '\'' && *p != '"') {
          return fail(C::not_well_formed, p, "attribute value must be quoted");
        }
        quote = static_cast<char>(*p);
        ++p;
        NEXT(attr_value);

      case State::attr_value:
      state_attr_value:
        p = scan_attr_value(p, end);
        if (state == State::tag_space && p != end) goto state_tag_space;
        AFTER_SCAN();

      case State::end_name:
      state_end_name : {
        std::string_view want = depth ? current->qname : header->qname;
        while (p < end && end_match < want.size() &&
               *p == static_cast<unsigned char>(want[end_match])) {
          ++p;
          ++end_match;
        }
        if (p == end) return p;
        if (end_match < want.size() || !(detail::is_space(*p) || *p == '>')) {
          return fail(C::not_well_formed, p, "end tag does not match the start tag");
        }
        NEXT(end_space);
      }

      case State::end_space:
      state_end_space:
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        if (*p != '>') return fail(C::not_well_formed, p, "expected '>' in an end tag");
        end_element();
        ++p;
        AFTER_SCAN();

      case State::text:
      state_text:
        if (brackets && *p == '>' && brackets >= 2) {
          return fail(C::not_well_formed, p, "\"]]>\" in character data (XML 1.0 §2.4)");
        }
        if (brackets && *p != ']') brackets = 0;
        p = scan_text(p, end);
        if (state == State::lt && p != end) goto state_lt;
        AFTER_SCAN();

      case State::entity:
      state_entity : {
        unsigned char c = *p;
        if (entity_size == 0 && c == '#') {
          charref_hex = false;
          charref_digits = false;
          charref_value = 0;
          ++p;
          NEXT(charref_start);
        }
        if (c == ';') {
          if (entity_size == 0) return fail(C::not_well_formed, p, "empty entity reference");
          if (!resolve_entity(p)) return p;
          state = return_state;
          ++p;
          if (p == end) return p;
          goto dispatch;
        }
        if (c >= 0x80) {
          return fail(C::restricted_xml, p,
                      "entity reference other than the predefined ones (RFC 6120 §11.1)");
        }
        std::uint8_t k = kNameByte[c];
        if (!k || (entity_size == 0 && !(k & 2))) {
          return fail(C::not_well_formed, p, "malformed entity reference");
        }
        if (entity_size == sizeof entity_name) {
          return fail(C::restricted_xml, p,
                      "entity reference other than the predefined ones (RFC 6120 §11.1)");
        }
        entity_name[entity_size++] = static_cast<char>(c);
        ++p;
        if (p == end) return p;
        goto state_entity;
      }

      case State::charref_start:
      state_charref_start:
        if (*p == 'x') {
          charref_hex = true;
          ++p;
        }
        NEXT(charref);

      case State::charref:
      state_charref : {
        while (p < end) {
          unsigned char c = *p;
          std::uint32_t d;
          if (c >= '0' && c <= '9') {
            d = c - '0';
          } else if (charref_hex && c >= 'a' && c <= 'f') {
            d = c - 'a' + 10u;
          } else if (charref_hex && c >= 'A' && c <= 'F') {
            d = c - 'A' + 10u;
          } else if (c == ';') {
            if (!append_char_reference(p)) return p;
            state = return_state;
            ++p;
            break;
          } else {
            return fail(C::not_well_formed, p, "malformed character reference");
          }
          // Checked before it can wrap: &#x100000041; is out of range, not 'A'.
          charref_value = charref_value * (charref_hex ? 16u : 10u) + d;
          if (charref_value > 0x10FFFF) {
            return fail(C::not_well_formed, p, "character reference beyond U+10FFFF");
          }
          charref_digits = true;
          ++p;
        }
        continue;
      }

      case State::bang:
      state_bang : {
        unsigned char c = *p;
        if (c == '-') return fail(C::restricted_xml, p, "comment (RFC 6120 §11.1)");
        if (c == '[') {
          if (depth == 0) {
            return fail(C::not_well_formed, p, "CDATA section at stream level (RFC 6120 §11.7)");
          }
          match = 0;
          ++p;
          NEXT(cdata_open);
        }
        return fail(C::restricted_xml, p, "document type or markup declaration (RFC 6120 §11.1)");
      }

      case State::cdata_open:
      state_cdata_open : {
        static constexpr std::string_view kCdata = "CDATA[";
        while (p < end && match < kCdata.size()) {
          if (*p != static_cast<unsigned char>(kCdata[match])) {
            return fail(C::not_well_formed, p, "malformed CDATA section start");
          }
          ++match;
          ++p;
        }
        if (match < kCdata.size()) return p;
        brackets = 0;
        NEXT(cdata);
      }

      case State::cdata:
      state_cdata:
        if (brackets) {  // a run of ']' held back from the previous input
          p = cdata_brackets(p, end);
          if (p == end) return p;
          if (state != State::cdata) continue;
        }
        p = scan_cdata(p, end);
        if (event != Event::none) return p;
        continue;

      case State::decl_match:
      state_decl_match : {
        static constexpr std::string_view kXml = "xml";
        unsigned char c = *p;
        if (match < kXml.size()) {
          if (c != static_cast<unsigned char>(kXml[match])) {
            return fail(C::restricted_xml, p, "processing instruction (RFC 6120 §11.1)");
          }
          ++match;
          ++p;
          if (p == end) return p;
          goto state_decl_match;
        }
        if (!detail::is_space(c)) {
          return fail(C::restricted_xml, p, "processing instruction (RFC 6120 §11.1)");
        }
        arena = &header_arena;
        ++p;
        NEXT(decl_body);
      }

      case State::decl_body:
      state_decl_body : {
        const unsigned char* run = p;
        while (p < end && *p != '?') {
          // Only these bytes can appear in a declaration (XML 1.0 §2.8 [23]-[26], §4.3.3 [81],
          // §2.9 [32]); anything else ends it wrongly at once, before it can swallow the stream.
          if (!kDeclarationByte[*p]) {
            append_run(*arena, run, p);
            return fail(C::not_well_formed, p, "malformed XML declaration (XML 1.0 §2.8)");
          }
          ++p;
        }
        append_run(*arena, run, p);
        if (p == end) return p;
        ++p;
        NEXT(decl_question);
      }

      case State::decl_question:
      state_decl_question:
        if (*p == '>') {
          std::string_view body = arena->open_view();
          bool ok = check_xml_declaration(body, p);
          arena->discard_string();
          if (!ok) return p;
          ++p;
          NEXT(misc);
        }
        // '?' only ever ends the declaration.
        return fail(C::not_well_formed, p, "malformed XML declaration (XML 1.0 §2.8)");

      case State::failed:
        return p;
    }
  }
  return p;
#undef NEXT
#undef AFTER_SCAN
}

}  // namespace xmpp::xml
