// Helpers shared by the stream management (XEP-0198) tests of the client engine: scripted
// negotiation up to `<enable/>` or `<resume/>` with the Harness, the exact nonzas the client
// writes, and the bookkeeping of what became of every stanza the application sent.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "client_harness.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/builder.hpp"

// Readable failure messages for the tag and sequence lists the tests compare.
template <class T>
requires std::is_integral_v<T>
struct doctest::StringMaker<std::vector<T>> {
  static doctest::String convert(const std::vector<T>& values) {
    std::string s = "{";
    for (std::size_t i = 0; i < values.size(); ++i)
      s += (i ? ", " : "") + std::to_string(values[i]);
    return (s + "}").c_str();
  }
};

namespace xmpp::test::smt {

/// Post-SASL features offering binding and stream management (XEP-0198 §2).
inline constexpr std::string_view kSmBindFeatures =
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
    "<sm xmlns='urn:xmpp:sm:3'/></stream:features>";
inline constexpr std::string_view kEnable = "<enable xmlns='urn:xmpp:sm:3' resume='true'/>";
inline constexpr std::string_view kRequest = "<r xmlns='urn:xmpp:sm:3'/>";
inline constexpr std::string_view kJid = "alice@example.com/sansio";
inline constexpr std::string_view kStreamErrorNs = "urn:ietf:params:xml:ns:xmpp-streams";

inline std::string ack(std::uint32_t h) {
  return "<a xmlns='urn:xmpp:sm:3' h='" + std::to_string(h) + "'/>";
}
inline std::string enabled(std::string_view attributes) {
  return "<enabled xmlns='urn:xmpp:sm:3' " + std::string(attributes) + "/>";
}
inline std::string resumed(std::string_view previd, std::uint32_t h) {
  return "<resumed xmlns='urn:xmpp:sm:3' previd='" + std::string(previd) + "' h='" +
         std::to_string(h) + "'/>";
}
inline std::string resume(std::string_view previd, std::uint32_t h) {
  return "<resume xmlns='urn:xmpp:sm:3' previd='" + std::string(previd) + "' h='" +
         std::to_string(h) + "'/>";
}
/// `<failed/>` with a stanza error condition and, when given, an h attribute of that text.
inline std::string failed(std::string_view condition,
                          std::optional<std::string_view> h_attribute = std::nullopt) {
  std::string s = "<failed xmlns='urn:xmpp:sm:3'";
  if (h_attribute) s.append(" h='").append(*h_attribute).append("'");
  s.append("><").append(condition).append(" xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>");
  return s + "</failed>";
}
/// The beginning of the `<stream:error/>` the client writes for `condition`.
inline std::string stream_error_start(std::string_view condition) {
  return "<stream:error><" + std::string(condition) + " xmlns='" + std::string(kStreamErrorNs) +
         "'/>";
}

/// A configuration whose request policy stays silent unless a test turns it on.
inline ClientConfig quiet_config() {
  ClientConfig config = test_config();
  config.stream_management.request_every_stanzas = 0;
  config.stream_management.request_after = Duration::zero();
  config.stream_management.idle_request_interval = Duration::zero();
  return config;
}

/// The message the helpers send for `n`, exactly as the client writes it.
inline std::string message_xml(int n) {
  return "<message to='bob@example.com' id='m" + std::to_string(n) + "'><body>" +
         std::to_string(n) + "</body></message>";
}
/// A message from the server.
inline std::string inbound_xml(int n) {
  return "<message from='bob@example.com/x' id='in" + std::to_string(n) + "'><body>" +
         std::to_string(n) + "</body></message>";
}

/// Sends message_xml(n) with tag n.
inline SendStatus send_message(Client& client, int n) {
  xml::Arena arena;
  xml::Builder msg(arena, "message", "jabber:client");
  msg.attribute("to", "bob@example.com").attribute("id", "m" + std::to_string(n));
  msg.start("body").text(std::to_string(n)).end();
  return client.send(msg.root(), static_cast<std::uint64_t>(n));
}

/// send_message() through a Harness, which then drains (as an adapter does after a command).
inline SendStatus send_message(Harness& h, int n) {
  const SendStatus status = send_message(h.client, n);
  h.drain();
  return status;
}

/// Runs connect → STARTTLS → PLAIN, then feeds `features` after SASL success; returns what the
/// client wrote in answer (after its new stream header). Output of an earlier connection that a
/// test did not take is discarded first.
inline std::string authenticate(Harness& h, std::string_view features) {
  h.take_written();
  h.connect();
  REQUIRE(h.take_written() == kClientHeaderClear);
  REQUIRE(h.feed(std::string(kServerHeader) + std::string(kStartTlsFeatures)).status ==
          ReceiveStatus::all_consumed);
  REQUIRE(h.take_written() == kStartTls);
  REQUIRE(h.feed(kProceed).status == ReceiveStatus::tls_handoff);
  h.tls();
  REQUIRE(h.take_written() == kClientHeaderTls);
  REQUIRE(h.feed(std::string(kServerHeader) + std::string(kPlainFeatures)).status ==
          ReceiveStatus::all_consumed);
  REQUIRE(h.take_written() == kPlainAuth);
  h.feed(std::string(kSuccess) + std::string(kServerHeader) + std::string(features));
  const std::string out = h.take_written();
  REQUIRE(out.starts_with(kClientHeaderTls));
  return out.substr(kClientHeaderTls.size());
}

/// The exact bind request the client writes with request id `id`.
inline std::string bind_request(std::string_view id) {
  return "<iq type='set' id='" + std::string(id) +
         "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>sansio</resource></bind>"
         "</iq>";
}

/// The id attribute of the first element in `written`.
inline std::string request_id(std::string_view written) {
  const std::size_t start = written.find("id='");
  REQUIRE(start != std::string_view::npos);
  const std::size_t end = written.find('\'', start + 4);
  return std::string(written.substr(start + 4, end - start - 4));
}

/// Authenticates with `features`, answers the bind request and returns what the client wrote
/// after the bind result (with stream management offered: its `<enable/>`).
inline std::string bind(Harness& h, std::string_view features = kSmBindFeatures) {
  const std::string request = authenticate(h, features);
  const std::string id = request_id(request);
  REQUIRE(request == bind_request(id));
  h.feed(bind_result(id, kJid));
  REQUIRE(h.client.phase() == ClientPhase::online);
  return h.take_written();
}

/// bind(), checks that exactly `<enable/>` went out, then feeds `<enabled/>` with `attributes`.
inline void online_enabled(Harness& h,
                           std::string_view attributes = "id='sm-1' resume='true' max='60'") {
  REQUIRE(bind(h) == kEnable);
  h.feed(enabled(attributes));
  REQUIRE(h.client.stream_management().enabled());
  REQUIRE(h.client.phase() == ClientPhase::online);
}

// -- What became of each stanza -----------------------------------------------------------------

struct Fates {
  std::vector<std::uint64_t> acked;        ///< tags in Acked events, in order
  std::vector<std::uint64_t> unconfirmed;  ///< tags in Unconfirmed events, in order
  std::size_t acked_events = 0;
  std::size_t unconfirmed_events = 0;
};

inline Fates fates(const std::vector<Event>& events) {
  Fates f;
  for (const Event& e : events) {
    if (const auto* a = std::get_if<event::Acked>(&e)) {
      ++f.acked_events;
      for (const UnackedStanza& s : a->stanzas)
        f.acked.push_back(s.tag);
    } else if (const auto* u = std::get_if<event::Unconfirmed>(&e)) {
      ++f.unconfirmed_events;
      for (const UnackedStanza& s : u->stanzas)
        f.unconfirmed.push_back(s.tag);
    }
  }
  return f;
}

/// Every tag in `sent` was reported exactly once (Acked or Unconfirmed) and nothing else was.
inline void check_reported_once(const std::vector<Event>& events, std::vector<std::uint64_t> sent) {
  const Fates f = fates(events);
  std::vector<std::uint64_t> reported = f.acked;
  reported.insert(reported.end(), f.unconfirmed.begin(), f.unconfirmed.end());
  std::sort(reported.begin(), reported.end());
  std::sort(sent.begin(), sent.end());
  CHECK(reported == sent);
}

/// The Unconfirmed events' tags; fails when there is more than one such event.
inline std::vector<std::uint64_t> unconfirmed_once(const std::vector<Event>& events) {
  const Fates f = fates(events);
  CHECK(f.unconfirmed_events <= 1);
  return f.unconfirmed;
}

inline std::size_t count_online(const std::vector<Event>& events, bool resumed) {
  std::size_t n = 0;
  for (const Event& e : events) {
    if (const auto* o = std::get_if<event::Online>(&e); o && o->resumed == resumed) ++n;
  }
  return n;
}

/// Index of the first event of type T (events.size() when none), to check the order of events.
template <class T>
std::size_t index_of(const std::vector<Event>& events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (std::holds_alternative<T>(events[i])) return i;
  }
  return events.size();
}

inline std::size_t occurrences(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (std::size_t at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

}  // namespace xmpp::test::smt
