// Drives one xmpp::Component as an adapter would (drain everything after every call) and records
// what it wrote and reported, for transcript tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/component.hpp"

namespace xmpp::test {

/// XEP-0114 §3, Example 2: the server's answer, with the id the handshake is computed over.
inline constexpr std::string_view kServerComponentHeader =
    "<stream:stream xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:component:accept' from='plays.shakespeare.lit' id='3BF96D32'>";
/// What the component sends first, byte for byte (the writer is deterministic).
inline constexpr std::string_view kComponentStreamHeader =
    "<?xml version='1.0'?><stream:stream to='plays.shakespeare.lit' xml:lang='en' "
    "xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>";
/// XEP-0114 §3, Example 3. The XEP does not print the secret; "test" is the one that gives this
/// value: printf '%s' '3BF96D32test' | sha1sum → aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e.
inline constexpr std::string_view kTestSecret = "test";
inline constexpr std::string_view kHandshake =
    "<handshake>aaee83c26aeeafcbabeabfcbcd50df997e0a2a1e</handshake>";
inline constexpr std::string_view kHandshakeOk = "<handshake/>";
inline constexpr std::string_view kCloseTag = "</stream:stream>";

/// plays.shakespeare.lit with the secret "test"; keepalive off unless a test turns it on.
ComponentConfig component_config();

class ComponentHarness {
 public:
  explicit ComponentHarness(ComponentConfig config = component_config());

  Component component;
  TimePoint now{std::chrono::seconds(1000)};
  /// Everything the component wrote, in order (drained after every call).
  std::string written;
  std::vector<Event> events;

  void connect();
  ReceiveResult feed(std::string_view bytes);
  void advance(Duration d);  ///< moves the clock and calls handle_timeout()
  void drain();
  /// written since the last take, then forgets it.
  std::string take_written();

  /// connect → the server's header → the handshake → Online, checking every byte written.
  void handshake_to_online();

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

/// The parts concatenated.
std::string cat(std::initializer_list<std::string_view> parts);

}  // namespace xmpp::test
