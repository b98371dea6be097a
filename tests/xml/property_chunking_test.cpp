// Property (a): the events, trees, errors and offsets never depend on how the input is chunked,
// for generated valid streams, for corrupted versions of them, and under small random Limits.
#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <string>

#include "rc_doctest.hpp"
#include "stream_test_util.hpp"
#include "xml_generators.hpp"

using namespace xmpp::test;
namespace xml = xmpp::xml;

TEST_CASE("property: valid streams parse completely and identically under any chunking") {
  check_property("valid streams, any chunking", [] {
    const gen::Stream s = gen::stream();
    RC_LOG() << "stream: " << printable(s.bytes) << "\n";
    const Log whole = run(s.bytes);
    RC_LOG() << "whole:\n" << whole.describe();
    RC_ASSERT(!whole.failed);
    RC_ASSERT(whole.contract_violations.empty());
    RC_ASSERT(whole.count(xml::ParseEvent::stream_open) == 1u);
    RC_ASSERT(whole.count(xml::ParseEvent::element) == s.stanzas);
    RC_ASSERT(whole.count(xml::ParseEvent::stream_close) == (s.closed ? 1u : 0u));
    RC_ASSERT(whole.consumed_total == s.bytes.size());
    const std::string expected = whole.describe();
    RC_ASSERT(expected.find("<write failed") == std::string::npos);
    RC_ASSERT(run_bytewise(s.bytes).describe() == expected);
    const Chunking c = gen::chunking();
    RC_ASSERT(run(s.bytes, c).describe() == expected);
  });
}

TEST_CASE("property: corrupted streams fail (or not) identically under any chunking") {
  check_property("corrupted streams, any chunking", [] {
    const gen::Stream s = gen::stream();
    const gen::Mutated m = gen::mutate(s.bytes);
    RC_LOG() << "original: " << printable(s.bytes) << "\nmutated:  " << printable(m.bytes) << "\n";
    const Log whole = run(m.bytes);
    RC_LOG() << "whole:\n" << whole.describe();
    RC_ASSERT(whole.contract_violations.empty());
    const std::string expected = whole.describe();
    RC_ASSERT(run_bytewise(m.bytes).describe() == expected);
    const Chunking c = gen::chunking();
    RC_ASSERT(run(m.bytes, c).describe() == expected);
  });
}

TEST_CASE("property: limit violations are the same under any chunking") {
  check_property("small limits, any chunking", [] {
    const gen::Stream s = gen::stream();
    xml::Limits l;
    l.max_element_bytes = *rc::gen::inRange<std::size_t>(1, 2000);
    l.max_tree_bytes = *rc::gen::inRange<std::size_t>(1, 8000);
    l.max_depth = *rc::gen::inRange<std::size_t>(1, 6);
    l.max_attributes = *rc::gen::inRange<std::size_t>(1, 8);
    l.max_name_bytes = *rc::gen::inRange<std::size_t>(1, 24);
    l.max_header_bytes = *rc::gen::inRange<std::size_t>(1, 300);
    RC_LOG() << "stream: " << printable(s.bytes) << "\n";
    const Log whole = run(s.bytes, {}, l);
    RC_LOG() << "whole:\n" << whole.describe();
    RC_ASSERT(whole.contract_violations.empty());
    if (whole.failed) {
      RC_ASSERT(to_string(whole.condition) == std::string_view("policy-violation"));
    }
    const std::string expected = whole.describe();
    RC_ASSERT(run_bytewise(s.bytes, l).describe() == expected);
    const Chunking c = gen::chunking();
    RC_ASSERT(run(s.bytes, c, l).describe() == expected);
  });
}
