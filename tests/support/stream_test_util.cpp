#include "stream_test_util.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <sstream>

namespace xmpp::test {

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7f || c == '\\') {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned>(b));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

void dump_into(xml::Element e, std::string& out) {
  out += '<';
  out += printable(e.qualified_name());
  out += " {";
  out += printable(e.ns());
  out += "} prefix=";
  out += printable(e.prefix());
  for (const xml::NamespaceDeclaration& d : e.namespace_declarations()) {
    out += " xmlns";
    if (!d.prefix.empty()) {
      out += ':';
      out += printable(d.prefix);
    }
    out += "=\"";
    out += printable(d.uri);
    out += '"';
  }
  for (const xml::Attribute& a : e.attributes()) {
    out += " @";
    out += printable(a.qualified_name());
    out += "{";
    out += printable(a.ns());
    out += "}=\"";
    out += printable(a.value());
    out += '"';
  }
  out += '>';
  for (const xml::Child& c : e.children()) {
    if (c.is_element()) {
      dump_into(c.element(), out);
    } else {
      out += "\"";
      out += printable(c.text());
      out += "\"";
    }
  }
  out += "</>";
}

}  // namespace

std::string dump(xml::Element e) {
  if (!e) return "(no element)";
  std::string out;
  dump_into(e, out);
  return out;
}

std::string write_to_string(xml::Element e, const xml::WriteScope& scope) {
  std::string out;
  const xml::WriteStatus status = xml::write(e, out, scope);
  if (status != xml::WriteStatus::ok) {
    return "<write failed: " + std::string(xml::to_string(status)) + ">";
  }
  return out;
}

std::string_view event_name(xml::ParseEvent event) {
  switch (event) {
    case xml::ParseEvent::need_more:
      return "need_more";
    case xml::ParseEvent::stream_open:
      return "stream_open";
    case xml::ParseEvent::element:
      return "element";
    case xml::ParseEvent::stream_close:
      return "stream_close";
    case xml::ParseEvent::error:
      return "error";
  }
  return "(bad event)";
}

std::size_t Log::count(xml::ParseEvent kind) const {
  std::size_t n = 0;
  for (const Event& e : events)
    n += e.kind == kind ? 1 : 0;
  return n;
}

std::string Log::describe() const {
  std::ostringstream s;
  for (const Event& e : events) {
    s << event_name(e.kind) << " @" << e.offset << ' ' << e.detail << '\n';
  }
  if (failed) {
    // How much of the input the failing call consumed is not specified (it may depend on the
    // chunking); the error's condition and offset are.
    s << "error " << to_string(condition) << " @" << error_offset << '\n';
  } else {
    s << "no error, consumed " << consumed_total << '\n';
  }
  for (const std::string& v : contract_violations)
    s << "CONTRACT VIOLATION: " << v << '\n';
  return s.str();
}

namespace {

class Driver {
 public:
  explicit Driver(const xml::Limits& limits) : parser_(limits) {}

  // Feeds one chunk completely (or until an error). Returns false once the run must stop.
  bool feed(std::string_view chunk) {
    int events_without_progress = 0;
    for (;;) {
      const std::size_t size = chunk.size();
      const xml::ParseResult r = parser_.parse(chunk);
      if (r.consumed > size) {
        violation("parse() reported consuming " + std::to_string(r.consumed) + " of " +
                  std::to_string(size) + " bytes");
        return false;
      }
      log_.consumed_total += r.consumed;
      chunk.remove_prefix(r.consumed);
      if (parser_.offset() != log_.consumed_total) {
        violation("offset() is " + std::to_string(parser_.offset()) + " after consuming " +
                  std::to_string(log_.consumed_total) + " bytes");
        return false;
      }
      switch (r.event) {
        case xml::ParseEvent::need_more:
          if (!chunk.empty()) {
            violation("need_more with " + std::to_string(chunk.size()) + " bytes not consumed");
            return false;
          }
          return true;
        case xml::ParseEvent::error:
          on_error(chunk);
          return false;
        case xml::ParseEvent::stream_open:
        case xml::ParseEvent::element:
        case xml::ParseEvent::stream_close:
          on_event(r.event);
          if (r.consumed == 0 && ++events_without_progress > 2) {
            violation("events without consuming anything, again and again");
            return false;
          }
          if (r.consumed != 0) events_without_progress = 0;
          if (chunk.empty()) return true;
          break;
      }
    }
  }

  // After the last chunk: collects events that need no more input (stream_close after a
  // self-closing header).
  void drain() {
    for (int i = 0; i < 4; ++i) {
      const xml::ParseResult r = parser_.parse({});
      if (r.consumed != 0) violation("parse(\"\") consumed bytes");
      if (r.event == xml::ParseEvent::need_more) return;
      if (r.event == xml::ParseEvent::error) {
        on_error({});
        return;
      }
      on_event(r.event);
    }
    violation("parse(\"\") keeps reporting events");
  }

  Log take() { return std::move(log_); }

 private:
  void violation(std::string what) { log_.contract_violations.push_back(std::move(what)); }

  void on_event(xml::ParseEvent event) {
    Log::Event e;
    e.kind = event;
    e.offset = parser_.offset();
    if (event == xml::ParseEvent::stream_open) {
      e.detail = dump(parser_.header());
      if (!parser_.stream_open()) violation("stream_open() false after stream_open");
    } else if (event == xml::ParseEvent::element) {
      xml::Element el = parser_.element();
      e.detail =
          dump(el) + " written as " +
          printable(write_to_string(el, xml::WriteScope::of_stream_header(parser_.header())));
      if (!parser_.stream_open()) violation("stream_open() false with an element");
    } else if (event == xml::ParseEvent::stream_close) {
      if (!parser_.stream_closed()) violation("stream_closed() false after stream_close");
      if (parser_.stream_open()) violation("stream_open() true after stream_close");
    }
    log_.events.push_back(std::move(e));
  }

  void on_error(std::string_view rest) {
    const xml::ParseError first = parser_.error();
    log_.failed = true;
    log_.condition = first.condition;
    log_.error_offset = first.offset;
    if (first.message.empty()) violation("error without a message");
    // Sticky: any later call reports the same error and consumes nothing.
    const std::uint64_t offset_before = parser_.offset();
    const std::string_view more = rest.empty() ? std::string_view("<a/>") : rest;
    for (int i = 0; i < 2; ++i) {
      const xml::ParseResult again = parser_.parse(i == 0 ? more : std::string_view{});
      if (again.event != xml::ParseEvent::error) violation("error not sticky");
      if (again.consumed != 0) violation("parse() after an error consumed bytes");
    }
    if (parser_.error().condition != first.condition || parser_.error().offset != first.offset) {
      violation("error() changed after a later parse()");
    }
    if (parser_.offset() != offset_before) violation("offset() moved after an error");
  }

  xml::StreamParser parser_;
  Log log_;
};

}  // namespace

Log run(std::string_view input, const Chunking& chunking, const xml::Limits& limits) {
  Driver driver(limits);
  std::size_t i = 0;
  bool go_on = true;
  while (go_on && !input.empty()) {
    std::size_t size = input.size();
    if (!chunking.empty()) {
      size = chunking[i < chunking.size() ? i : chunking.size() - 1];
      if (size == 0) size = 1;
      ++i;
    }
    if (size > input.size()) size = input.size();
    go_on = driver.feed(input.substr(0, size));
    input.remove_prefix(size);
  }
  if (go_on) driver.drain();
  return driver.take();
}

Log run_all_chunkings(std::string_view input, const xml::Limits& limits,
                      std::source_location where) {
  INFO("called from line " << where.line() << ", input: " << printable(input));
  const Log whole = run(input, {}, limits);
  CHECK_MESSAGE(whole.contract_violations.empty(), whole.describe());
  const std::string expected = whole.describe();
  static const Chunking kChunkings[] = {{1}, {2}, {3}, {7}, {64}, {5, 1, 1, 3, 11, 2}};
  for (const Chunking& c : kChunkings) {
    const std::string chunked = run(input, c, limits).describe();
    CHECK_MESSAGE(chunked == expected, "chunk sizes starting " << c.front() << ":\n"
                                                               << chunked << "whole input:\n"
                                                               << expected);
  }
  return whole;
}

void check_error(std::string_view input, StreamErrorCondition condition, std::uint64_t offset,
                 const xml::Limits& limits, std::source_location where) {
  INFO("called from line " << where.line() << ", input: " << printable(input));
  const Log log = run_all_chunkings(input, limits, where);
  INFO("log:\n" << log.describe());
  CHECK(log.failed);
  if (!log.failed) return;
  CHECK(to_string(log.condition) == to_string(condition));
  CHECK(log.error_offset == offset);
}

Log check_ok(std::string_view input, const xml::Limits& limits, std::source_location where) {
  INFO("called from line " << where.line() << ", input: " << printable(input));
  Log log = run_all_chunkings(input, limits, where);
  INFO("log:\n" << log.describe());
  CHECK_FALSE(log.failed);
  return log;
}

std::uint64_t at(std::string_view haystack, std::string_view needle, std::size_t plus,
                 std::size_t from) {
  const std::size_t pos = haystack.find(needle, from);
  INFO("looking for " << printable(needle) << " in " << printable(haystack));
  REQUIRE(pos != std::string_view::npos);
  return pos + plus;
}

std::uint64_t at_last(std::string_view haystack, std::string_view needle, std::size_t plus) {
  const std::size_t pos = haystack.rfind(needle);
  INFO("looking for " << printable(needle) << " in " << printable(haystack));
  REQUIRE(pos != std::string_view::npos);
  return pos + plus;
}

OpenStream::OpenStream(std::string_view header, const xml::Limits& limits) : parser(limits) {
  const xml::ParseResult r = parser.parse(header);
  INFO("header: " << printable(header));
  REQUIRE(event_name(r.event) == event_name(xml::ParseEvent::stream_open));
  REQUIRE(r.consumed == header.size());
}

xml::Element OpenStream::element(std::string_view bytes) {
  const xml::ParseResult r = parser.parse(bytes);
  INFO("element bytes: " << printable(bytes));
  if (r.event == xml::ParseEvent::error) {
    INFO("error " << to_string(parser.error().condition) << " at " << parser.error().offset << ": "
                  << parser.error().message);
    REQUIRE(event_name(r.event) == event_name(xml::ParseEvent::element));
  }
  REQUIRE(event_name(r.event) == event_name(xml::ParseEvent::element));
  REQUIRE(r.consumed == bytes.size());
  return parser.element();
}

std::string parse_stanza_dump(std::string_view stanza, std::string_view header) {
  OpenStream s(header);
  return dump(s.element(stanza));
}

std::string utf8(char32_t cp) {
  std::string out;
  const auto c = static_cast<std::uint32_t>(cp);
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
  return out;
}

}  // namespace xmpp::test
