// Glue between rapidcheck and doctest: a failing property fails the doctest case.
//
// The number of cases and the seed come from the RC_PARAMS environment variable as usual, e.g.
//   RC_PARAMS="max_success=1000" meson test -C build xml_property_chunking_tests
//   RC_PARAMS="reproduce=..." ./build/tests/xml_property_chunking_tests   (string printed on
//   failure)
#pragma once

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <string>
#include <utility>

namespace xmpp::test {

/// Runs `property` with rc::check and requires that it held for every generated case.
template <class Property>
void check_property(const std::string& name, Property&& property) {
  const bool held = rc::check(name, std::forward<Property>(property));
  REQUIRE_MESSAGE(held, "rapidcheck property failed: " << name
                                                       << " (counterexample and reproduce string "
                                                          "on stderr above)");
}

}  // namespace xmpp::test
