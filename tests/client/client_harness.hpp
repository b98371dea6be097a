// Drives one xmpp::Client as an adapter would (drain everything after every call) and records
// what it wrote and reported, for transcript tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/client.hpp"

namespace xmpp::test {

inline constexpr std::string_view kServerHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' id='s1' from='example.com' version='1.0' "
    "xml:lang='en'>";
inline constexpr std::string_view kStartTlsFeatures =
    "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
    "</stream:features>";
inline constexpr std::string_view kPlainFeatures =
    "<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>"
    "<mechanism>PLAIN</mechanism></mechanisms></stream:features>";
inline constexpr std::string_view kBindFeatures =
    "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>";
inline constexpr std::string_view kProceed = "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
inline constexpr std::string_view kSuccess = "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>";

/// What the client sends, byte for byte (the writer is deterministic).
inline constexpr std::string_view kClientHeaderClear =
    "<?xml version='1.0'?><stream:stream to='example.com' version='1.0' xml:lang='en' "
    "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
inline constexpr std::string_view kClientHeaderTls =
    "<?xml version='1.0'?><stream:stream from='alice@example.com' to='example.com' "
    "version='1.0' xml:lang='en' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams'>";
inline constexpr std::string_view kStartTls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
/// PLAIN for alice / s3cret: base64("\0alice\0s3cret").
inline constexpr std::string_view kPlainAuth =
    "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGFsaWNlAHMzY3JldA==</auth>";

/// Entropy that hands out 0, 1, 2, ... (so the first request id is "000102030405").
sasl::Entropy sequence_entropy(std::uint8_t first = 0);

/// alice@example.com, password s3cret, PLAIN allowed after SCRAM, resource "sansio",
/// keepalive off unless a test turns it on.
ClientConfig test_config(TlsPolicy tls = TlsPolicy::required);

/// TLS 1.3 with a verified certificate and made-up channel-binding data.
TlsInfo test_tls_info();

class Harness {
 public:
  explicit Harness(ClientConfig config);

  Client client;
  TimePoint now{std::chrono::seconds(1000)};
  /// Everything the client wrote, in order (drained after every call).
  std::string written;
  std::vector<Event> events;

  void connect();
  ReceiveResult feed(std::string_view bytes);
  void tls();
  void advance(Duration d);  ///< moves the clock and calls handle_timeout()
  void drain();
  /// written since the last take, then forgets it.
  std::string take_written();

  /// Runs connect → STARTTLS → PLAIN → bind with the canned server bytes up to Online.
  void negotiate_to_online();

  template <class T>
  const T* find() const {
    for (const auto& e : events)
      if (const T* p = std::get_if<T>(&e)) return p;
    return nullptr;
  }
  template <class T>
  std::size_t count() const {
    std::size_t n = 0;
    for (const auto& e : events)
      n += std::holds_alternative<T>(e) ? 1 : 0;
    return n;
  }
  /// The Closed event's reason; nullopt when there is none.
  std::optional<CloseReason> closed_reason() const;
  /// The condition of the StreamErrorSent event; nullopt when there is none.
  std::optional<StreamErrorCondition> error_sent() const;

 private:
  std::size_t taken_ = 0;
};

/// The bind result for request id `id` giving `jid`.
std::string bind_result(std::string_view id, std::string_view jid);

}  // namespace xmpp::test
