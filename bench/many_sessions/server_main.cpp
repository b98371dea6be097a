// many-sessions-server: the XMPP server of the scale benchmark (see epoll_server.hpp). Started
// by many-sessions-bench and strophe-sessions-bench as a child process; prints
// "ports P1 P2 ..." on standard output, serves until SIGTERM, then prints its counts on standard
// error.
//
//   many-sessions-server [--ports K] [--fd-limit N]
//
// The configuration is the cheapest that still authenticates and runs XEP-0198: plaintext (no
// TLS: loopback only), SASL PLAIN, stream management with resumption, an <r/> from the server
// after every 5 stanzas it sends.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "epoll_server.hpp"
#include "process_stats.hpp"
#include "stanza_router.hpp"

namespace {

xmpp::testing::ServerConfig bench_server_config() {
  xmpp::testing::ServerConfig config;
  config.domain = "localhost";
  config.starttls = xmpp::testing::StartTlsOffer::none;
  config.mechanisms = {xmpp::sasl::Mechanism::plain};
  config.sm = true;
  config.sm_request_every = 5;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  int ports = 1;
  std::uint64_t fd_limit = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--ports") == 0) ports = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--fd-limit") == 0) fd_limit = std::strtoull(argv[i + 1], nullptr, 10);
  }
  if (fd_limit > 0) {
    if (const std::string problem = xmpp::bench::raise_fd_limit(fd_limit); !problem.empty()) {
      std::fprintf(stderr, "many-sessions-server: %s\n", problem.c_str());
    }
  }
  xmpp::bench::EpollServer server;
  std::string error;
  if (!server.open(ports < 1 ? 1 : ports, &error)) {
    std::fprintf(stderr, "many-sessions-server: %s\n", error.c_str());
    return 1;
  }
  std::printf("ports");
  for (const auto port : server.ports())
    std::printf(" %u", static_cast<unsigned>(port));
  std::printf("\n");
  std::fflush(stdout);
  xmpp::bench::StanzaRouter router(bench_server_config(), "alice", "s3cret");
  server.run(router);
  const auto& c = server.counts();
  const auto& r = router.counts();
  std::fprintf(
      stderr,
      "server: accepted %llu, closed %llu, max open %zu, accept errors %llu; routed %llu, "
      "undeliverable %llu, iq answered %llu, other %llu; accounts with XEP-0198 %zu\n",
      static_cast<unsigned long long>(c.accepted), static_cast<unsigned long long>(c.closed),
      c.max_open, static_cast<unsigned long long>(c.accept_errors),
      static_cast<unsigned long long>(r.routed), static_cast<unsigned long long>(r.undeliverable),
      static_cast<unsigned long long>(r.iq_answered), static_cast<unsigned long long>(r.other),
      router.sm_accounts());
  return 0;
}
