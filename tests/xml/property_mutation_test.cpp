// Property (c): random mutations of valid streams never crash, and end either in events only or
// in exactly one error that is sticky, reported at or after the first changed byte, with the
// events before the change unchanged.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <string>

#include "rc_doctest.hpp"
#include "stream_test_util.hpp"
#include "xml_generators.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

namespace {

bool is_parser_condition(xmpp::StreamErrorCondition c) {
  using C = xmpp::StreamErrorCondition;
  return c == C::not_well_formed || c == C::restricted_xml || c == C::unsupported_encoding ||
         c == C::invalid_namespace || c == C::bad_namespace_prefix || c == C::policy_violation;
}

std::string describe(const Log::Event& e) {
  return std::string(event_name(e.kind)) + " @" + std::to_string(e.offset) + " " + e.detail;
}

}  // namespace

TEST_CASE("property: mutated streams end in events or one sticky error") {
  check_property("mutations", [] {
    const gen::Stream s = gen::stream();
    const gen::Mutated m = gen::mutate(s.bytes);
    RC_LOG() << "original: " << printable(s.bytes) << "\nmutated:  " << printable(m.bytes)
             << "\nfirst change at " << m.first_change << "\n";
    const Log original = run(s.bytes);
    RC_ASSERT(!original.failed);
    const Log log = run(m.bytes);
    RC_LOG() << log.describe();
    // Stickiness and the other API contracts are checked by run().
    RC_ASSERT(log.contract_violations.empty());
    if (log.failed) {
      RC_ASSERT(is_parser_condition(log.condition));
      RC_ASSERT(log.error_offset < m.bytes.size());
      // Errors about a character are reported at its first byte, which may precede the changed
      // byte when the change is inside a multi-byte character.
      std::size_t char_start = m.first_change;
      while (char_start > 0 && char_start < m.bytes.size() &&
             (static_cast<unsigned char>(m.bytes[char_start]) & 0xC0) == 0x80) {
        --char_start;
      }
      RC_ASSERT(log.error_offset >= char_start);
      if (!log.events.empty()) RC_ASSERT(log.error_offset >= log.events.back().offset);
    } else {
      RC_ASSERT(log.consumed_total == m.bytes.size());
    }
    // Everything complete before the first changed byte is reported as before.
    for (std::size_t i = 0; i < original.events.size(); ++i) {
      if (original.events[i].offset > m.first_change) break;
      RC_ASSERT(i < log.events.size());
      RC_ASSERT(describe(log.events[i]) == describe(original.events[i]));
    }
    // Events are in offset order.
    for (std::size_t i = 1; i < log.events.size(); ++i) {
      RC_ASSERT(log.events[i].offset >= log.events[i - 1].offset);
    }
  });
}

TEST_CASE("property: arbitrary bytes after a valid header never crash and end in one error") {
  check_property("random bytes", [] {
    const auto bytes = *rc::gen::container<std::string>(rc::gen::arbitrary<char>());
    const std::string in = std::string(kClientHeader) + bytes;
    const Log log = run(in);
    RC_LOG() << printable(in) << "\n" << log.describe();
    RC_ASSERT(log.contract_violations.empty());
    if (log.failed) {
      RC_ASSERT(is_parser_condition(log.condition));
      RC_ASSERT(log.error_offset >= kClientHeader.size());
      RC_ASSERT(log.error_offset < in.size());
    }
    RC_ASSERT(run_bytewise(in).describe() == log.describe());
  });
}
