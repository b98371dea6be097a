// A tiny DNS responder for the resolver's tests: UDP on 127.0.0.1 (an ephemeral port), its own
// thread, and a fixed zone. Test code only: it reads the question of a query (RFC 1035 §4.1)
// and writes answers by hand, which the library itself never does (c-ares parses for it).
//
// The zone:
//   _xmpp-client._tcp.example.test   SRV 10 0 5269 xmpp2.example.test.
//                                    SRV 10 5 5222 xmpp1.example.test.   (in this order)
//   _xmpps-client._tcp.example.test  SRV 0 0 5223 xmpp1.example.test.
//   _xmpp-client._tcp.none.test      SRV 0 0 0 .                (the service is not offered)
//   _xmpp-client._tcp.empty.test     NOERROR without answers
//   _xmpp-client._tcp.broken.test    SERVFAIL
//   _xmpp-client._tcp.garbage.test   an SRV record whose data is cut short
//   fuzz.test (any type)             the question, then random bytes (seeded per query)
//   *.silent.test, silent.test       never answered
//   xmpp1.example.test               A 192.0.2.1, AAAA 2001:db8::1
//   xmpp2.example.test               A 192.0.2.2 (AAAA: NOERROR without answers)
//   anything else                    NXDOMAIN
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace xmpp::dns::test {

class FakeDnsServer {
 public:
  FakeDnsServer();
  ~FakeDnsServer();
  FakeDnsServer(const FakeDnsServer&) = delete;
  FakeDnsServer& operator=(const FakeDnsServer&) = delete;

  /// "127.0.0.1:PORT", for ResolverOptions::servers.
  std::string address() const;
  /// The questions received so far, as "name TYPE" (TYPE: A, AAAA, SRV or the number).
  std::vector<std::string> questions() const;

 private:
  void serve();
  std::vector<std::uint8_t> answer(const std::vector<std::uint8_t>& query);

  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::vector<std::string> questions_;
  std::uint32_t fuzz_seed_ = 1;
  std::thread thread_;
};

}  // namespace xmpp::dns::test
