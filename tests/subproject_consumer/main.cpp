// Parses a small XMPP stream with xmpp-sansio used as a Meson subproject. Exits 0 only if the
// expected <message/> arrives.
#include <cstdio>
#include <string>
#include <string_view>

#include "xmpp/xml.hpp"

int main() {
  const std::string_view input =
      "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
      "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0'>"
      "<message to='juliet@example.com'><body>Wherefore art thou?</body></message>"
      "</stream:stream>";
  xmpp::xml::StreamParser parser;
  std::string_view rest = input;
  bool opened = false, got_message = false, closed = false;
  while (!rest.empty()) {
    const xmpp::xml::ParseResult r = parser.parse(rest);
    rest.remove_prefix(r.consumed);
    switch (r.event) {
      case xmpp::xml::ParseEvent::need_more:
        break;
      case xmpp::xml::ParseEvent::stream_open:
        opened = true;
        break;
      case xmpp::xml::ParseEvent::element: {
        const xmpp::xml::Element e = parser.element();
        got_message = e.is("message", "jabber:client") &&
                      e.attribute("to") == std::string_view("juliet@example.com") &&
                      e.child("body").text() == "Wherefore art thou?";
        break;
      }
      case xmpp::xml::ParseEvent::stream_close:
        closed = true;
        break;
      case xmpp::xml::ParseEvent::error:
        std::fprintf(stderr, "parse error: %.*s\n", static_cast<int>(parser.error().message.size()),
                     parser.error().message.data());
        return 1;
    }
  }
  if (!(opened && got_message && closed)) {
    std::fprintf(stderr, "unexpected events: opened=%d message=%d closed=%d\n", opened, got_message,
                 closed);
    return 1;
  }
  // The writer is reachable too.
  xmpp::xml::Arena arena;
  xmpp::xml::Builder b(arena, "presence", "jabber:client");
  std::string out;
  if (xmpp::xml::write(b.root(), out) != xmpp::xml::WriteStatus::ok || out.empty()) {
    std::fprintf(stderr, "write failed\n");
    return 1;
  }
  std::puts("ok");
  return 0;
}
