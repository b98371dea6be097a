// Fuzzes xmpp::xml::StreamParser with arbitrary streams, chunkings and limits.
//
// Input: 4 configuration bytes, then the stream.
//   byte 0: the largest chunk (one of kMaxChunks) the stream is cut into
//   byte 1: seed of the chunk sizes
//   byte 2: limits: default unless byte 2 % 4 == 0, then small ones chosen by byte 3
//   byte 3: seed of the small limits
//
// Invariants checked (a broken one traps, so libFuzzer keeps the input):
// - the events, written-back elements, offsets and errors (condition and offset; the message
//   too with XMPP_FUZZ_COMPARE_MESSAGES=1) are the same whether the stream is fed in random
//   chunks or in one piece;
// - parse() honours its contract: it consumes at most what it is given and all of it on
//   need_more, offset() counts what it consumed, an error is sticky, reported at a byte it was
//   given and with one of the conditions of §4.9.3 the rules allow;
// - every element the parser delivers can be written, and the written XML parses again (in a
//   stream with the same namespace context) to an equivalent() tree.
// After <success/> (SASL) or <proceed/> (STARTTLS) the parser is reset, as a client would, so
// restarts are fuzzed too. The chunked run also releases memory and moves the parser at random.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "fuzz_common.hpp"
#include "xmpp/xml.hpp"

namespace {

using xmpp::StreamErrorCondition;
using xmpp::xml::Element;
using xmpp::xml::Limits;
using xmpp::xml::ParseEvent;
using xmpp::xml::StreamParser;

constexpr std::size_t kConfigBytes = 4;
constexpr std::size_t kMaxChunks[] = {1, 2, 3, 7, 16, 64, 1024, std::size_t{1} << 30};

struct Config {
  std::size_t max_chunk = std::size_t{1} << 30;
  std::uint32_t chunk_seed = 1;
  Limits limits;
};

Config read_config(std::string_view& data) {
  unsigned char b[kConfigBytes] = {};
  for (std::size_t i = 0; i < kConfigBytes && i < data.size(); ++i) {
    b[i] = static_cast<unsigned char>(data[i]);
  }
  data.remove_prefix(data.size() < kConfigBytes ? data.size() : kConfigBytes);

  Config c;
  c.max_chunk = kMaxChunks[b[0] % std::size(kMaxChunks)];
  c.chunk_seed = 0x10001u * b[1] + b[0] + 1;
  if (b[2] % 4 == 0) {
    // Small limits, each one with probability 1/2, so every limit is hit on its own as well.
    fuzz::Prng rng(0x01000193u * (b[3] + 1u));
    Limits& l = c.limits;
    if (rng.next() & 1) l.max_element_bytes = rng.between(1, 300);
    if (rng.next() & 1) l.max_tree_bytes = rng.between(1, 3000);
    if (rng.next() & 1) l.max_depth = rng.between(1, 6);
    if (rng.next() & 1) l.max_attributes = rng.between(0, 6);
    if (rng.next() & 1) l.max_name_bytes = rng.between(1, 20);
    if (rng.next() & 1) l.max_header_bytes = rng.between(1, 300);
  }
  return c;
}

// The error messages are compared too when XMPP_FUZZ_COMPARE_MESSAGES=1 is set (off by default:
// a message is prose, the condition and offset are the contract).
bool compare_messages() {
  static const bool compare = [] {
    const char* v = std::getenv("XMPP_FUZZ_COMPARE_MESSAGES");
    return v != nullptr && v[0] == '1';
  }();
  return compare;
}

bool is_restart_trigger(Element e) {
  return e.is("success", "urn:ietf:params:xml:ns:xmpp-sasl") ||
         e.is("proceed", "urn:ietf:params:xml:ns:xmpp-tls");
}

bool is_parse_condition(StreamErrorCondition c) {
  switch (c) {
    case StreamErrorCondition::not_well_formed:
    case StreamErrorCondition::restricted_xml:
    case StreamErrorCondition::unsupported_encoding:
    case StreamErrorCondition::invalid_namespace:
    case StreamErrorCondition::bad_namespace_prefix:
    case StreamErrorCondition::policy_violation:
      return true;
    default:
      return false;
  }
}

// Runs the parser over `stream` and returns a log of everything it reported.
class Run {
 public:
  Run(const Config& config, bool chunked)
      : parser_(config.limits), rng_(config.chunk_seed), config_(config), chunked_(chunked) {}

  std::string operator()(std::string_view stream) {
    while (!stream.empty() && !failed_) {
      std::size_t n = stream.size();
      if (chunked_) n = std::min(n, rng_.between(1, config_.max_chunk));
      feed(stream.substr(0, n));
      stream.remove_prefix(n);
    }
    return std::move(log_);
  }

 private:
  void feed(std::string_view input) {
    for (;;) {
      const auto r = parser_.parse(input);
      fuzz::check(r.consumed <= input.size(), "parse() consumed more than it was given");
      const std::uint64_t available = consumed_ + input.size();
      consumed_ += r.consumed;
      input.remove_prefix(r.consumed);
      fuzz::check(parser_.offset() == consumed_, "offset() is not the bytes consumed");
      if (close_next_) {
        fuzz::check(r.event == ParseEvent::stream_close && r.consumed == 0,
                    "no stream_close after a self-closing header");
        close_next_ = false;
      }
      switch (r.event) {
        case ParseEvent::need_more:
          fuzz::check(input.empty(), "need_more without consuming everything");
          return;
        case ParseEvent::stream_open:
          fuzz::check(!parser_.stream_closed(), "stream_closed() at the stream_open event");
          // stream_open() is false only for a self-closing header, whose stream_close follows.
          close_next_ = !parser_.stream_open();
          on_stream_open();
          break;
        case ParseEvent::element:
          fuzz::check(parser_.stream_open(), "an element outside the stream");
          on_element();
          break;
        case ParseEvent::stream_close:
          fuzz::check(parser_.stream_closed() && !parser_.stream_open(),
                      "stream_closed() is false after the stream_close event");
          log_ += "C@" + std::to_string(consumed_) + '\n';
          break;
        case ParseEvent::error:
          on_error(available);
          return;
      }
      if (chunked_) shake();
      // Keep calling when `input` is empty too: a self-closing header reports stream_close on
      // the next call, consuming nothing.
    }
  }

  void on_stream_open() {
    const Element header = parser_.header();
    fuzz::check(header.is("stream", "http://etherx.jabber.org/streams"),
                "the header is not {http://etherx.jabber.org/streams}stream");
    log_ += "O@" + std::to_string(consumed_) + ' ';
    log_ += header.qualified_name();
    for (const auto d : header.namespace_declarations()) {
      log_ += " ns[";
      log_ += d.prefix;
      log_ += "]=";
      log_ += d.uri;
    }
    for (const auto a : header.attributes()) {
      log_ += " {";
      log_ += a.ns();
      log_ += '}';
      log_ += a.qualified_name();
      log_ += '=';
      log_ += a.value();
    }
    log_ += '\n';
  }

  void on_element() {
    const Element e = parser_.element();
    std::string xml;
    const auto status =
        xmpp::xml::write(e, xml, xmpp::xml::WriteScope::of_stream_header(parser_.header()));
    if (status != xmpp::xml::WriteStatus::ok) {
      fuzz::fail("the writer refuses an element from the parser",
                 std::string(to_string(status)) + " for <" + std::string(e.qualified_name()));
    }
    log_ += "E@" + std::to_string(consumed_) + ' ' + xml + '\n';

    if (!chunked_) {
      // The written element must parse again, in the same namespace context, to the same tree.
      StreamParser again(fuzz::generous_limits());
      const std::string tag = fuzz::start_tag_of(parser_.header());
      const Element copy = fuzz::parse_one(again, tag, xml);
      fuzz::check(xmpp::xml::equivalent(copy, e), "written XML parses to a different tree",
                  fuzz::describe(tag, xml));
    }

    if (is_restart_trigger(e)) {
      parser_.reset();
      consumed_ = 0;
      fuzz::check(parser_.offset() == 0 && !parser_.stream_open() && !parser_.stream_closed(),
                  "reset() does not start a new stream");
      log_ += "R\n";
    }
  }

  void on_error(std::uint64_t available) {
    const auto& error = parser_.error();
    fuzz::check(is_parse_condition(error.condition), "a parse error with an unexpected condition");
    fuzz::check(error.offset < available, "an error reported beyond the bytes given");
    fuzz::check(!error.message.empty(), "an error without a message");
    log_ += "X@" + std::to_string(error.offset) + ' ';
    log_ += xmpp::to_string(error.condition);
    if (compare_messages()) {
      log_ += ' ';
      log_ += error.message;
    }
    log_ += '\n';
    // Errors are sticky.
    const auto r = parser_.parse("<a/>");
    fuzz::check(r.event == ParseEvent::error && r.consumed == 0, "an error is not sticky");
    failed_ = true;
  }

  // Things that must not change any event: freeing the element arena, moving the parser.
  void shake() {
    const std::uint32_t dice = rng_.next() % 16;
    if (dice == 0) parser_.release_memory();
    if (dice == 1) {
      StreamParser moved(std::move(parser_));
      parser_ = std::move(moved);
    }
    (void)parser_.heap_bytes();
  }

  StreamParser parser_;
  fuzz::Prng rng_;
  const Config& config_;
  const bool chunked_;
  std::uint64_t consumed_ = 0;  // since construction or the last reset()
  bool failed_ = false;
  bool close_next_ = false;  // the header was self-closing
  std::string log_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  const Config config = read_config(input);
  const std::string chunked = Run(config, true)(input);
  const std::string whole = Run(config, false)(input);
  if (chunked != whole) {
    fuzz::fail("the events depend on the chunking", "--- in chunks of at most " +
                                                        std::to_string(config.max_chunk) + ":\n" +
                                                        chunked + "--- in one piece:\n" + whole);
  }
  return 0;
}
