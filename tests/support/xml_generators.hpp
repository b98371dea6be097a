// rapidcheck generators for XMPP streams, stanzas, element trees, mutations and chunkings.
// Every function here draws values with rapidcheck's operator*, so it may only be called while a
// property runs (inside the lambda given to rc::check / check_property).
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "stream_test_util.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::test::gen {

struct Options {
  /// Only constructs that tinyxml2 reads the way XML 1.0 does: no literal TAB/LF/CR in
  /// attribute values, no text run starting with whitespace (tinyxml2 drops whitespace-only
  /// runs before markup), no LF CR pair (one line end for tinyxml2), no whitespace in end tags,
  /// no leading zeros in character references.
  bool oracle_safe = false;
};

/// Prefix bindings in scope: later entries shadow earlier ones.
using Bindings = std::vector<std::pair<std::string, std::string>>;

/// A random XML NCName (ASCII and non-ASCII name characters).
std::string ncname();

/// A well-formed, namespace-well-formed top-level element, given the prefixes that the stream
/// header binds (the `xml` prefix is always bound).
std::string stanza(const Bindings& header_bindings, const Options& options = {});

/// A stream header (with the prefixes it binds).
struct Header {
  std::string bytes;
  Bindings bindings;
};
Header header();

struct Stream {
  std::string bytes;
  std::size_t stanzas = 0;  // number of top-level elements
  bool closed = false;      // ends with the stream's close (or is a self-closing header)
  std::string header;       // the header's bytes alone (without declaration or whitespace)
};
/// Optional XML declaration, a header, stanzas separated by keepalive whitespace, optional close.
Stream stream(const Options& options = {});

struct Mutated {
  std::string bytes;
  std::size_t first_change = 0;  // bytes before this offset are the original's
};
/// One to four random byte replacements, insertions (of single bytes or of interesting
/// snippets such as "<!--", "]]>", invalid UTF-8) and deletions.
Mutated mutate(const std::string& original);

/// Random chunk sizes (the last one repeats), for run().
Chunking chunking();

/// A random tree built with Builder in `arena`: random names, namespaces, prefix hints,
/// attributes (xml:lang included) and Unicode text (astral characters, CR, LF, TAB, and
/// characters that need escaping). Text runs are never empty.
xml::Element tree(xml::Arena& arena);

}  // namespace xmpp::test::gen
