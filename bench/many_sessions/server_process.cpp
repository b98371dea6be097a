#include "server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sstream>

namespace xmpp::bench {

namespace {

// Reads the child's first line, waiting at most `ms` in total.
std::string read_line(int fd, int ms) {
  std::string line;
  char c = 0;
  while (line.find('\n') == std::string::npos) {
    pollfd ready{fd, POLLIN, 0};
    if (::poll(&ready, 1, ms) <= 0) break;
    const ssize_t n = ::read(fd, &c, 1);
    if (n <= 0) break;
    line.push_back(c);
  }
  return line;
}

}  // namespace

bool ServerProcess::start(const std::string& executable, const std::vector<std::string>& args,
                          std::string* error) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    *error = std::string("pipe: ") + std::strerror(errno);
    return false;
  }
  std::vector<std::string> argv_strings{executable};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings)
    argv.push_back(s.data());
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid_ == 0) {
    // A client that crashes (libstrophe past FD_SETSIZE aborts) must not leave the server behind.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::dup2(out[1], STDOUT_FILENO);
    ::execv(executable.c_str(), argv.data());
    std::fprintf(stderr, "exec %s: %s\n", executable.c_str(), std::strerror(errno));
    ::_exit(127);
  }
  ::close(out[1]);
  const std::string line = read_line(out[0], 10'000);
  ::close(out[0]);
  std::istringstream words(line);
  std::string word;
  words >> word;
  std::uint16_t port = 0;
  while (words >> port)
    ports_.push_back(port);
  if (word != "ports" || ports_.empty()) {
    *error = "the server did not report its ports (said: '" + line + "')";
    stop();
    return false;
  }
  return true;
}

void ServerProcess::stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string sibling_executable(const std::string& name) {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) return name;
  std::string self(path, static_cast<std::size_t>(n));
  return self.substr(0, self.rfind('/') + 1) + name;
}

}  // namespace xmpp::bench
