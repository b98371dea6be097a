// Helpers of the stanza tests: stanzas parsed from text with the library's own parser, and
// serialised the way a stream would carry them.
#pragma once

#include <string>
#include <string_view>

#include "stream_test_util.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::test {

/// `e` serialised inside a stream whose header is `header` (REQUIREs that the writer accepts it).
std::string serialised(xml::Element e, std::string_view header = kClientHeader);

}  // namespace xmpp::test
