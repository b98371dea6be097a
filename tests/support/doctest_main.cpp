// The doctest runner shared by every test executable.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <stdlib.h>  // setenv (POSIX)

int main(int argc, char** argv) {
  // rapidcheck reads RC_PARAMS when a property first runs. Without one, run 1000 cases per
  // property rather than rapidcheck's default 100; RC_PARAMS set by the caller is used as is.
  if (getenv("RC_PARAMS") == nullptr) setenv("RC_PARAMS", "max_success=1000", 0);
  return doctest::Context(argc, argv).run();
}
