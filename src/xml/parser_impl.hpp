// The state of xmpp::xml::StreamParser, shared by its stages: the lexer (bytes to tokens,
// lexer.cpp), the tree builder (tokens to element trees and namespaces, tree_builder.cpp), the XML
// declaration check (xml_declaration.cpp) and the driver that enforces byte budgets
// (stream_parser.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/stream_parser.hpp"

namespace xmpp::xml {

struct StreamParser::Impl {
  // Where in the stream we are, above the level of single tokens.
  enum class Level : std::uint8_t {
    prolog,  // before the stream header's '>' (XML declaration, whitespace, the header tag)
    stream,  // inside the stream element
    closed,  // after </stream:stream>
  };

  // The lexer's states. Each names the construct the next byte belongs to.
  enum class State : std::uint8_t {
    misc,             // between elements: only whitespace or '<'
    lt,               // after '<'
    decl_match,       // after "<?" at offset 0: matching "xml" and a space
    decl_body,        // inside the XML declaration
    decl_question,    // after a '?' inside the XML declaration
    bang,             // after "<!"
    cdata_open,       // after "<![": matching "CDATA["
    cdata,            // inside a CDATA section
    start_name,       // inside an element name
    tag_space,        // inside a start tag, between name/attributes
    empty_slash,      // after '/' in a start tag
    attr_name,        // inside an attribute name
    attr_after_name,  // between an attribute name and '='
    attr_after_eq,    // between '=' and the opening quote
    attr_value,       // inside a quoted attribute value
    end_name,         // inside an end tag's name (matched against the open element)
    end_space,        // between an end tag's name and '>'
    text,             // character data inside a top-level element
    entity,           // after '&', reading a predefined entity name
    charref_start,    // after "&#"
    charref,          // reading the digits of a character reference
    failed,           // an error was reported; sticky until reset()
  };

  // What made lex() return before the end of its input.
  enum class Event : std::uint8_t {
    none,
    element_started,  // a top-level element's '<' was consumed: its byte budget starts here
    stream_open,
    element,
    stream_close,
    error,
  };

  explicit Impl(const Limits& l) : limits(l) {}

  // --- driver (stream_parser.cpp) ---
  ParseResult parse(std::string_view input);
  void reset();

  // --- lexer (lexer.cpp) ---
  const unsigned char* lex(const unsigned char* p, const unsigned char* end);
  const unsigned char* scan_name(const unsigned char* p, const unsigned char* end, bool& done);
  const unsigned char* scan_text(const unsigned char* p, const unsigned char* end);
  const unsigned char* scan_cdata(const unsigned char* p, const unsigned char* end);
  const unsigned char* cdata_brackets(const unsigned char* p, const unsigned char* end);
  const unsigned char* scan_attr_value(const unsigned char* p, const unsigned char* end);
  std::size_t char_data_utf8(const unsigned char* p, const unsigned char* end,
                             const unsigned char* run, const unsigned char*& stopped);
  const unsigned char* line_end(const unsigned char* p, const unsigned char* end, char replacement);
  const unsigned char* continue_utf8(const unsigned char* p, const unsigned char* end);
  bool begin_utf8(const unsigned char* p, const unsigned char* end);
  bool check_char_in_context(char32_t cp, const unsigned char* first_byte);
  bool resolve_entity(const unsigned char* at);
  bool append_char_reference(const unsigned char* at);
  void begin_name();

  // --- tree builder (tree_builder.cpp) ---
  bool begin_element(const unsigned char* at);
  bool add_attribute(const unsigned char* at);
  bool finish_start_tag(bool empty, const unsigned char* at);
  bool close_text(const unsigned char* at);
  void end_element();
  bool account(std::size_t bytes, const unsigned char* at);
  std::optional<std::string_view> lookup_prefix(const detail::ElementNode* e,
                                                std::string_view prefix) const;
  bool resolve_namespaces(detail::ElementNode* e, const unsigned char* at);

  // --- XML declaration (xml_declaration.cpp) ---
  bool check_xml_declaration(std::string_view body, const unsigned char* at);

  // Records the error at the byte `at` of the current input and returns `at`.
  const unsigned char* fail(StreamErrorCondition c, const unsigned char* at,
                            std::string_view message);
  std::uint64_t offset_of(const unsigned char* p) const {
    return base_offset + static_cast<std::uint64_t>(p - base);
  }

  Limits limits;
  Arena header_arena{1024};
  Arena element_arena{2048};
  Arena* arena = &header_arena;  // where the current token's bytes go

  // Progress through the stream.
  Level level = Level::prolog;
  State state = State::misc;
  State return_state = State::text;  // where an entity reference returns to
  Event event = Event::none;
  bool in_element = false;     // between a top-level element's '<' and its end
  bool element_ready = false;  // element() is valid
  bool pending_close = false;  // the header was `<stream:stream/>`
  std::uint64_t offset = 0;    // bytes consumed since reset()
  std::uint64_t element_start = 0;
  const unsigned char* base = nullptr;  // start of the input given to lex()
  std::uint64_t base_offset = 0;        // offset of `base`
  ParseError error;

  // Trees.
  detail::ElementNode* header = nullptr;
  detail::ElementNode* root = nullptr;     // the top-level element being built or delivered
  detail::ElementNode* current = nullptr;  // innermost element whose start tag is complete
  detail::ElementNode* tag = nullptr;      // element whose start tag is being read
  std::size_t depth = 0;                   // open elements inside the stream element
  std::size_t tree_bytes = 0;              // logical size of the tree being built

  // The token being read.
  std::string_view attr_qname;
  std::uint32_t attr_prefix_size = 0;
  std::uint32_t attr_count = 0;
  bool name_part_empty = true;  // no character yet in the current NCName part of a name
  std::uint32_t name_prefix_size = 0;
  bool name_has_colon = false;
  bool had_space = false;     // whitespace since the last attribute (XML 1.0 §3.1 [40])
  bool after_cr = false;      // the last byte was CR: a following LF is dropped (XML 1.0 §2.11)
  std::uint8_t brackets = 0;  // run of ']' just seen (text: to refuse "]]>"; CDATA: its end)
  std::uint8_t match = 0;     // progress through a literal ("CDATA[", "xml ")
  char quote = 0;
  std::size_t end_match = 0;  // bytes of the end tag's name matched so far

  // Entity and character references.
  char entity_name[4] = {};
  std::uint8_t entity_size = 0;
  bool charref_hex = false;
  bool charref_digits = false;
  std::uint32_t charref_value = 0;

  // A UTF-8 character split across inputs.
  std::uint8_t utf8_need = 0;
  std::uint8_t utf8_lo = 0, utf8_hi = 0;
  char32_t utf8_cp = 0;
  std::uint64_t utf8_start = 0;  // offset of its lead byte
};

}  // namespace xmpp::xml
