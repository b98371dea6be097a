#include "bench_args.hpp"

#include <chrono>
#include <cstdlib>
#include <sstream>

namespace xmpp::bench {

bool Args::parse(int argc, char** argv, const std::string& known, std::string* error) {
  const std::string names = " " + known + " ";
  for (int i = 1; i < argc; i += 2) {
    const std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || names.find(" " + name.substr(2) + " ") == std::string::npos) {
      *error = "unknown option " + name + " (known: " + known + ")";
      return false;
    }
    if (i + 1 >= argc) {
      *error = name + " needs a value";
      return false;
    }
    values_[name.substr(2)] = argv[i + 1];
  }
  return true;
}

std::uint64_t Args::number(const std::string& name, std::uint64_t fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : std::strtoull(it->second.c_str(), nullptr, 10);
}

double Args::real(const std::string& name, double fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : std::strtod(it->second.c_str(), nullptr);
}

std::string Args::text(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

double seconds_between(std::uint64_t from_us, std::uint64_t to_us) {
  return static_cast<double>(to_us - from_us) / 1e6;
}

std::uint64_t now_us() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace xmpp::bench
