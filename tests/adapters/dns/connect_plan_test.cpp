// What an SRV result means for connecting: srv_result(), connect_plan(), srv_name().
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {
namespace {

RandomUpTo first_always() {
  return [](std::uint32_t) -> std::uint32_t { return 0; };
}

TEST_CASE("srv_name: the client and direct-TLS services (RFC 6120 §3.2.1, XEP-0368)") {
  CHECK(srv_name("example.com", false) == "_xmpp-client._tcp.example.com");
  CHECK(srv_name("example.com", true) == "_xmpps-client._tcp.example.com");
  CHECK(srv_name("a.b.example", false) == "_xmpp-client._tcp.a.b.example");
}

TEST_CASE("to_string(SrvOutcome)") {
  CHECK(to_string(SrvOutcome::found) == "found");
  CHECK(to_string(SrvOutcome::no_records) == "no_records");
  CHECK(to_string(SrvOutcome::not_offered) == "not_offered");
  CHECK(to_string(SrvOutcome::failed) == "failed");
}

TEST_CASE("srv_result: none, '.', '.' among others, ordered records") {
  CHECK(srv_result({}, first_always()).outcome == SrvOutcome::no_records);

  // c-ares expands the root name to ""; other resolvers print ".".
  for (const char* root : {"", "."}) {
    CAPTURE(root);
    const SrvResult r = srv_result({SrvRecord{0, 0, 0, root}}, first_always());
    CHECK(r.outcome == SrvOutcome::not_offered);
    CHECK(r.records.empty());
  }

  const SrvResult mixed = srv_result(
      {SrvRecord{0, 0, 0, "."}, SrvRecord{5, 0, 5269, "xmpp.example.com."}}, first_always());
  CHECK(mixed.outcome == SrvOutcome::found);
  CHECK(mixed.records == std::vector<SrvRecord>{SrvRecord{5, 0, 5269, "xmpp.example.com"}});

  const SrvResult ordered =
      srv_result({SrvRecord{20, 0, 1, "b"}, SrvRecord{10, 0, 2, "a"}}, first_always());
  CHECK(ordered.outcome == SrvOutcome::found);
  CHECK(ordered.records ==
        std::vector<SrvRecord>{SrvRecord{10, 0, 2, "a"}, SrvRecord{20, 0, 1, "b"}});
}

TEST_CASE("connect_plan: records, fallback to the domain, nothing when not offered") {
  SrvResult found;
  found.outcome = SrvOutcome::found;
  found.records = {SrvRecord{10, 5, 5269, "one.example.com"},
                   SrvRecord{20, 0, 443, "two.example.com"}};
  CHECK(connect_plan(found, "example.com", kClientPort) ==
        std::vector<HostPort>{{"one.example.com", 5269}, {"two.example.com", 443}});

  SrvResult none;
  none.outcome = SrvOutcome::no_records;
  CHECK(connect_plan(none, "example.com", kClientPort) ==
        std::vector<HostPort>{{"example.com", 5222}});
  CHECK(connect_plan(none, "example.com", kDirectTlsPort) ==
        std::vector<HostPort>{{"example.com", 5223}});

  SrvResult failed;
  failed.outcome = SrvOutcome::failed;
  failed.error = "Server failure";
  CHECK(connect_plan(failed, "example.com", kClientPort) ==
        std::vector<HostPort>{{"example.com", 5222}});

  SrvResult found_but_empty;
  found_but_empty.outcome = SrvOutcome::found;
  CHECK(connect_plan(found_but_empty, "example.com", kClientPort) ==
        std::vector<HostPort>{{"example.com", 5222}});

  SrvResult not_offered;
  not_offered.outcome = SrvOutcome::not_offered;
  CHECK(connect_plan(not_offered, "example.com", kClientPort).empty());
}

SrvResult outcome(SrvOutcome o, std::vector<SrvRecord> records = {}) {
  SrvResult result;
  result.outcome = o;
  result.records = std::move(records);
  return result;
}

TEST_CASE("mixed_connect_plan: both services' records as one RFC 2782 set (XEP-0368 §2)") {
  const SrvResult starttls = outcome(
      SrvOutcome::found,
      {SrvRecord{10, 0, 5222, "xmpp.example.com"}, SrvRecord{30, 0, 5222, "backup.example.com"}});
  const SrvResult direct = outcome(SrvOutcome::found, {SrvRecord{20, 0, 443, "tls.example.com"}});
  // Priorities interleave across the services; each target keeps how its service connects.
  CHECK(mixed_connect_plan(starttls, direct, "example.com", first_always()) ==
        std::vector<Candidate>{{{"xmpp.example.com", 5222}, false},
                               {{"tls.example.com", 443}, true},
                               {{"backup.example.com", 5222}, false}});

  // Equal priority: the weights of both services are mixed. With weights 1 (STARTTLS) and 3
  // (direct TLS) the running sums are 1 and 4: a draw of 2 picks the direct-TLS record first.
  const SrvResult weighted_starttls =
      outcome(SrvOutcome::found, {SrvRecord{10, 1, 5222, "a.example.com"}});
  const SrvResult weighted_direct =
      outcome(SrvOutcome::found, {SrvRecord{10, 3, 5223, "b.example.com"}});
  std::vector<std::uint32_t> bounds;
  const RandomUpTo draw_two = [&](std::uint32_t bound) -> std::uint32_t {
    bounds.push_back(bound);
    return 2;
  };
  CHECK(mixed_connect_plan(weighted_starttls, weighted_direct, "example.com", draw_two) ==
        std::vector<Candidate>{{{"b.example.com", 5223}, true}, {{"a.example.com", 5222}, false}});
  CHECK(bounds == std::vector<std::uint32_t>{4});
}

TEST_CASE("mixed_connect_plan: '.', no records, failures") {
  const SrvResult starttls =
      outcome(SrvOutcome::found, {SrvRecord{10, 0, 5222, "xmpp.example.com"}});
  const SrvResult direct = outcome(SrvOutcome::found, {SrvRecord{10, 0, 5223, "tls.example.com"}});
  const SrvResult none = outcome(SrvOutcome::no_records);
  const SrvResult failed = outcome(SrvOutcome::failed);
  const SrvResult dot = outcome(SrvOutcome::not_offered);

  // One service only.
  CHECK(mixed_connect_plan(starttls, none, "example.com", first_always()) ==
        std::vector<Candidate>{{{"xmpp.example.com", 5222}, false}});
  CHECK(mixed_connect_plan(none, direct, "example.com", first_always()) ==
        std::vector<Candidate>{{{"tls.example.com", 5223}, true}});
  // XEP-0368 §5: "_xmpps-client" says "." — the "_xmpp-client" records alone.
  CHECK(mixed_connect_plan(starttls, dot, "example.com", first_always()) ==
        std::vector<Candidate>{{{"xmpp.example.com", 5222}, false}});
  // ... and with none of those either, no A/AAAA fallback.
  CHECK(mixed_connect_plan(none, dot, "example.com", first_always()).empty());
  CHECK(mixed_connect_plan(failed, dot, "example.com", first_always()).empty());
  // "_xmpp-client" says ".": only direct TLS, if offered; never the fallback.
  CHECK(mixed_connect_plan(dot, direct, "example.com", first_always()) ==
        std::vector<Candidate>{{{"tls.example.com", 5223}, true}});
  CHECK(mixed_connect_plan(dot, none, "example.com", first_always()).empty());
  CHECK(mixed_connect_plan(dot, dot, "example.com", first_always()).empty());
  // No records anywhere (or failed lookups): the domain itself, STARTTLS (RFC 6120 §3.2.2).
  for (const auto& [a, b] : {std::pair{none, none}, std::pair{failed, none},
                             std::pair{none, failed}, std::pair{failed, failed}}) {
    CHECK(mixed_connect_plan(a, b, "example.com", first_always()) ==
          std::vector<Candidate>{{{"example.com", kClientPort}, false}});
  }
}

}  // namespace
}  // namespace xmpp::dns
