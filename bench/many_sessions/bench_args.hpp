// Command-line options shared by the scale benchmark's clients: "--name value" pairs.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace xmpp::bench {

class Args {
 public:
  /// Reads "--name value" pairs; false (with `error`) for anything else or a name not in
  /// `known` (a space-separated list).
  bool parse(int argc, char** argv, const std::string& known, std::string* error);
  std::uint64_t number(const std::string& name, std::uint64_t fallback) const;
  double real(const std::string& name, double fallback) const;
  std::string text(const std::string& name, const std::string& fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

/// Microseconds between two steady_clock readings, as seconds.
double seconds_between(std::uint64_t from_us, std::uint64_t to_us);

/// steady_clock now, in microseconds.
std::uint64_t now_us();

}  // namespace xmpp::bench
