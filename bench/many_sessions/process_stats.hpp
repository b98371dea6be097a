// What the scale benchmark measures about a process: heap in use, resident memory, CPU time, and
// the descriptor limit it must raise. Linux only (/proc, getrusage, glibc's mallinfo2).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace xmpp::bench {

/// Bytes in use on this process's heap as glibc counts them (small chunks and mmap()ed ones),
/// so allocations by OpenSSL, libstrophe or libexpat are counted as well as operator new.
std::uint64_t heap_in_use();

/// Resident set size of process `pid` (0: this process), in bytes (VmRSS of /proc/PID/status);
/// 0 when it cannot be read.
std::uint64_t rss_bytes(pid_t pid = 0);

/// CPU time (user + system) this process used so far, in microseconds (getrusage).
std::uint64_t self_cpu_us();
/// The system (kernel) part of it: socket calls, connect()'s choice of an ephemeral port.
std::uint64_t self_system_cpu_us();

/// CPU time process `pid` used so far, in microseconds: /proc/PID/stat utime + stime (clock
/// ticks, usually 10 ms: measure over seconds). Its threads included. 0 when unreadable.
std::uint64_t process_cpu_us(pid_t pid);

/// Raises RLIMIT_NOFILE's soft limit to at least `needed` descriptors. Returns "" when it is
/// high enough now, else why not (the hard limit, which only CAP_SYS_RESOURCE may raise).
std::string raise_fd_limit(std::uint64_t needed);

/// The current soft and hard limits, "soft/hard".
std::string fd_limits();

}  // namespace xmpp::bench
