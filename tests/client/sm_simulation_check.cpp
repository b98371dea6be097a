// The invariants of issue 4 checked over a whole run: each stanza is reported exactly once,
// acknowledged stanzas arrived exactly once, resumed sessions lose nothing, and nothing is invented
// (XEP-0198 §4, §5).
#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "sm_simulation.hpp"

namespace xmpp::test::sim {
namespace {

constexpr std::size_t kMaxReported = 40;

}  // namespace

std::optional<std::uint64_t> number_after(std::string_view text, std::string_view prefix) {
  const std::size_t at = text.find(prefix);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = text.data() + at + prefix.size();
  const char* last = text.data() + text.size();
  std::uint64_t n = 0;
  const auto [end, error] = std::from_chars(first, last, n);
  if (error != std::errc() || end == first) return std::nullopt;
  return n;
}

std::string tags_text(const std::vector<std::uint64_t>& tags) {
  std::string out;
  for (std::size_t i = 0; i < tags.size() && i < 40; ++i)
    out += (i ? "," : "") + std::to_string(tags[i]);
  return tags.size() > 40 ? out + ",..." : out;
}

std::vector<std::string> Simulation::check() const {
  std::vector<std::string> v = violations_;
  const auto fail = [&v](std::string what) {
    if (v.size() < kMaxReported) v.push_back(std::move(what));
  };

  // (1) Every stanza the client application sent is reported exactly once, as Acked or
  // Unconfirmed, and nothing else is reported.
  std::map<std::uint64_t, int> acked;
  std::map<std::uint64_t, int> unconfirmed;
  for (const auto tag : acked_)
    ++acked[tag];
  for (const auto tag : unconfirmed_)
    ++unconfirmed[tag];
  const std::set<std::uint64_t> sent(sent_ok_.begin(), sent_ok_.end());
  for (const auto tag : sent_ok_) {
    const int a = acked.contains(tag) ? acked.at(tag) : 0;
    const int u = unconfirmed.contains(tag) ? unconfirmed.at(tag) : 0;
    if (a + u != 1) {
      fail("c" + std::to_string(tag) + " was reported " + std::to_string(a) + " times acked and " +
           std::to_string(u) + " times unconfirmed");
    }
  }
  for (const auto& reported : {acked_, unconfirmed_}) {
    for (const auto tag : reported)
      if (!sent.contains(tag)) fail("c" + std::to_string(tag) + " was reported but never sent");
  }

  // (2), (3) On the server: nothing invented, nothing twice (the application never re-sends),
  // in order within each session, and every acknowledged stanza there exactly once.
  std::map<std::uint64_t, int> delivered;
  for (const testing::SmSession* session : sessions_.sessions()) {
    std::uint64_t last = 0;
    for (const std::string& xml : session->delivered) {
      const auto tag = number_after(xml, "id='c");
      if (!tag || !sent.contains(*tag)) {
        fail("the server application got a stanza the client never sent: " + xml);
        continue;
      }
      ++delivered[*tag];
      if (*tag <= last) fail(session->id + " delivered c" + std::to_string(*tag) + " out of order");
      last = *tag;
    }
  }
  for (const auto& [tag, count] : delivered) {
    if (count > 1)
      fail("c" + std::to_string(tag) + " was delivered " + std::to_string(count) + "x");
  }
  for (const auto& [tag, count] : acked) {
    if (!delivered.contains(tag)) fail("c" + std::to_string(tag) + " was acked, never delivered");
  }
  std::map<std::uint64_t, int> received_by_servers;
  for (const std::string& xml : server_received_) {
    const auto tag = number_after(xml, "id='c");
    if (tag && ++received_by_servers[*tag] > 1) {
      fail("c" + std::to_string(*tag) + " reached the server engines more than once");
    }
  }

  // (4), (5) On the client: per server session, what arrived is a prefix of what was sent to it
  // (in order, nothing twice, nothing lost before the end of the session), covering at least
  // what the client acknowledged; the session online at the end lost nothing.
  std::map<std::string, std::vector<std::uint64_t>> sent_to;
  for (const auto& [n, session] : server_sent_)
    sent_to[session].push_back(n);
  std::map<std::string, std::vector<std::uint64_t>> got_from;
  for (const auto n : received_)
    got_from[server_sent_.at(n)].push_back(n);
  for (const testing::SmSession* session : sessions_.sessions()) {
    const auto& sent_here = sent_to[session->id];
    const auto& got = got_from[session->id];
    const bool prefix =
        got.size() <= sent_here.size() && std::equal(got.begin(), got.end(), sent_here.begin());
    if (!prefix) {
      fail(session->id + ": the client got s[" + tags_text(got) + "] of s[" + tags_text(sent_here) +
           "]: not a prefix (lost, reordered or duplicated)");
    }
    if (session->acked_log.size() > got.size()) {
      fail(session->id + ": the client acknowledged " + std::to_string(session->acked_log.size()) +
           " stanzas but its application got " + std::to_string(got.size()));
    }
    for (std::size_t i = 0; i < session->acked_log.size() && i < sent_here.size(); ++i) {
      if (number_after(session->acked_log[i].xml, "id='s") != sent_here[i]) {
        fail(session->id + ": acknowledged stanza " + std::to_string(i) + " is not s" +
             std::to_string(sent_here[i]));
        break;
      }
    }
    if (final_session_ && *final_session_ == session->id && got.size() != sent_here.size()) {
      fail(session->id + " (online at the end) delivered " + std::to_string(got.size()) + " of " +
           std::to_string(sent_here.size()) + " server stanzas");
    }
  }
  return v;
}

}  // namespace xmpp::test::sim
