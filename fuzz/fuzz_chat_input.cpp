// Fuzzes xmpp-chat's standard-input contract (examples/xmpp-chat/): the bytes a script writes to
// it, cut into lines and read as commands, and the event lines it prints for what it receives.
//
// Input: the bytes of standard input as they are (no configuration bytes), so that every seed is
// a readable file of input lines.
//
// Invariants (a broken one traps):
// - LineSplitter (bounded by kMaxLine): the lines are the input cut at '\n' (a last line without
//   one included), too_long exactly for those longer than the bound; feeding the input in chunks
//   of any size, or again after finish(), gives the same lines.
// - parse_input_line(), in client mode and in component mode (domain kComponentDomain), on each
//   line: Nothing exactly for blank lines; bad-json exactly when json::parse_object refuses the
//   line; every error a known condition with a text, that output::error() turns into valid JSON.
//   A SendMessage has a from in component mode (the domain's, or one in it) and none in client
//   mode; a line that is a message in client mode is one in component mode too.
// - Every SendMessage: build_message() gives a tree xml::write serialises (input validation
//   promises that XML can carry the body and id); the XML, as the peer's parser reads it, is a
//   stanza parse_raw_stanza() accepts, equivalent to the tree; and inbound_event() of it (an
//   xmpp-chat receiving it) is a message event with the same from, id, type and body.
// - Every SendRaw: its stanza serialises inside the stream, parses back equivalent, and is what
//   parse_raw_stanza() gives for its xml.
// - Every stanza parse_raw_stanza() accepts (the whole input and each line read as XML, both
//   modes): inbound_event() gives one valid JSON object; a message event carries the stanza's
//   from, id, type and body, a stanza event XML that parses back equivalent; never an error.
// - json::parse_object (the whole input and each line): an error has a message and an offset
//   within the input; a parsed object holds only valid UTF-8 strings; every string, written
//   with append_string, parses back to itself as a value and as a key; the object written back
//   (ObjectWriter when all its values are strings) parses to the same object.
// - append_string of arbitrary bytes is always a valid JSON string, equal to them when they are
//   valid UTF-8; utf8::decode steps cover the input and re-encode to the same bytes.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "conditions.hpp"
#include "fuzz_common.hpp"
#include "inbound.hpp"
#include "input.hpp"
#include "json.hpp"
#include "line_splitter.hpp"
#include "outbound.hpp"
#include "output.hpp"
#include "raw_stanza.hpp"
#include "utf8.hpp"
#include "xmpp/xml.hpp"

namespace {

using fuzz::check;
using fuzz::fail;
using xmpp::Jid;
using xmpp::chat::InputCommand;
using xmpp::chat::InputError;
using xmpp::chat::LineSplitter;
using xmpp::chat::Mode;
using xmpp::chat::OwnedElement;
using xmpp::chat::RawStanzaError;
using xmpp::chat::SendMessage;
using xmpp::chat::SendRaw;
namespace chat = xmpp::chat;
namespace json = xmpp::chat::json;
namespace xml = xmpp::xml;

// Small enough for too_long lines within libFuzzer's default input length.
constexpr std::size_t kMaxLine = 2048;
constexpr std::string_view kComponentDomain = "component.localhost";

std::string_view domain_of(Mode mode) {
  return mode == Mode::component ? kComponentDomain : std::string_view{};
}

// Written-back lines can be longer than the input (escapes); nesting is unchanged.
json::Limits roomy_json() {
  json::Limits limits;
  limits.max_bytes = SIZE_MAX;
  return limits;
}

// -- Lines --------------------------------------------------------------------------------------

using Lines = std::vector<LineSplitter::Line>;

bool same_lines(const Lines& a, const Lines& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.text == y.text && x.too_long == y.too_long;
  });
}

// Feeds `in` in chunks of at most `max_chunk` bytes (0: in one piece), then finishes.
Lines split(LineSplitter& splitter, std::string_view in, fuzz::Prng& prng, std::size_t max_chunk) {
  Lines lines;
  const auto take = [&] {
    while (auto line = splitter.next())
      lines.push_back(std::move(*line));
  };
  while (!in.empty()) {
    const std::size_t n =
        max_chunk == 0 ? in.size() : prng.between(1, std::min(in.size(), max_chunk));
    splitter.feed(in.substr(0, n));
    in.remove_prefix(n);
    take();
  }
  check(!splitter.next(), "LineSplitter: a line left after next() said none");
  if (auto last = splitter.finish()) lines.push_back(std::move(*last));
  check(!splitter.next() && !splitter.finish(), "LineSplitter: a line after finish()");
  return lines;
}

// The oracle: the input cut at '\n'.
Lines expected_lines(std::string_view in) {
  Lines lines;
  while (!in.empty()) {
    const std::size_t newline = in.find('\n');
    const std::string_view text = in.substr(0, newline);
    if (text.size() > kMaxLine) {
      lines.push_back({{}, true});
    } else {
      lines.push_back({std::string(text), false});
    }
    if (newline == std::string_view::npos) break;
    in.remove_prefix(newline + 1);
  }
  return lines;
}

Lines lines_of(std::string_view in) {
  fuzz::Prng prng(static_cast<std::uint32_t>(in.size() * 2654435761u) ^
                  (in.empty() ? 0u : static_cast<unsigned char>(in[0])));
  LineSplitter splitter(kMaxLine);
  const Lines whole = split(splitter, in, prng, 0);
  check(same_lines(whole, expected_lines(in)), "LineSplitter: lines differ from the input's");
  // The same splitter after finish() starts a new stream.
  const Lines chunked = split(splitter, in, prng, 1 + prng.next() % 97);
  check(same_lines(whole, chunked), "LineSplitter: chunking changed the lines");
  return whole;
}

// -- JSON ---------------------------------------------------------------------------------------

bool same_value(const json::Value& a, const json::Value& b);

bool same_object(const json::Object& a, const json::Object& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.key == y.key && same_value(x.value, y.value);
  });
}

bool same_value(const json::Value& a, const json::Value& b) {
  if (a.v.index() != b.v.index()) return false;
  if (const auto* x = std::get_if<json::Array>(&a.v)) {
    const auto& y = std::get<json::Array>(b.v);
    return std::equal(x->begin(), x->end(), y.begin(), y.end(), same_value);
  }
  if (const auto* x = std::get_if<json::Object>(&a.v)) {
    return same_object(*x, std::get<json::Object>(b.v));
  }
  if (const auto* x = std::get_if<bool>(&a.v)) return *x == std::get<bool>(b.v);
  if (const auto* x = std::get_if<json::Number>(&a.v)) return *x == std::get<json::Number>(b.v);
  if (const auto* x = std::get_if<std::string>(&a.v)) return *x == std::get<std::string>(b.v);
  return true;  // null
}

void write_object(std::string& out, const json::Object& object);

void write_value(std::string& out, const json::Value& value) {
  if (const auto* a = std::get_if<json::Array>(&value.v)) {
    out += '[';
    for (std::size_t i = 0; i < a->size(); ++i) {
      if (i) out += ',';
      write_value(out, (*a)[i]);
    }
    out += ']';
  } else if (const auto* o = std::get_if<json::Object>(&value.v)) {
    write_object(out, *o);
  } else if (const auto* b = std::get_if<bool>(&value.v)) {
    out += *b ? "true" : "false";
  } else if (const auto* n = std::get_if<json::Number>(&value.v)) {
    out += n->text;
  } else if (const auto* s = std::get_if<std::string>(&value.v)) {
    json::append_string(out, *s);
  } else {
    out += "null";
  }
}

void write_object(std::string& out, const json::Object& object) {
  out += '{';
  for (std::size_t i = 0; i < object.size(); ++i) {
    if (i) out += ',';
    json::append_string(out, object[i].key);
    out += ':';
    write_value(out, object[i].value);
  }
  out += '}';
}

const json::Object& expect_object(const std::variant<json::Object, json::Error>& parsed,
                                  const char* what, std::string_view line) {
  if (const auto* e = std::get_if<json::Error>(&parsed)) {
    std::string detail(line);
    detail += "\nerror: ";
    detail += json::to_string(*e);
    fail(what, detail);
  }
  return std::get<json::Object>(parsed);
}

// A string from the reader: valid UTF-8, and append_string writes it back to itself.
void check_string(const std::string& s) {
  check(chat::utf8::is_valid(s), "json: a parsed string is not valid UTF-8", s);
  std::string line = "{\"v\":";
  json::append_string(line, s);
  line += '}';
  auto parsed = json::parse_object(line, roomy_json());
  const json::Object& as_value = expect_object(parsed, "json: append_string is not JSON", line);
  const auto* back = as_value.size() == 1 && as_value[0].key == "v"
                         ? std::get_if<std::string>(&as_value[0].value.v)
                         : nullptr;
  check(back && *back == s, "json: append_string does not round-trip (value)", line);

  line = "{";
  json::append_string(line, s);
  line += ":null}";
  parsed = json::parse_object(line, roomy_json());
  const json::Object& as_key = expect_object(parsed, "json: append_string is not JSON", line);
  check(as_key.size() == 1 && as_key[0].key == s, "json: append_string does not round-trip (key)",
        line);
}

void check_strings(const json::Value& value);

void check_strings(const json::Object& object) {
  for (const json::Member& m : object) {
    check_string(m.key);
    check_strings(m.value);
  }
}

void check_strings(const json::Value& value) {
  if (const auto* s = std::get_if<std::string>(&value.v)) {
    check_string(*s);
  } else if (const auto* a = std::get_if<json::Array>(&value.v)) {
    for (const json::Value& v : *a)
      check_strings(v);
  } else if (const auto* o = std::get_if<json::Object>(&value.v)) {
    check_strings(*o);
  }
}

// Parses `text` as a line; checks the error or the object, and returns the object.
std::optional<json::Object> check_json(std::string_view text) {
  auto parsed = json::parse_object(text);
  if (const auto* e = std::get_if<json::Error>(&parsed)) {
    check(!e->message.empty(), "json: an error without a message", text);
    check(e->offset <= text.size(), "json: an error offset beyond the line", text);
    return std::nullopt;
  }
  const json::Object& object = std::get<json::Object>(parsed);
  check_strings(object);

  std::string written;
  write_object(written, object);
  auto again = json::parse_object(written);
  check(same_object(expect_object(again, "json: an object written back is not JSON", written),
                    object),
        "json: an object written back parses to another", written);

  const bool flat = std::all_of(object.begin(), object.end(), [](const json::Member& m) {
    return std::holds_alternative<std::string>(m.value.v);
  });
  if (flat) {
    json::ObjectWriter w;
    for (const json::Member& m : object)
      w.string(m.key, std::get<std::string>(m.value.v));
    written = w.str();
    again = json::parse_object(written, roomy_json());
    check(
        same_object(expect_object(again, "json: ObjectWriter's line is not JSON", written), object),
        "json: ObjectWriter's line parses to another object", written);
  }
  return std::get<json::Object>(std::move(parsed));
}

// Arbitrary bytes through append_string: always one valid string.
void check_append_any(std::string_view bytes) {
  std::string line = "{\"v\":";
  json::append_string(line, bytes);
  line += '}';
  auto parsed = json::parse_object(line, roomy_json());
  const json::Object& o = expect_object(parsed, "json: append_string of bytes is not JSON", line);
  const auto* s = o.size() == 1 ? std::get_if<std::string>(&o[0].value.v) : nullptr;
  check(s != nullptr, "json: append_string of bytes is not one string", line);
  check(chat::utf8::is_valid(*s), "json: append_string wrote invalid UTF-8", line);
  const bool valid = chat::utf8::is_valid(bytes);
  check((*s == bytes) == valid, "json: append_string changed valid UTF-8, or kept invalid", line);
}

void check_utf8(std::string_view bytes) {
  bool all_valid = true;
  std::string re;
  std::string_view rest = bytes;
  while (!rest.empty()) {
    const chat::utf8::Step step = chat::utf8::decode(rest);
    check(step.length >= 1 && step.length <= std::min<std::size_t>(4, rest.size()),
          "utf8: a step of impossible length");
    if (step.valid) {
      check(step.code_point <= 0x10FFFF && (step.code_point < 0xD800 || step.code_point > 0xDFFF),
            "utf8: a valid step that is no scalar value");
      const std::size_t before = re.size();
      chat::utf8::append(re, step.code_point);
      check(re.compare(before, std::string::npos, rest.substr(0, step.length)) == 0,
            "utf8: a valid sequence does not re-encode to itself");
    } else {
      check(step.code_point == U'\uFFFD', "utf8: an invalid step without U+FFFD");
      all_valid = false;
    }
    rest.remove_prefix(step.length);
  }
  check(chat::utf8::is_valid(bytes) == all_valid, "utf8: is_valid disagrees with decode");
}

// -- Stanzas ------------------------------------------------------------------------------------

xml::WriteScope stream_scope(Mode mode) {
  xml::WriteScope scope;
  scope.default_ns = chat::stanza_namespace(mode);
  return scope;
}

// `e` written as an engine of `mode` writes it inside its stream.
std::string write_in_stream(xml::Element e, Mode mode, const char* what) {
  std::string out;
  const xml::WriteStatus status = xml::write(e, out, stream_scope(mode));
  if (status != xml::WriteStatus::ok) {
    fail(what, std::string(xml::to_string(status)) + "\ntree: " + fuzz::dump(e));
  }
  return out;
}

// `xml` as the peer's parser reads it: accepted by parse_raw_stanza and equivalent to `e`.
OwnedElement reparse(std::string_view xml_text, xml::Element e, Mode mode,
                     std::string_view domain) {
  auto back = chat::parse_raw_stanza(xml_text, mode, domain, fuzz::generous_limits());
  if (auto* error = std::get_if<RawStanzaError>(&back)) {
    std::string detail(xml_text);
    detail += "\n";
    detail += error->condition;
    detail += ": ";
    detail += error->text;
    fail("a written stanza is refused by parse_raw_stanza", detail);
  }
  OwnedElement owned = std::get<OwnedElement>(std::move(back));
  check(xml::equivalent(owned.get(), e), "a written stanza parses back to another tree",
        std::string(xml_text) + "\ntree: " + fuzz::dump(e) + "\nback: " + fuzz::dump(owned.get()));
  return owned;
}

const std::string* string_in(const json::Object& object, std::string_view key) {
  const json::Value* v = json::find(object, key);
  return v ? std::get_if<std::string>(&v->v) : nullptr;
}

// inbound_event(stanza): one valid JSON object describing the stanza. Returns it.
json::Object check_inbound(xml::Element stanza, Mode mode) {
  const std::string line = chat::inbound_event(stanza, mode);
  auto parsed = json::parse_object(line, roomy_json());
  json::Object object = expect_object(parsed, "inbound_event's line is not JSON", line);
  const std::string* event = string_in(object, "event");
  check(event != nullptr, "inbound_event's line has no event", line);
  const std::string_view ns = chat::stanza_namespace(mode);
  if (*event == "message") {
    const xml::Element body = stanza.child("body", ns);
    const std::string_view type = stanza.attribute("type").value_or("normal");
    check(stanza.is("message", ns) && body && type != "error",
          "a message event for a stanza that is no message with a body", line);
    std::string text;
    body.append_text(text);
    const std::string* from = string_in(object, "from");
    const std::string* id = string_in(object, "id");
    const std::string* t = string_in(object, "type");
    const std::string* b = string_in(object, "body");
    check(object.size() == 5 && from && id && t && b, "a message event of another shape", line);
    check(*from == stanza.attribute_or_empty("from") && *id == stanza.attribute_or_empty("id") &&
              *t == type && *b == text,
          "a message event does not carry the stanza's values", line);
  } else if (*event == "stanza") {
    const std::string* xml_text = string_in(object, "xml");
    check(object.size() == 2 && xml_text, "a stanza event of another shape", line);
    // A stanza parse_raw_stanza accepted passes its checks again (in the same domain).
    reparse(*xml_text, stanza, mode, domain_of(mode));
  } else {
    fail("inbound_event: a stanza from the parser gives neither message nor stanza", line);
  }
  return object;
}

// Every stanza parse_raw_stanza accepts in `text`, as if received.
void check_as_stanza(std::string_view text) {
  for (const Mode mode : {Mode::client, Mode::component}) {
    auto parsed = chat::parse_raw_stanza(text, mode, domain_of(mode));
    if (auto* error = std::get_if<RawStanzaError>(&parsed)) {
      check(!error->text.empty() && !error->condition.empty(), "a raw stanza error without text");
      continue;
    }
    const xml::Element e = std::get<OwnedElement>(parsed).get();
    check(static_cast<bool>(e), "parse_raw_stanza accepted no element", text);
    check(e.is("message", chat::stanza_namespace(mode)) ||
              e.is("presence", chat::stanza_namespace(mode)) ||
              e.is("iq", chat::stanza_namespace(mode)),
          "parse_raw_stanza accepted something else than a stanza of the stream", text);
    check_inbound(e, mode);
  }
}

// -- Commands -----------------------------------------------------------------------------------

void check_message(const SendMessage& m, Mode mode) {
  const std::string_view domain = domain_of(mode);
  if (mode == Mode::client) {
    check(!m.from, "a client-mode message with a from");
  } else {
    check(m.from && Jid::parse(m.from->domain()) == Jid::parse(domain),
          "a component-mode message without a from in the domain");
  }
  check(!m.id || !m.id->empty(), "a message with an empty id");

  xml::Arena arena;
  const xml::Element e = chat::build_message(m, mode, arena);
  std::string detail = "body: ";
  json::append_string(detail, m.body);
  detail += "\nid: ";
  if (m.id) json::append_string(detail, *m.id);
  detail += "\nto: ";
  json::append_string(detail, m.to.str());
  check(static_cast<bool>(e), "build_message gave no element", detail);
  // What Client::send() / Component::send() do: write it inside the stream. Input validation
  // promises that this works.
  const std::string written = write_in_stream(e, mode, "build_message's stanza cannot be written");
  // The same tree in an empty scope (with its xmlns), as a log would show it.
  std::string alone;
  check(xml::write(e, alone) == xml::WriteStatus::ok, "build_message's stanza cannot be written",
        detail);

  const OwnedElement back = reparse(written, e, mode, domain);
  const json::Object event = check_inbound(back.get(), mode);
  const std::string* body = string_in(event, "body");
  const std::string* type = string_in(event, "type");
  const std::string* id = string_in(event, "id");
  const std::string* from = string_in(event, "from");
  check(body && *body == m.body && type && *type == m.type && id &&
            *id == (m.id ? std::string_view(*m.id) : std::string_view{}) && from &&
            *from == (m.from ? m.from->str() : std::string_view{}),
        "the message sent is not the message received", detail);
}

void check_raw(const SendRaw& r, Mode mode) {
  const xml::Element e = r.stanza.get();
  check(static_cast<bool>(e), "SendRaw without a stanza", r.xml);
  // The xml as given is the stanza.
  auto again = chat::parse_raw_stanza(r.xml, mode, domain_of(mode));
  const auto* owned = std::get_if<OwnedElement>(&again);
  check(owned && xml::equivalent(owned->get(), e), "SendRaw's stanza is not its xml", r.xml);
  const std::string written = write_in_stream(e, mode, "a raw stanza cannot be written");
  reparse(written, e, mode, domain_of(mode));
  check_inbound(e, mode);
}

bool is_known_condition(std::string_view c) {
  namespace cond = xmpp::chat::condition;
  return c == cond::too_long || c == cond::bad_json || c == cond::bad_request ||
         c == cond::bad_jid || c == cond::bad_xml || c == cond::not_a_stanza ||
         c == cond::bad_stanza;
}

bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

void check_command(std::string_view line, const InputCommand& command, Mode mode, bool json_ok) {
  if (std::holds_alternative<chat::Nothing>(command)) {
    check(is_blank(line), "Nothing for a line that is not blank", line);
    return;
  }
  check(!is_blank(line), "a blank line is not Nothing", line);
  if (const auto* e = std::get_if<InputError>(&command)) {
    check(is_known_condition(e->condition), "an input error of unknown condition",
          std::string(line) + "\n" + std::string(e->condition));
    check(!e->text.empty(), "an input error without text", line);
    check((e->condition == xmpp::chat::condition::bad_json) == !json_ok,
          "bad-json for a JSON object, or a line that is no JSON object without it", line);
    const std::string out = chat::output::error(e->condition, e->text);
    auto parsed = json::parse_object(out, roomy_json());
    expect_object(parsed, "output::error's line is not JSON", out);
    return;
  }
  check(json_ok, "a command from a line that is no JSON object", line);
  if (const auto* m = std::get_if<SendMessage>(&command)) {
    check_message(*m, mode);
  } else if (const auto* r = std::get_if<SendRaw>(&command)) {
    check_raw(*r, mode);
  }
}

void check_line(std::string_view line) {
  const std::optional<json::Object> object = check_json(line);
  const InputCommand client = chat::parse_input_line(line, Mode::client);
  const InputCommand component = chat::parse_input_line(line, Mode::component, kComponentDomain);
  check_command(line, client, Mode::client, object.has_value());
  check_command(line, component, Mode::component, object.has_value());
  // "from" is the only key whose rules depend on the mode, and client mode refuses it; the
  // addresses of a message are checked the same way.
  if (std::holds_alternative<SendMessage>(client)) {
    check(std::holds_alternative<SendMessage>(component),
          "a message in client mode is refused in component mode", line);
  }
  if (std::holds_alternative<chat::Drop>(client) || std::holds_alternative<chat::Quit>(client)) {
    check(client.index() == component.index(), "a cmd depends on the mode", line);
  }
  check_as_stanza(line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_utf8(in);
  check_append_any(in);
  check_json(in);
  check_as_stanza(in);
  for (const LineSplitter::Line& line : lines_of(in)) {
    if (!line.too_long) check_line(line.text);
  }
  return 0;
}
