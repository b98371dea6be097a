// Strict JSON (RFC 8259) for xmpp-chat's line protocol: a reader for one line holding one
// object, and a writer for the one-line objects it prints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace xmpp::chat::json {

struct Member;
struct Value;

struct Null {
  friend bool operator==(Null, Null) noexcept { return true; }
};
/// A number, kept as its literal text (RFC 8259 §6 grammar checked). Nothing here needs its
/// value, and keeping the text means no number is ever too large or loses precision (§9 lets an
/// implementation set limits; this one sets none beyond the line's length).
struct Number {
  std::string text;
  friend bool operator==(const Number&, const Number&) = default;
};
using Array = std::vector<Value>;
/// Members in the order written. Keys are unique (the reader refuses duplicates).
using Object = std::vector<Member>;

struct Value {
  std::variant<Null, bool, Number, std::string, Array, Object> v;
};

struct Member {
  std::string key;
  Value value;
};

/// The member named `key`, or nullptr.
const Value* find(const Object& object, std::string_view key) noexcept;

/// Bounds on what one line may make the reader do.
struct Limits {
  /// Bytes in the line (without its '\n'). xmpp-chat uses 1 MiB.
  std::size_t max_bytes = std::size_t{1} << 20;
  /// Nesting of arrays and objects; the line's object itself is depth 1. Bounds the reader's
  /// recursion, so a line of 500,000 '[' cannot exhaust the stack.
  std::size_t max_depth = 32;
};

/// Why a line is not one JSON object.
struct Error {
  /// Offset of the offending byte from the start of the line.
  std::size_t offset = 0;
  /// What is wrong, e.g. "expected ':' after an object key".
  std::string message;
};

/// "<message> at byte <offset>".
std::string to_string(const Error& error);

/// Parses `line` as exactly one JSON object, optionally surrounded by JSON whitespace (space,
/// tab, CR, LF: RFC 8259 §2). Strict:
/// - the grammar of RFC 8259 and nothing more: no comments, no single quotes, no trailing
///   commas, no leading '+' or zeros, no NaN/Infinity, no byte order mark (§8.1 allows ignoring
///   one; a line protocol has no use for it);
/// - the input must be well-formed UTF-8 (§8.1); strings may not hold raw control characters
///   (U+0000..U+001F, §7);
/// - escapes: \" \\ \/ \b \f \n \r \t \uXXXX; a \u escape of a high surrogate must be followed by
///   one of a low surrogate, and a lone surrogate of either kind is an error (strings here are
///   UTF-8, which cannot hold one; §8.2 calls the result unpredictable);
/// - duplicate keys in any object are an error (§4 leaves the behaviour unpredictable; refusing
///   them means a script never sends a line whose meaning depends on the reader), compared
///   after unescaping ("a" and "\u0061" are the same key);
/// - Limits: length and nesting depth.
/// Returns the object, or the first error met.
std::variant<Object, Error> parse_object(std::string_view line, const Limits& limits = {});

/// Appends `text` as a JSON string literal, quotes included. `"` and `\` are escaped, control
/// characters U+0000..U+001F as \u00XX (lowercase hex); valid UTF-8 is copied as it is (DEL,
/// U+2028 and U+2029 included: RFC 8259 does not require escaping them). Each maximal invalid
/// UTF-8 subpart becomes \ufffd, so the output is valid JSON whatever the bytes, e.g. text from
/// the network that the XML parser did not check.
void append_string(std::string& out, std::string_view text);

/// Writes one flat object, members in the order added:
///
///     std::string line = ObjectWriter().string("event", "acked").string("id", id).str();
///
/// Keys are written through append_string like values; callers use fixed ASCII keys.
class ObjectWriter {
 public:
  ObjectWriter& string(std::string_view key, std::string_view value);
  ObjectWriter& boolean(std::string_view key, bool value);
  ObjectWriter& number(std::string_view key, std::uint64_t value);
  /// The object, `{...}`, without a newline. Leaves the writer empty.
  std::string str();

 private:
  void key(std::string_view key);
  std::string out_ = "{";
};

}  // namespace xmpp::chat::json
