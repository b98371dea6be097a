#include "stanza_test_util.hpp"

#include <doctest/doctest.h>

#include "xmpp/xml/writer.hpp"

namespace xmpp::test {

std::string serialised(xml::Element e, std::string_view header) {
  OpenStream stream(header);
  std::string out;
  REQUIRE(xml::write(e, out, xml::WriteScope::of_stream_header(stream.parser.header())) ==
          xml::WriteStatus::ok);
  return out;
}

}  // namespace xmpp::test
