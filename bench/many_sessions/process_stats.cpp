#include "process_stats.hpp"

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace xmpp::bench {

namespace {

std::string proc_path(pid_t pid, const char* file) {
  return pid == 0 ? std::string("/proc/self/") + file : "/proc/" + std::to_string(pid) + "/" + file;
}

std::uint64_t to_us(const timeval& t) {
  return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000u + static_cast<std::uint64_t>(t.tv_usec);
}

}  // namespace

std::uint64_t heap_in_use() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

std::uint64_t rss_bytes(pid_t pid) {
  std::ifstream status(proc_path(pid, "status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::uint64_t kib = 0;
    fields >> kib;
    return kib * 1024;
  }
  return 0;
}

std::uint64_t self_cpu_us() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return to_us(usage.ru_utime) + to_us(usage.ru_stime);
}

std::uint64_t self_system_cpu_us() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return to_us(usage.ru_stime);
}

std::uint64_t process_cpu_us(pid_t pid) {
  std::ifstream stat(proc_path(pid, "stat"));
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // The command name (field 2) may hold spaces: the fields after it start past the last ')'.
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string skip;
  // State is field 3; utime and stime are fields 14 and 15 (proc(5)).
  for (int field = 3; field < 14; ++field)
    fields >> skip;
  std::uint64_t utime = 0;
  std::uint64_t stime = 0;
  fields >> utime >> stime;
  const long ticks = ::sysconf(_SC_CLK_TCK);
  return ticks > 0 ? (utime + stime) * 1'000'000u / static_cast<std::uint64_t>(ticks) : 0;
}

std::string raise_fd_limit(std::uint64_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return std::strerror(errno);
  if (limit.rlim_cur >= needed) return {};
  if (limit.rlim_max < needed) {
    // Only CAP_SYS_RESOURCE may raise the hard limit; try, and say so when it is refused.
    rlimit wanted{needed, needed};
    if (::setrlimit(RLIMIT_NOFILE, &wanted) == 0) return {};
    return "RLIMIT_NOFILE hard limit " + std::to_string(limit.rlim_max) + " < " +
           std::to_string(needed) + " needed, and raising it failed: " + std::strerror(errno);
  }
  limit.rlim_cur = needed;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) return std::strerror(errno);
  return {};
}

std::string fd_limits() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return "?";
  return std::to_string(limit.rlim_cur) + "/" + std::to_string(limit.rlim_max);
}

}  // namespace xmpp::bench
