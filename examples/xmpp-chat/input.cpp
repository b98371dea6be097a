#include "input.hpp"

#include <algorithm>
#include <array>
#include <utility>

#include "address.hpp"
#include "conditions.hpp"
#include "json.hpp"
#include "raw_stanza.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::chat {
namespace {

constexpr std::array<std::string_view, 7> kKeys = {"to",   "body", "id", "type",
                                                   "from", "raw",  "cmd"};
constexpr std::array<std::string_view, 4> kMessageTypes = {"chat", "normal", "groupchat",
                                                           "headline"};

InputError bad_request(std::string text) {
  return {condition::bad_request, std::move(text)};
}

bool is_blank(std::string_view line) noexcept {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Reads the string member `key`: nullptr when absent; sets `error` when present but not a
// string.
const std::string* string_member(const json::Object& object, std::string_view key,
                                 std::optional<InputError>& error) {
  const json::Value* value = json::find(object, key);
  if (!value) return nullptr;
  const auto* s = std::get_if<std::string>(&value->v);
  if (!s && !error) error = bad_request("\"" + std::string(key) + "\" must be a string");
  return s;
}

// True when XML can carry `text` as character data (XML 1.0 §2.2 Char); the writer is the
// judge, so nothing accepted here can make send() fail as unserializable.
bool xml_can_carry(std::string_view text) {
  std::string scratch;
  return xml::write_escaped_text(text, scratch) == xml::WriteStatus::ok;
}

InputCommand parse_command(const std::string& cmd) {
  if (cmd == "drop") return Drop{};
  if (cmd == "quit") return Quit{};
  return bad_request("unknown cmd \"" + cmd + "\" (drop or quit)");
}

InputCommand parse_message(const json::Object& object, Mode mode,
                           std::string_view component_domain) {
  std::optional<InputError> error;
  const std::string* to = string_member(object, "to", error);
  const std::string* body = string_member(object, "body", error);
  const std::string* id = string_member(object, "id", error);
  const std::string* type = string_member(object, "type", error);
  const std::string* from = string_member(object, "from", error);
  if (error) return std::move(*error);
  if (!to) return bad_request("a message needs \"to\"");
  if (!body) return bad_request("a message needs \"body\"");
  if (json::find(object, "from") && mode == Mode::client) {
    return bad_request(
        "\"from\" is only for component mode (the server sets it, RFC 6120 §8.1.2.1)");
  }
  if (std::string p = address_problem("\"to\"", *to); !p.empty()) {
    return InputError{condition::bad_jid, std::move(p)};
  }
  if (from) {
    if (std::string p = address_problem("\"from\"", *from, component_domain); !p.empty()) {
      return InputError{condition::bad_jid, std::move(p)};
    }
  }
  if (type && std::find(kMessageTypes.begin(), kMessageTypes.end(), *type) == kMessageTypes.end()) {
    return bad_request("unknown message type \"" + *type +
                       "\" (chat, normal, groupchat or headline)");
  }
  if (id && id->empty()) return bad_request("\"id\" must not be empty");
  if (id && !xml_can_carry(*id)) {
    return bad_request("\"id\" holds a character XML cannot carry (XML 1.0 §2.2)");
  }
  if (!xml_can_carry(*body)) {
    return bad_request("\"body\" holds a character XML cannot carry (XML 1.0 §2.2)");
  }

  SendMessage m{*Jid::parse(*to), *body, std::nullopt, type ? *type : "chat", std::nullopt};
  if (id) m.id = *id;
  if (from) {
    m.from = Jid::parse(*from);
  } else if (mode == Mode::component && !component_domain.empty()) {
    m.from = Jid::parse(component_domain);
  }
  return m;
}

}  // namespace

InputCommand parse_input_line(std::string_view line, Mode mode, std::string_view component_domain) {
  if (line.size() > kMaxLineBytes) {
    return InputError{condition::too_long,
                      "line longer than " + std::to_string(kMaxLineBytes) + " bytes"};
  }
  if (is_blank(line)) return Nothing{};
  json::Limits limits;
  limits.max_bytes = kMaxLineBytes;
  auto parsed = json::parse_object(line, limits);
  if (const auto* e = std::get_if<json::Error>(&parsed)) {
    return InputError{condition::bad_json, json::to_string(*e)};
  }
  const json::Object& object = std::get<json::Object>(parsed);

  for (const json::Member& m : object) {
    if (std::find(kKeys.begin(), kKeys.end(), m.key) == kKeys.end()) {
      // The key is quoted as JSON, so control characters in it stay visible; a long one is not
      // repeated in full.
      std::string text = "unknown key ";
      json::append_string(text, m.key.size() <= 64 ? std::string_view(m.key) : "(long)");
      return bad_request(std::move(text) + " (to, body, id, type, from, raw or cmd)");
    }
  }

  const bool has_cmd = json::find(object, "cmd") != nullptr;
  const bool has_raw = json::find(object, "raw") != nullptr;
  if (has_cmd || has_raw) {
    const std::string_view key = has_cmd ? "cmd" : "raw";
    if (object.size() != 1) {
      return bad_request("\"" + std::string(key) + "\" must be the only key of its line");
    }
    std::optional<InputError> error;
    const std::string* value = string_member(object, key, error);
    if (error) return std::move(*error);
    if (has_cmd) return parse_command(*value);
    auto stanza = parse_raw_stanza(*value, mode, mode == Mode::component ? component_domain : "");
    if (auto* e = std::get_if<RawStanzaError>(&stanza)) {
      return InputError{e->condition, std::move(e->text)};
    }
    return SendRaw{*value, std::move(std::get<OwnedElement>(stanza))};
  }
  if (object.empty()) return bad_request("empty object (expected to/body, raw or cmd)");
  return parse_message(object, mode, component_domain);
}

}  // namespace xmpp::chat
