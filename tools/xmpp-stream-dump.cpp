// xmpp-stream-dump: reads an XMPP stream from standard input and prints its events as JSON lines.
//
//     xmpp-stream-dump [--chunk N]
//
// One JSON object per line, flushed per line:
//   {"event":"stream-open","attrs":{"xmlns":"jabber:client",...,"xml:lang":"en"}}
//   {"event":"element","xml":"<message ...>...</message>"}
//   {"event":"stream-close"}
//   {"event":"error","condition":"not-well-formed","offset":42}
//
// The input is fed to the parser N bytes at a time (default 4096). After a SASL <success/> or a
// STARTTLS <proceed/> the parser is reset, since a decrypted capture continues with a new stream
// header (RFC 6120 §4.3.3).
//
// Exit status: 0 at the end of the input (also when it ends inside an element; a note goes to
// stderr), 1 after a parse error, 2 on a usage error.

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "xmpp/xml.hpp"

namespace {

constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kTlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
constexpr std::size_t kDefaultChunk = 4096;
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

constexpr std::string_view kUsage =
    "usage: xmpp-stream-dump [--chunk N]\n"
    "\n"
    "Reads an XMPP stream from standard input and prints one JSON object per event:\n"
    "stream-open (with the header's attributes), element (written back as XML),\n"
    "stream-close and error (condition and byte offset).\n"
    "\n"
    "  --chunk N   feed the parser N bytes at a time (1 <= N <= 2^30, default 4096;\n"
    "              the last chunk may be shorter)\n"
    "  --help      print this help\n"
    "\n"
    "Exit status: 0 at the end of input, 1 after a parse error, 2 on a usage error.\n";

// Length of the valid UTF-8 sequence at the start of `s`, or 0 if it is not valid.
std::size_t utf8_sequence_length(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  }
  return n;
}

// Appends `s` as a JSON string literal. Valid UTF-8 passes through; bytes that are not (which
// the parser never produces) become U+FFFD so the output stays valid JSON.
void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  while (!s.empty()) {
    const auto c = static_cast<unsigned char>(s[0]);
    std::size_t n = 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else if ((n = utf8_sequence_length(s)) != 0) {
          out.append(s.substr(0, n));
        } else {
          out += "\\ufffd";
          n = 1;
        }
    }
    s.remove_prefix(n);
  }
  out += '"';
}

class Dumper {
 public:
  // Feeds `input` to the parser, printing every event. Returns false after a parse error.
  bool feed(std::string_view input) {
    for (;;) {
      const auto [consumed, event] = parser_.parse(input);
      const std::string_view done = input.substr(0, consumed);
      input.remove_prefix(consumed);
      switch (event) {
        case xmpp::xml::ParseEvent::need_more:
          note_pending(done);
          return true;
        case xmpp::xml::ParseEvent::stream_open:
          pending_ = false;
          print_stream_open(parser_.header());
          break;
        case xmpp::xml::ParseEvent::element:
          pending_ = false;
          print_element(parser_.element());
          break;
        case xmpp::xml::ParseEvent::stream_close:
          pending_ = false;
          print_line(R"({"event":"stream-close"})");
          break;
        case xmpp::xml::ParseEvent::error:
          print_error(parser_.error());
          return false;
      }
      // Loop even when `input` is empty: a self-closing header reports its stream_close on the
      // next call, consuming nothing.
    }
  }

  // Called at the end of the input: notes an unfinished element or header on stderr.
  void finish() const {
    if (!pending_) return;
    if (parser_.stream_open()) {
      std::fputs("xmpp-stream-dump: end of input inside an element\n", stderr);
    } else if (!parser_.stream_closed()) {
      std::fputs("xmpp-stream-dump: end of input inside the stream header\n", stderr);
    }
  }

 private:
  // Remembers whether bytes consumed without an event started something (an element or the
  // header); whitespace between top-level elements does not.
  void note_pending(std::string_view consumed) {
    if (pending_) return;
    for (char c : consumed) {
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        pending_ = true;
        return;
      }
    }
  }

  void print_stream_open(xmpp::xml::Element header) {
    std::string line = R"({"event":"stream-open","attrs":{)";
    bool first = true;
    const auto key = [&](std::string_view a, std::string_view b) {
      if (!first) line += ',';
      first = false;
      std::string k(a);
      k += b;
      append_json_string(line, k);
      line += ':';
    };
    for (const auto decl : header.namespace_declarations()) {
      key(decl.prefix.empty() ? "xmlns" : "xmlns:", decl.prefix);
      append_json_string(line, decl.uri);
    }
    for (const auto attr : header.attributes()) {
      key(attr.qualified_name(), {});
      append_json_string(line, attr.value());
    }
    line += "}}";
    print_line(line);
  }

  void print_element(xmpp::xml::Element element) {
    std::string xml;
    const auto status =
        xmpp::xml::write(element, xml, xmpp::xml::WriteScope::of_stream_header(parser_.header()));
    if (status != xmpp::xml::WriteStatus::ok) {
      // The parser only delivers trees the writer can carry; say so loudly if not.
      std::fprintf(stderr, "xmpp-stream-dump: cannot write element <%.*s>: %.*s\n",
                   static_cast<int>(element.qualified_name().size()),
                   element.qualified_name().data(), static_cast<int>(to_string(status).size()),
                   to_string(status).data());
    }
    std::string line = R"({"event":"element","xml":)";
    append_json_string(line, xml);
    line += '}';
    print_line(line);
    if (element.is("success", kSaslNs) || element.is("proceed", kTlsNs)) parser_.reset();
  }

  void print_error(const xmpp::xml::ParseError& error) {
    std::string line = R"({"event":"error","condition":)";
    append_json_string(line, xmpp::to_string(error.condition));
    line += R"(,"offset":)";
    line += std::to_string(error.offset);
    line += '}';
    print_line(line);
    std::fprintf(stderr, "xmpp-stream-dump: %.*s at offset %llu\n",
                 static_cast<int>(error.message.size()), error.message.data(),
                 static_cast<unsigned long long>(error.offset));
  }

  static void print_line(std::string_view line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
  }

  xmpp::xml::StreamParser parser_;
  bool pending_ = false;  // bytes of an unfinished header or element were consumed
};

int usage_error(const char* message, const char* arg) {
  std::fprintf(stderr, "xmpp-stream-dump: %s%s\n", message, arg);
  std::fwrite(kUsage.data(), 1, kUsage.size(), stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t chunk = kDefaultChunk;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
      return 0;
    }
    std::string_view value;
    if (arg == "--chunk") {
      if (i + 1 == argc) return usage_error("--chunk needs a value", "");
      value = argv[++i];
    } else if (arg.starts_with("--chunk=")) {
      value = arg.substr(8);
    } else {
      return usage_error("unknown option: ", argv[i]);
    }
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), chunk);
    if (ec != std::errc{} || end != value.data() + value.size() || chunk < 1 || chunk > kMaxChunk) {
      return usage_error("--chunk needs a whole number from 1 to 2^30, not: ",
                         std::string(value).c_str());
    }
  }

  Dumper dumper;
  std::vector<char> buffer(chunk);
  for (;;) {
    // Fill the buffer completely (short reads from pipes would otherwise change the chunking).
    std::size_t filled = 0;
    bool eof = false;
    while (filled < buffer.size()) {
      const ssize_t n = ::read(STDIN_FILENO, buffer.data() + filled, buffer.size() - filled);
      if (n > 0) {
        filled += static_cast<std::size_t>(n);
      } else if (n == 0) {
        eof = true;
        break;
      } else if (errno != EINTR) {
        std::fprintf(stderr, "xmpp-stream-dump: reading standard input: %s\n",
                     std::strerror(errno));
        return 1;
      }
    }
    if (!dumper.feed(std::string_view(buffer.data(), filled))) return 1;
    if (eof) break;
  }
  dumper.finish();
  return 0;
}
