// Helpers shared by the fuzz targets: a small PRNG, failure reporting, and parsing a written
// element back inside a stream.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "xmpp/xml.hpp"

/// The libFuzzer entry point each target defines.
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fuzz {

/// Reports a broken invariant and stops (libFuzzer saves the input as a crash).
[[noreturn]] inline void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n*** invariant broken: %s\n", what);
  if (!detail.empty()) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::fflush(stderr);
  __builtin_trap();
}

inline void check(bool ok, const char* what, std::string_view detail = {}) {
  if (!ok) [[unlikely]]
    fail(what, detail);
}

/// xorshift32: deterministic, cheap, good enough to pick chunk sizes.
class Prng {
 public:
  explicit Prng(std::uint32_t seed) : s_(seed ? seed : 0x9E3779B9u) {}
  std::uint32_t next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 17;
    s_ ^= s_ << 5;
    return s_;
  }
  /// Uniform enough in [lo, hi].
  std::size_t between(std::size_t lo, std::size_t hi) { return lo + next() % (hi - lo + 1); }

 private:
  std::uint32_t s_;
};

/// Limits large enough for any element the writer produces from a fuzzed tree.
inline xmpp::xml::Limits generous_limits() {
  xmpp::xml::Limits l;
  l.max_element_bytes = std::size_t{1} << 30;
  l.max_tree_bytes = std::size_t{1} << 30;
  l.max_depth = xmpp::xml::kWriterMaxDepth + 1;
  l.max_attributes = std::size_t{1} << 20;
  l.max_name_bytes = std::size_t{1} << 20;
  l.max_header_bytes = std::size_t{1} << 20;
  return l;
}

/// The start tag of a stream header that binds what `header` binds: its qualified name and its
/// namespace declarations (its attributes do not matter to the elements inside).
inline std::string start_tag_of(xmpp::xml::Element header) {
  std::string tag = "<";
  tag += header.qualified_name();
  for (const auto decl : header.namespace_declarations()) {
    tag += decl.prefix.empty() ? " xmlns" : " xmlns:";
    tag += decl.prefix;
    tag += "='";
    check(xmpp::xml::write_escaped_attribute(decl.uri, tag) == xmpp::xml::WriteStatus::ok,
          "a namespace URI from the parser cannot be written");
    tag += '\'';
  }
  tag += '>';
  return tag;
}

/// A one-line dump of a tree with every name expanded, for failure reports:
/// `{ns}name[{ns}attr="value"...](children...)`; text in quotes.
inline std::string dump(xmpp::xml::Element e) {
  std::string s = "{";
  s += e.ns();
  s += '}';
  s += e.qualified_name();
  for (const auto a : e.attributes()) {
    s += " {";
    s += a.ns();
    s += '}';
    s += a.qualified_name();
    s += "=\"";
    s += a.value();
    s += '"';
  }
  s += '(';
  for (const auto c : e.children()) {
    if (c.is_element()) {
      s += dump(c.element());
    } else {
      s += '"';
      s += c.text();
      s += '"';
    }
    s += ' ';
  }
  s += ')';
  return s;
}

inline std::string describe(std::string_view header_tag, std::string_view xml) {
  std::string s = "header: ";
  s += header_tag;
  s += "\nelement: ";
  s += xml;
  return s;
}

/// Parses `header_tag` followed by `xml`, which must be exactly one complete top-level element,
/// with `parser` (fresh or reset). Returns that element (valid until the parser's next call).
inline xmpp::xml::Element parse_one(xmpp::xml::StreamParser& parser, std::string_view header_tag,
                                    std::string_view xml) {
  using xmpp::xml::ParseEvent;
  auto r = parser.parse(header_tag);
  if (r.event == ParseEvent::error) {
    fail("the synthetic header does not parse",
         describe(header_tag, std::string(parser.error().message)));
  }
  check(r.event == ParseEvent::stream_open && r.consumed == header_tag.size(),
        "the synthetic header is not one stream_open", header_tag);
  r = parser.parse(xml);
  if (r.event == ParseEvent::error) {
    std::string d = describe(header_tag, xml);
    d += "\nerror: ";
    d += xmpp::to_string(parser.error().condition);
    d += " at offset ";
    d += std::to_string(parser.error().offset - header_tag.size());
    d += " of the element: ";
    d += parser.error().message;
    fail("written XML does not parse", d);
  }
  check(r.event == ParseEvent::element && r.consumed == xml.size(),
        "written XML is not exactly one element", describe(header_tag, xml));
  return parser.element();
}

}  // namespace fuzz
