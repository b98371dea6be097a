// The byte-level state machine of the stream parser. Each state scans as far as it can in bulk;
// a construct split across inputs is resumed from the saved state, so no byte is read twice and
// the outcome does not depend on where the input was split.
#include <array>

#include "xml/char_class.hpp"
#include "xml/parser_impl.hpp"

namespace xmpp::xml {
namespace {

using C = StreamErrorCondition;

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

// ASCII name bytes: 1 = may continue an NCName, 2 = may also start one.
constexpr std::array<std::uint8_t, 128> kNameAscii = [] {
  std::array<std::uint8_t, 128> t{};
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

bool is_name_byte(unsigned char c) {
  return c >= 0x80 || c == ':' || kNameAscii[c] != 0;
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
  name_part_chars = 0;
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
    bool ok = name_part_chars == 0 ? detail::is_name_start_char(cp) : detail::is_name_char(cp);
    if (!ok) return bad(C::not_well_formed, "character not allowed in a name (XML 1.0 §2.3)");
    ++name_part_chars;
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
    fail(C::not_well_formed, p, "invalid UTF-8 (XML 1.0 §4.3.3)");
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
      fail(C::not_well_formed, p, "invalid UTF-8 (XML 1.0 §4.3.3)");
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
    if (b < utf8_lo || b > utf8_hi) return fail(C::not_well_formed, p, "invalid UTF-8");
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
  while (p < lim) {
    unsigned char c = *p;
    if (c < 0x80) {
      std::uint8_t k = kNameAscii[c];
      if (k) {
        if (name_part_chars == 0 && !(k & 2)) {
          append_run(*arena, run, p);
          fail(C::not_well_formed, p, "name starts with a character that cannot start it");
          return p;
        }
        ++name_part_chars;
        ++p;
        continue;
      }
      if (c == ':') {
        if (name_has_colon || name_part_chars == 0) {
          append_run(*arena, run, p);
          fail(C::not_well_formed, p,
               name_has_colon ? "name with more than one ':' (Namespaces in XML 1.0 §3)"
                              : "empty namespace prefix");
          return p;
        }
        name_has_colon = true;
        name_prefix_size = static_cast<std::uint32_t>(have + static_cast<std::size_t>(p - run));
        name_part_chars = 0;
        ++p;
        continue;
      }
      // The byte after the name.
      append_run(*arena, run, p);
      if (name_part_chars == 0) {
        fail(C::not_well_formed, p, name_has_colon ? "empty local name" : "missing name");
        return p;
      }
      done = true;
      return p;
    }
    detail::Utf8Lead lead = detail::utf8_lead(c);
    if (lead.need && p + lead.need + 1 > lim && lim < end) {
      append_run(*arena, run, p);
      fail(C::policy_violation, lim, "name longer than Limits::max_name_bytes");
      return lim;
    }
    if (static_cast<std::size_t>(end - p) <= lead.need) {
      // Split across inputs (or a bad lead byte, which begin_utf8 reports).
      append_run(*arena, run, p);
      if (!begin_utf8(p, end)) return p;
      return end;
    }
    char32_t cp = 0;
    std::size_t bad = 0;
    std::size_t n = detail::decode_utf8(p, end, cp, bad);
    if (n == 0) {
      append_run(*arena, run, p);
      fail(C::not_well_formed, p + bad, "invalid UTF-8 (XML 1.0 §4.3.3)");
      return p + bad;
    }
    bool ok = name_part_chars == 0 ? detail::is_name_start_char(cp) : detail::is_name_char(cp);
    if (!ok) {
      append_run(*arena, run, p);
      fail(C::not_well_formed, p, "character not allowed in a name (XML 1.0 §2.3)");
      return p;
    }
    ++name_part_chars;
    p += n;
  }
  append_run(*arena, run, p);
  if (p < end && is_name_byte(*p)) {
    return fail(C::policy_violation, p, "name longer than Limits::max_name_bytes");
  }
  if (p < end) {
    // The byte at the limit ends the name.
    if (name_part_chars == 0) {
      return fail(C::not_well_formed, p, name_has_colon ? "empty local name" : "missing name");
    }
    done = true;
  }
  return p;
}

// Character data inside a top-level element, up to markup or a reference.
const unsigned char* StreamParser::Impl::scan_text(const unsigned char* p,
                                                   const unsigned char* end) {
  const unsigned char* run = p;
  while (p < end) {
    unsigned char c = *p;
    if (!kTextClass[c]) [[likely]] {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      char32_t cp = 0;
      std::size_t bad = 0;
      std::size_t n = detail::decode_utf8(p, end, cp, bad);
      if (n) {
        if (!detail::is_xml_char(cp)) {
          append_run(*arena, run, p);
          return fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
        }
        brackets = 0;
        p += n;
        continue;
      }
      append_run(*arena, run, p);
      if (p + bad == end && bad > 0) {
        if (!begin_utf8(p, end)) return p;
        brackets = 0;
        return end;
      }
      return fail(C::not_well_formed, p + bad, "invalid UTF-8 (XML 1.0 §4.3.3)");
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
        arena->append('\n');
        brackets = 0;
        ++p;
        if (p == end) {
          after_cr = true;
          return p;
        }
        if (*p == '\n') ++p;
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
    unsigned char c = *p;
    if (!kCdataClass[c]) [[likely]] {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      char32_t cp = 0;
      std::size_t bad = 0;
      std::size_t n = detail::decode_utf8(p, end, cp, bad);
      if (n) {
        if (!detail::is_xml_char(cp)) {
          append_run(*arena, run, p);
          return fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
        }
        p += n;
        continue;
      }
      append_run(*arena, run, p);
      if (p + bad == end && bad > 0) {
        if (!begin_utf8(p, end)) return p;
        return end;
      }
      return fail(C::not_well_formed, p + bad, "invalid UTF-8 (XML 1.0 §4.3.3)");
    }
    append_run(*arena, run, p);
    if (c == ']') {
      p = cdata_brackets(p, end);
      if (p == end || state != State::cdata) return p;
      run = p;
      continue;
    }
    if (c == '\r') {
      arena->append('\n');
      ++p;
      if (p == end) {
        after_cr = true;
        return p;
      }
      if (*p == '\n') ++p;
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
    unsigned char c = *p;
    if (!kAttrClass[c]) [[likely]] {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      char32_t cp = 0;
      std::size_t bad = 0;
      std::size_t n = detail::decode_utf8(p, end, cp, bad);
      if (n) {
        if (!detail::is_xml_char(cp)) {
          append_run(*arena, run, p);
          return fail(C::not_well_formed, p, "character not allowed in XML (XML 1.0 §2.2)");
        }
        p += n;
        continue;
      }
      append_run(*arena, run, p);
      if (p + bad == end && bad > 0) {
        if (!begin_utf8(p, end)) return p;
        return end;
      }
      return fail(C::not_well_formed, p + bad, "invalid UTF-8 (XML 1.0 §4.3.3)");
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
        arena->append(' ');
        ++p;
        if (p == end) {
          after_cr = true;
          return p;
        }
        if (*p == '\n') ++p;
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
  while (p < end) {
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
    switch (state) {
      case State::misc: {
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
          continue;
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

      case State::lt: {
        unsigned char c = *p;
        if (c == '/') {
          if (level == Level::prolog) {
            return fail(C::not_well_formed, p, "end tag before the stream header");
          }
          if (!close_text(p)) return p;
          end_match = 0;
          state = State::end_name;
          ++p;
          continue;
        }
        if (c == '!') {
          state = State::bang;
          ++p;
          continue;
        }
        if (c == '?') {
          if (level == Level::prolog && offset_of(p) == 1) {
            match = 0;
            state = State::decl_match;
            ++p;
            continue;
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
        state = State::start_name;
        continue;
      }

      case State::start_name: {
        bool done = false;
        p = scan_name(p, end, done);
        if (!done) return p;
        if (!begin_element(p)) return p;
        unsigned char c = *p;
        if (detail::is_space(c)) {
          had_space = true;
          state = State::tag_space;
          ++p;
        } else if (c == '>') {
          if (!finish_start_tag(false, p)) return p;
          ++p;
          if (event != Event::none) return p;
        } else if (c == '/') {
          state = State::empty_slash;
          ++p;
        } else {
          return fail(C::not_well_formed, p, "unexpected character after an element name");
        }
        continue;
      }

      case State::tag_space: {
        while (p < end && detail::is_space(*p)) {
          had_space = true;
          ++p;
        }
        if (p == end) return p;
        unsigned char c = *p;
        if (c == '>') {
          if (!finish_start_tag(false, p)) return p;
          ++p;
          if (event != Event::none) return p;
          continue;
        }
        if (c == '/') {
          state = State::empty_slash;
          ++p;
          continue;
        }
        if (!had_space) {
          return fail(C::not_well_formed, p, "attributes must be separated by white space");
        }
        if (attr_count >= limits.max_attributes) {
          return fail(C::policy_violation, p, "more attributes than Limits::max_attributes");
        }
        begin_name();
        state = State::attr_name;
        continue;
      }

      case State::empty_slash:
        if (*p != '>') return fail(C::not_well_formed, p, "expected '>' after '/' in a tag");
        if (!finish_start_tag(true, p)) return p;
        ++p;
        if (event != Event::none) return p;
        continue;

      case State::attr_name: {
        bool done = false;
        p = scan_name(p, end, done);
        if (!done) return p;
        attr_prefix_size = name_has_colon ? name_prefix_size : 0;
        attr_qname = arena->close_string();
        unsigned char c = *p;
        if (c == '=') {
          state = State::attr_after_eq;
        } else if (detail::is_space(c)) {
          state = State::attr_after_name;
        } else {
          return fail(C::not_well_formed, p, "expected '=' after an attribute name");
        }
        ++p;
        continue;
      }

      case State::attr_after_name:
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        if (*p != '=') return fail(C::not_well_formed, p, "expected '=' after an attribute name");
        state = State::attr_after_eq;
        ++p;
        continue;

      case State::attr_after_eq:
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        if (*p != '\'' && *p != '"') {
          return fail(C::not_well_formed, p, "attribute value must be quoted");
        }
        quote = static_cast<char>(*p);
        state = State::attr_value;
        ++p;
        continue;

      case State::attr_value:
        p = scan_attr_value(p, end);
        if (event != Event::none) return p;
        continue;

      case State::end_name: {
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
        state = State::end_space;
        continue;
      }

      case State::end_space:
        while (p < end && detail::is_space(*p))
          ++p;
        if (p == end) return p;
        if (*p != '>') return fail(C::not_well_formed, p, "expected '>' in an end tag");
        end_element();
        ++p;
        if (event != Event::none) return p;
        continue;

      case State::text:
        if (brackets && *p == '>' && brackets >= 2) {
          return fail(C::not_well_formed, p, "\"]]>\" in character data (XML 1.0 §2.4)");
        }
        if (brackets && *p != ']') brackets = 0;
        p = scan_text(p, end);
        if (event != Event::none) return p;
        continue;

      case State::entity: {
        unsigned char c = *p;
        if (entity_size == 0 && c == '#') {
          charref_hex = false;
          charref_digits = false;
          charref_value = 0;
          state = State::charref_start;
          ++p;
          continue;
        }
        if (c == ';') {
          if (entity_size == 0) return fail(C::not_well_formed, p, "empty entity reference");
          if (!resolve_entity(p)) return p;
          state = return_state;
          ++p;
          continue;
        }
        if (c >= 0x80) {
          return fail(C::restricted_xml, p,
                      "entity reference other than the predefined ones (RFC 6120 §11.1)");
        }
        std::uint8_t k = kNameAscii[c];
        if (!k || (entity_size == 0 && !(k & 2))) {
          return fail(C::not_well_formed, p, "malformed entity reference");
        }
        if (entity_size == sizeof entity_name) {
          return fail(C::restricted_xml, p,
                      "entity reference other than the predefined ones (RFC 6120 §11.1)");
        }
        entity_name[entity_size++] = static_cast<char>(c);
        ++p;
        continue;
      }

      case State::charref_start:
        if (*p == 'x') {
          charref_hex = true;
          ++p;
        }
        state = State::charref;
        continue;

      case State::charref: {
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

      case State::bang: {
        unsigned char c = *p;
        if (c == '-') return fail(C::restricted_xml, p, "comment (RFC 6120 §11.1)");
        if (c == '[') {
          if (depth == 0) {
            return fail(C::not_well_formed, p, "CDATA section at stream level (RFC 6120 §11.7)");
          }
          match = 0;
          state = State::cdata_open;
          ++p;
          continue;
        }
        return fail(C::restricted_xml, p, "document type or markup declaration (RFC 6120 §11.1)");
      }

      case State::cdata_open: {
        static constexpr std::string_view kCdata = "CDATA[";
        while (p < end && match < kCdata.size()) {
          if (*p != static_cast<unsigned char>(kCdata[match])) {
            return fail(C::not_well_formed, p, "malformed CDATA section start");
          }
          ++match;
          ++p;
        }
        if (match == kCdata.size()) {
          brackets = 0;
          state = State::cdata;
        }
        continue;
      }

      case State::cdata:
        if (brackets) {  // a run of ']' held back from the previous input
          p = cdata_brackets(p, end);
          if (p == end) return p;
          if (state != State::cdata) continue;
        }
        p = scan_cdata(p, end);
        if (event != Event::none) return p;
        continue;

      case State::decl_match: {
        static constexpr std::string_view kXml = "xml";
        unsigned char c = *p;
        if (match < kXml.size()) {
          if (c != static_cast<unsigned char>(kXml[match])) {
            return fail(C::restricted_xml, p, "processing instruction (RFC 6120 §11.1)");
          }
          ++match;
          ++p;
          continue;
        }
        if (!detail::is_space(c)) {
          return fail(C::restricted_xml, p, "processing instruction (RFC 6120 §11.1)");
        }
        arena = &header_arena;
        state = State::decl_body;
        ++p;
        continue;
      }

      case State::decl_body: {
        const unsigned char* run = p;
        while (p < end && *p != '?') {
          if (*p >= 0x80 || (*p < 0x20 && !detail::is_space(*p))) {
            append_run(*arena, run, p);
            return fail(C::not_well_formed, p, "malformed XML declaration");
          }
          ++p;
        }
        append_run(*arena, run, p);
        if (p == end) return p;
        state = State::decl_question;
        ++p;
        continue;
      }

      case State::decl_question:
        if (*p == '>') {
          std::string_view body = arena->open_view();
          bool ok = check_xml_declaration(body, p);
          arena->discard_string();
          if (!ok) return p;
          state = State::misc;
          ++p;
          continue;
        }
        arena->append('?');
        if (*p != '?') state = State::decl_body;
        if (*p == '?') ++p;
        continue;

      case State::failed:
        return p;
    }
  }
  return p;
}

}  // namespace xmpp::xml
