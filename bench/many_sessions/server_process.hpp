// The benchmark's XMPP server as a child process (many-sessions-server): its CPU time and memory
// are then its own, measured from outside through /proc, apart from the client's.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace xmpp::bench {

class ServerProcess {
 public:
  /// Starts `executable` with `args` and waits (at most 10 s) for its first line on standard
  /// output, "ports P1 P2 ...": the loopback ports it listens on. False with `error` set when it
  /// did not start or said nothing.
  bool start(const std::string& executable, const std::vector<std::string>& args,
             std::string* error);
  /// SIGTERM, then waits for it (the server prints its own counts on standard error).
  void stop();
  ~ServerProcess() { stop(); }

  pid_t pid() const noexcept { return pid_; }
  const std::vector<std::uint16_t>& ports() const noexcept { return ports_; }

 private:
  pid_t pid_ = -1;
  std::vector<std::uint16_t> ports_;
};

/// The server executable next to the running one (both are built into bench/).
std::string sibling_executable(const std::string& name);

}  // namespace xmpp::bench
