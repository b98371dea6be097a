#include "json.hpp"

#include <charconv>
#include <unordered_set>
#include <utility>

#include "utf8.hpp"

namespace xmpp::chat::json {
namespace {

constexpr std::size_t kMaxKeyInMessage = 64;

bool is_whitespace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';  // RFC 8259 §2 "ws"
}
bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}
int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A recursive-descent reader. Every function returns false after recording the first error;
// recursion is bounded by Limits::max_depth.
class Reader {
 public:
  Reader(std::string_view in, const Limits& limits) : in_(in), limits_(limits) {}

  std::variant<Object, Error> run() {
    if (in_.size() > limits_.max_bytes) {
      return Error{limits_.max_bytes,
                   "line longer than " + std::to_string(limits_.max_bytes) + " bytes"};
    }
    skip_whitespace();
    Object object;
    if (at_end()) return Error{pos_, "empty line (expected a JSON object)"};
    if (in_[pos_] != '{') {
      return Error{pos_, "expected '{' (a line holds one JSON object)"};
    }
    if (!read_object(object, 1)) return std::move(error_);
    skip_whitespace();
    if (!at_end()) return Error{pos_, "unexpected data after the object"};
    return object;
  }

 private:
  bool at_end() const noexcept { return pos_ >= in_.size(); }
  void skip_whitespace() noexcept {
    while (!at_end() && is_whitespace(in_[pos_]))
      ++pos_;
  }
  bool fail(std::size_t offset, std::string message) {
    error_ = Error{offset, std::move(message)};
    return false;
  }
  bool fail_here(std::string message) {
    if (at_end()) return fail(pos_, "unexpected end of line");
    return fail(pos_, std::move(message));
  }

  // At '{'.
  bool read_object(Object& out, std::size_t depth) {
    if (depth > limits_.max_depth) {
      return fail(pos_, "nesting deeper than " + std::to_string(limits_.max_depth));
    }
    ++pos_;
    skip_whitespace();
    if (!at_end() && in_[pos_] == '}') {
      ++pos_;
      return true;
    }
    std::unordered_set<std::string> keys;
    for (;;) {
      if (at_end() || in_[pos_] != '"') return fail_here("expected a string key");
      const std::size_t key_offset = pos_;
      std::string key;
      if (!read_string(key)) return false;
      if (!keys.insert(key).second) {
        std::string message = "duplicate key";
        if (key.size() <= kMaxKeyInMessage) {
          message += ' ';
          append_string(message, key);
        }
        return fail(key_offset, std::move(message));
      }
      skip_whitespace();
      if (at_end() || in_[pos_] != ':') return fail_here("expected ':' after an object key");
      ++pos_;
      skip_whitespace();
      Value value;
      if (!read_value(value, depth)) return false;
      out.push_back(Member{std::move(key), std::move(value)});
      skip_whitespace();
      if (at_end()) return fail_here("");
      if (in_[pos_] == '}') {
        ++pos_;
        return true;
      }
      if (in_[pos_] != ',') return fail_here("expected ',' or '}' after an object member");
      ++pos_;
      skip_whitespace();
    }
  }

  // At '['.
  bool read_array(Array& out, std::size_t depth) {
    if (depth > limits_.max_depth) {
      return fail(pos_, "nesting deeper than " + std::to_string(limits_.max_depth));
    }
    ++pos_;
    skip_whitespace();
    if (!at_end() && in_[pos_] == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      Value value;
      if (!read_value(value, depth)) return false;
      out.push_back(std::move(value));
      skip_whitespace();
      if (at_end()) return fail_here("");
      if (in_[pos_] == ']') {
        ++pos_;
        return true;
      }
      if (in_[pos_] != ',') return fail_here("expected ',' or ']' after an array element");
      ++pos_;
      skip_whitespace();
    }
  }

  // A value inside a container at `depth`; whitespace before it is already skipped.
  bool read_value(Value& out, std::size_t depth) {
    if (at_end()) return fail_here("");
    switch (in_[pos_]) {
      case '{':
        out.v = Object{};
        return read_object(std::get<Object>(out.v), depth + 1);
      case '[':
        out.v = Array{};
        return read_array(std::get<Array>(out.v), depth + 1);
      case '"':
        out.v = std::string{};
        return read_string(std::get<std::string>(out.v));
      case 't':
        out.v = true;
        return read_literal("true");
      case 'f':
        out.v = false;
        return read_literal("false");
      case 'n':
        out.v = Null{};
        return read_literal("null");
      default:
        if (in_[pos_] == '-' || is_digit(in_[pos_])) {
          out.v = Number{};
          return read_number(std::get<Number>(out.v));
        }
        return fail(pos_, "expected a value (string, number, object, array, true, false, null)");
    }
  }

  bool read_literal(std::string_view literal) {
    for (std::size_t i = 0; i < literal.size(); ++i, ++pos_) {
      if (at_end() || in_[pos_] != literal[i]) return fail_here("invalid literal");
    }
    return true;
  }

  // RFC 8259 §6: number = [ minus ] int [ frac ] [ exp ]; int = zero / ( digit1-9 *DIGIT ).
  bool read_number(Number& out) {
    const std::size_t start = pos_;
    if (in_[pos_] == '-') ++pos_;
    if (at_end() || !is_digit(in_[pos_])) return fail_here("invalid number: digit expected");
    if (in_[pos_] == '0') {
      ++pos_;
      if (!at_end() && is_digit(in_[pos_])) {
        return fail(pos_, "invalid number: leading zero");
      }
    } else {
      while (!at_end() && is_digit(in_[pos_]))
        ++pos_;
    }
    if (!at_end() && in_[pos_] == '.') {
      ++pos_;
      if (at_end() || !is_digit(in_[pos_])) {
        return fail_here("invalid number: digit expected after '.'");
      }
      while (!at_end() && is_digit(in_[pos_]))
        ++pos_;
    }
    if (!at_end() && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
      ++pos_;
      if (!at_end() && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
      if (at_end() || !is_digit(in_[pos_])) {
        return fail_here("invalid number: digit expected in the exponent");
      }
      while (!at_end() && is_digit(in_[pos_]))
        ++pos_;
    }
    out.text.assign(in_.substr(start, pos_ - start));
    return true;
  }

  // Four hex digits after "\u", at pos_.
  bool read_hex4(char32_t& out) {
    out = 0;
    for (int i = 0; i < 4; ++i, ++pos_) {
      const int h = at_end() ? -1 : hex_value(in_[pos_]);
      if (h < 0) return fail_here("invalid \\u escape: four hex digits expected");
      out = (out << 4) | static_cast<char32_t>(h);
    }
    return true;
  }

  // At '"'. Appends the unescaped UTF-8 text to `out`.
  bool read_string(std::string& out) {
    ++pos_;
    for (;;) {
      // Copy the run of plain ASCII at once.
      std::size_t run = pos_;
      while (run < in_.size()) {
        const auto c = static_cast<unsigned char>(in_[run]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++run;
      }
      out.append(in_.substr(pos_, run - pos_));
      pos_ = run;
      if (at_end()) return fail_here("");
      const auto c = static_cast<unsigned char>(in_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) {
        return fail(pos_, "control character in a string (RFC 8259 §7: escape it as \\u00XX)");
      }
      if (c >= 0x80) {
        const utf8::Step step = utf8::decode(in_.substr(pos_));
        if (!step.valid) return fail(pos_, "invalid UTF-8 (RFC 8259 §8.1)");
        out.append(in_.substr(pos_, step.length));
        pos_ += step.length;
        continue;
      }
      if (!read_escape(out)) return false;
    }
  }

  // At '\'.
  bool read_escape(std::string& out) {
    const std::size_t start = pos_;
    ++pos_;
    if (at_end()) return fail_here("");
    const char c = in_[pos_++];
    switch (c) {
      case '"':
      case '\\':
      case '/':
        out += c;
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      case 'u':
        break;
      default:
        return fail(start, "invalid escape sequence (RFC 8259 §7)");
    }
    char32_t cp = 0;
    if (!read_hex4(cp)) return false;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      return fail(start, "lone low surrogate in a \\u escape");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // §7: a character outside the BMP is a UTF-16 surrogate pair of two \u escapes.
      if (pos_ + 1 >= in_.size() || in_[pos_] != '\\' || in_[pos_ + 1] != 'u') {
        return fail(start, "lone high surrogate in a \\u escape (a low one must follow)");
      }
      pos_ += 2;
      char32_t low = 0;
      if (!read_hex4(low)) return false;
      if (low < 0xDC00 || low > 0xDFFF) {
        return fail(start, "lone high surrogate in a \\u escape (a low one must follow)");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    utf8::append(out, cp);
    return true;
  }

  std::string_view in_;
  const Limits& limits_;
  std::size_t pos_ = 0;
  Error error_;
};

}  // namespace

const Value* find(const Object& object, std::string_view key) noexcept {
  for (const Member& m : object) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

std::string to_string(const Error& error) {
  return error.message + " at byte " + std::to_string(error.offset);
}

std::variant<Object, Error> parse_object(std::string_view line, const Limits& limits) {
  return Reader(line, limits).run();
}

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  while (!text.empty()) {
    const auto c = static_cast<unsigned char>(text[0]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      text.remove_prefix(1);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      text.remove_prefix(1);
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      text.remove_prefix(1);
    } else {
      const utf8::Step step = utf8::decode(text);
      if (step.valid) {
        out.append(text.substr(0, step.length));
      } else {
        out += "\\ufffd";
      }
      text.remove_prefix(step.length);
    }
  }
  out += '"';
}

void ObjectWriter::key(std::string_view key) {
  if (out_.size() > 1) out_ += ',';
  append_string(out_, key);
  out_ += ':';
}

ObjectWriter& ObjectWriter::string(std::string_view key, std::string_view value) {
  this->key(key);
  append_string(out_, value);
  return *this;
}

ObjectWriter& ObjectWriter::boolean(std::string_view key, bool value) {
  this->key(key);
  out_ += value ? "true" : "false";
  return *this;
}

ObjectWriter& ObjectWriter::number(std::string_view key, std::uint64_t value) {
  this->key(key);
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out_.append(buffer, result.ptr);
  return *this;
}

std::string ObjectWriter::str() {
  std::string out = std::move(out_);
  out += '}';
  out_ = "{";
  return out;
}

}  // namespace xmpp::chat::json
