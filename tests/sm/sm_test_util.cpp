// Helpers shared by the stream management tests.
#include "sm_test_util.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <vector>

#include "sm/crc32.hpp"
#include "stream_test_util.hpp"
#include "xmpp/xml/writer.hpp"

namespace xmpp::test {

TimePoint at_ms(std::int64_t ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

std::string with_fixed_checksum(std::string saved) {
  REQUIRE(saved.size() >= 4);
  const std::uint32_t crc = sm::crc32(std::string_view(saved).substr(0, saved.size() - 4));
  for (std::size_t i = 0; i < 4; ++i) {
    saved[saved.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xFFu);
  }
  return saved;
}

std::string written(xml::Element e) {
  OpenStream stream;
  return write_to_string(e, xml::WriteScope::of_stream_header(stream.parser.header()));
}

sm::StreamManagementState full_state(TimePoint now, std::uint32_t start) {
  sm::StreamManagementState s;
  REQUIRE(s.start_counters_at(start, 4294967290u));
  s.on_enabled(sm::Enabled{"sm-id-1", true, 300, "[2001:db8::1]:5222"});
  s.set_bound_jid("alice@example.com/phone");
  for (int i = 0; i < 5; ++i) {
    const std::string id = "m" + std::to_string(i);
    s.record_sent("<message id='" + id + "'><body>" + std::to_string(i) + "</body></message>",
                  static_cast<std::uint64_t>(1000 + i), id, now - std::chrono::seconds(5 - i));
  }
  std::vector<UnackedStanza> acked;
  REQUIRE(s.on_ack(start + 2, acked).status == sm::AckStatus::ok);
  REQUIRE(acked.size() == 2);
  for (int i = 0; i < 7; ++i)
    s.on_inbound_stanza();
  s.on_link_lost(now - std::chrono::milliseconds(1500));
  return s;
}

}  // namespace xmpp::test
