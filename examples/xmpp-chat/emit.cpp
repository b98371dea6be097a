#include "emit.hpp"

#include <cstdio>

namespace xmpp::chat {

namespace {
bool lost = false;
}

bool emit(std::string_view line) {
  if (lost) return false;
  if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() ||
      std::fputc('\n', stdout) == EOF || std::fflush(stdout) != 0) {
    lost = true;
  }
  return !lost;
}

bool output_lost() noexcept {
  return lost;
}

}  // namespace xmpp::chat
