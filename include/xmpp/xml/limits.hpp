// Every bound the XML stream parser enforces, in one place.
#pragma once

#include <cstddef>

namespace xmpp::xml {

/// Bounds on what a peer can make the parser hold. Exceeding any of them ends the stream with
/// `policy-violation` at the byte that crossed the bound, so memory stays proportional to these
/// numbers whatever the peer sends.
struct Limits {
  /// Raw bytes of one top-level element (stanza or nonza), from its '<' to its final '>'.
  std::size_t max_element_bytes = 256 * 1024;
  /// Memory of one element tree: decoded strings plus node bookkeeping. Caps the expansion of
  /// tiny elements such as `<a/>` into tree nodes.
  std::size_t max_tree_bytes = 1024 * 1024;
  /// Nesting depth inside a top-level element; the top-level element itself is depth 1.
  std::size_t max_depth = 64;
  /// Attributes on one element, namespace declarations included.
  std::size_t max_attributes = 256;
  /// Bytes in one qualified element or attribute name.
  std::size_t max_name_bytes = 1024;
  /// Bytes from the start of a stream (or a restart) to the end of the stream header's '>':
  /// XML declaration, whitespace and the `<stream:stream ...>` start tag.
  std::size_t max_header_bytes = 16 * 1024;
};

}  // namespace xmpp::xml
