// Serialising element trees as well-formed XML.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "xmpp/xml/element.hpp"

namespace xmpp::xml {

/// Why the writer refused a tree. On any of these, nothing was appended to the output.
enum class WriteStatus : std::uint8_t {
  ok,
  invalid_utf8,       ///< a name, value or text is not valid UTF-8
  illegal_character,  ///< a character XML 1.0 cannot carry (e.g. U+0000, U+FFFE), even escaped
  invalid_name,       ///< a name is not an XML NCName, or a prefix cannot be used
  too_deep,           ///< nesting deeper than Writer::kMaxDepth
};

std::string_view to_string(WriteStatus status) noexcept;

/// The namespace context the output is written into: the default namespace and the prefixes
/// already declared there (for stanzas inside a client stream: "jabber:client" and the `stream`
/// prefix from the stream header).
struct WriteScope {
  std::string_view default_ns;
  /// Up to kMaxPrefixes prefix bindings in scope.
  static constexpr std::size_t kMaxPrefixes = 8;
  struct Binding {
    std::string_view prefix, uri;
  };
  Binding prefixes[kMaxPrefixes] = {};
  std::size_t prefix_count = 0;

  /// Adds a prefix binding; returns false when the scope is full.
  bool bind(std::string_view prefix, std::string_view uri) noexcept;
  /// The scope established by a stream header: its default namespace and its prefixes.
  static WriteScope of_stream_header(Element header) noexcept;
};

/// Appends the XML serialisation of `e` to `out`.
///
/// The output is always well-formed and namespace-well-formed, and parsing it gives a tree
/// equivalent() to `e`: text and attribute values are escaped (including the characters that
/// attribute-value normalisation and line-end handling would otherwise change), and namespace
/// declarations are emitted only where the namespace of an element or attribute is not already in
/// scope. An element is written with its prefix when that prefix is already bound to its
/// namespace, else with a default namespace declaration. An attribute keeps its prefix when that
/// prefix is bound to its namespace or bound to nothing; otherwise a generated prefix (`ns0`, ...)
/// is declared. Only prefixes bound nowhere in scope are declared, so a declaration never changes
/// the meaning of another name.
///
/// On a status other than ok, `out` is left exactly as it was.
WriteStatus write(Element e, std::string& out, const WriteScope& scope = {});

/// Appends `text` escaped as character data (for `&`, `<`, `>` and CR). Returns invalid_utf8 or
/// illegal_character (and appends nothing) when `text` cannot be carried.
WriteStatus write_escaped_text(std::string_view text, std::string& out);
/// Appends `value` escaped for an attribute delimited by `'`.
WriteStatus write_escaped_attribute(std::string_view value, std::string& out);

/// Maximum nesting the writer serialises (trees from the parser are far shallower).
inline constexpr std::size_t kWriterMaxDepth = 1024;

}  // namespace xmpp::xml
