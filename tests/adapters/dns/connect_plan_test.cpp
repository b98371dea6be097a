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

}  // namespace
}  // namespace xmpp::dns
