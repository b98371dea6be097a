// Helpers shared by the client-engine targets (fuzz_client_session, fuzz_client_sm): the program
// reader, tracing, and the chunking-independent description of events and output that the
// shadow comparisons use.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "fuzz_common.hpp"
#include "xmpp/client.hpp"
#include "xmpp/xml.hpp"

namespace fuzz {

/// XMPP_FUZZ_TRACE=1 makes the client targets print every operation and event to stderr.
inline bool trace_enabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("XMPP_FUZZ_TRACE");
    return v != nullptr && v[0] == '1';
  }();
  return enabled;
}

/// Reads the program front to back; past the end every byte is 0.
class Input {
 public:
  explicit Input(std::string_view data) : data_(data) {}
  bool done() const noexcept { return data_.empty(); }
  std::uint8_t byte() noexcept {
    if (data_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(data_.front());
    data_.remove_prefix(1);
    return b;
  }
  std::string_view bytes(std::size_t n) noexcept {
    const std::string_view s = data_.substr(0, n);
    data_.remove_prefix(s.size());
    return s;
  }

 private:
  std::string_view data_;
};

/// The namespace context of a client stream, in which stanzas are written back.
inline xmpp::xml::WriteScope client_stream_scope() {
  xmpp::xml::WriteScope scope;
  scope.default_ns = "jabber:client";
  scope.bind("stream", "http://etherx.jabber.org/streams");
  return scope;
}

/// The value of `name='...'` in a start tag the engine wrote; empty when absent.
inline std::string_view attribute_in(std::string_view tag, std::string_view name) {
  const std::string key = " " + std::string(name) + "='";
  const std::size_t at = tag.find(key);
  if (at == std::string_view::npos) return {};
  const std::size_t begin = at + key.size();
  const std::size_t end = tag.find('\'', begin);
  return end == std::string_view::npos ? std::string_view{} : tag.substr(begin, end - begin);
}

/// How often `what` occurs in `s`.
inline std::size_t count(std::string_view s, std::string_view what) {
  std::size_t n = 0;
  for (std::size_t at = s.find(what); at != std::string_view::npos; at = s.find(what, at + 1))
    ++n;
  return n;
}

inline std::string stanza_list(const char* kind, const std::vector<xmpp::UnackedStanza>& stanzas) {
  std::string out = kind;
  for (const auto& u : stanzas)
    out += " " + std::to_string(u.sequence) + "/" + std::to_string(u.tag);
  return out;
}

/// An event without its prose (detail, text), which may name chunk-dependent parser positions.
inline std::string semantics(const xmpp::Event& e) {
  namespace event = xmpp::event;
  return std::visit(
      [](const auto& ev) -> std::string {
        using T = std::decay_t<decltype(ev)>;
        if constexpr (std::is_same_v<T, event::Authenticated>) {
          return "Authenticated " + std::string(xmpp::sasl::to_string(ev.mechanism)) +
                 (ev.scram_keys ? " keys" : "");
        } else if constexpr (std::is_same_v<T, event::AuthenticationFailed>) {
          return "AuthenticationFailed " + std::string(xmpp::sasl::to_string(ev.mechanism)) + " " +
                 std::to_string(ev.server_condition ? static_cast<int>(*ev.server_condition) : -1) +
                 " " + std::to_string(static_cast<int>(ev.error)) + " " +
                 std::to_string(ev.permanent);
        } else if constexpr (std::is_same_v<T, event::Online>) {
          return "Online " + std::string(ev.jid.str()) + (ev.resumed ? " resumed" : "");
        } else if constexpr (std::is_same_v<T, event::Stanza>) {
          std::string xml = "Stanza ";
          if (xmpp::xml::write(ev.element, xml, client_stream_scope()) !=
              xmpp::xml::WriteStatus::ok) {
            xml += "?";
          }
          return xml;
        } else if constexpr (std::is_same_v<T, event::StreamErrorSent>) {
          return "StreamErrorSent " + std::string(xmpp::to_string(ev.error.condition));
        } else if constexpr (std::is_same_v<T, event::StreamErrorReceived>) {
          return "StreamErrorReceived " + std::string(xmpp::to_string(ev.error.condition)) + " " +
                 ev.error.see_other_host;
        } else if constexpr (std::is_same_v<T, event::Acked>) {
          return stanza_list("Acked", ev.stanzas);
        } else if constexpr (std::is_same_v<T, event::Unconfirmed>) {
          return stanza_list("Unconfirmed", ev.stanzas);
        } else if constexpr (std::is_same_v<T, event::LinkDead>) {
          return "LinkDead";
        } else {
          return "Closed " + std::string(xmpp::to_string(ev.reason));
        }
      },
      e);
}

/// An event with its prose, for traces.
inline std::string describe(const xmpp::Event& e) {
  namespace event = xmpp::event;
  if (const auto* failed = std::get_if<event::AuthenticationFailed>(&e)) {
    return "AuthenticationFailed " + failed->text;
  } else if (const auto* unconfirmed = std::get_if<event::Unconfirmed>(&e)) {
    return semantics(e) + ": " + unconfirmed->reason;
  } else if (const auto* dead = std::get_if<event::LinkDead>(&e)) {
    return "LinkDead " + std::to_string(dead->silent_for.count());
  } else if (const auto* closed = std::get_if<event::Closed>(&e)) {
    return semantics(e) + ": " + closed->detail;
  }
  return semantics(e);
}

/// The output without the <text/> of the stream errors we sent (a parser message, prose).
inline std::string normalised(std::string s) {
  for (std::size_t error = s.find("<stream:error>"); error != std::string::npos;
       error = s.find("<stream:error>", error + 1)) {
    const std::size_t text = s.find("<text", error);
    const std::size_t end = s.find("</text>", error);
    const std::size_t close = s.find("</stream:error>", error);
    if (text != std::string::npos && end != std::string::npos && text < end && end < close) {
      s.erase(text, end + 7 - text);
    }
  }
  return s;
}

/// The chunking oracle of the client targets: a second engine with the same configuration, given
/// in one piece per feed what the fuzzed client consumed and drained completely after every
/// operation (a Sans-IO engine does not depend on how its input is cut or when its output is
/// taken). Commands are given to `client` directly.
struct Shadow {
  explicit Shadow(xmpp::ClientConfig config) : client(std::move(config)) {}

  xmpp::Client client;
  std::string written;              // all its output, in order
  std::vector<std::string> events;  // all its events, as semantics() describes them

  void drain() {
    for (std::string_view out = client.output(); !out.empty(); out = client.output()) {
      written.append(out);
      check(client.consume_output(out.size()) == xmpp::CommandStatus::ok,
            "shadow consume_output()");
    }
    while (auto e = client.poll_event())
      events.push_back(semantics(*e));
  }

  // Gives the shadow in one piece what the client consumed, and when the client stopped at the
  // TLS hand-off or the end of the stream also the rest of that read (the parser may have looked
  // past the last byte it consumed to find an error): the shadow must stop at the same byte (at
  // a parse error: in the same way) for the same reason. After drain_needed the client's rest is
  // not given: the shadow's queues are empty, so it would go on.
  void mirror_receive(std::string_view consumed, std::string_view tail, xmpp::ReceiveStatus last,
                      xmpp::TimePoint now) {
    using xmpp::ReceiveStatus;
    const std::string all = std::string(consumed) + std::string(tail);
    std::string_view rest = all;
    std::size_t total = 0;
    for (;;) {
      const auto r = client.receive(rest, now);
      check(r.consumed <= rest.size(), "the shadow's receive() consumed more than given");
      total += std::min(r.consumed, rest.size());
      rest.remove_prefix(std::min(r.consumed, rest.size()));
      if (r.status == ReceiveStatus::drain_needed) {
        drain();
        continue;
      }
      const bool stopped = last == ReceiveStatus::closed || last == ReceiveStatus::stream_error ||
                           last == ReceiveStatus::tls_handoff;
      // At a parse error the bytes consumed depend on the cut (only the error's offset does not,
      // see xml::ParseError), so then only the status is compared.
      check((total == consumed.size() || last == ReceiveStatus::stream_error) &&
                r.status == (stopped ? last : ReceiveStatus::all_consumed),
            "chunking: the shadow stopped elsewhere in the same bytes",
            "the client consumed " + std::to_string(consumed.size()) + " bytes (" +
                std::string(xmpp::to_string(last)) + "), the shadow " + std::to_string(total) +
                " (" + std::string(xmpp::to_string(r.status)) + ") of:\n" + all);
      return;
    }
  }

  /// In the end: the client's output (without prose) and events are the shadow's.
  void expect_same(const std::string& client_written,
                   const std::vector<std::string>& client_events) {
    drain();
    if (normalised(client_written) != normalised(written)) {
      fail("chunking: the output depends on chunking or drain timing",
           "--- client:\n" + client_written + "\n--- shadow (whole reads, drained):\n" + written);
    }
    if (client_events != events) {
      std::string d = "--- client:\n";
      for (const auto& e : client_events)
        d += e + "\n";
      d += "--- shadow (whole reads, drained):\n";
      for (const auto& e : events)
        d += e + "\n";
      fail("chunking: the events depend on chunking or drain timing", d);
    }
  }
};

}  // namespace fuzz
