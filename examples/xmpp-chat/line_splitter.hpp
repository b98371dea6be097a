// Cutting standard input into lines with a bound on memory, however long a line is.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace xmpp::chat {

/// Splits a byte stream fed in chunks of any size into lines ending at '\n'. A line longer than
/// the bound is not kept: its bytes are dropped as they come and it is reported as too_long, so
/// memory stays bounded by the limit plus the chunks fed. Lines come out in order, with the
/// too_long ones in their place.
///
///     splitter.feed(bytes_read);
///     while (auto line = splitter.next()) handle(*line);
///     ...at end of input:
///     if (auto line = splitter.finish()) handle(*line);
class LineSplitter {
 public:
  struct Line {
    /// The line without its '\n' (a '\r' before it is kept: JSON reads it as whitespace).
    /// Empty when too_long.
    std::string text;
    /// The line had more than max_line_bytes bytes (before its '\n') and was dropped.
    bool too_long = false;
  };

  explicit LineSplitter(std::size_t max_line_bytes) : max_(max_line_bytes) {}

  /// Takes the next bytes of the stream.
  void feed(std::string_view bytes);
  /// The next complete line, or nothing until more is fed.
  std::optional<Line> next();
  /// At end of input: the last line when it had no '\n' (nothing when the input ended with one).
  /// Call after next() has returned nothing; later feeds start a new stream.
  std::optional<Line> finish();

 private:
  std::size_t max_;
  std::string partial_;     // the unfinished line so far
  bool dropping_ = false;   // the unfinished line is too long; its bytes are being dropped
  std::deque<Line> ready_;  // complete lines not yet taken
};

}  // namespace xmpp::chat
