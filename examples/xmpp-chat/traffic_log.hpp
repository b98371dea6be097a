// --traffic-log FILE: every byte exchanged with the server after TLS, for an XML console.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "xmpp/session_hooks.hpp"

namespace xmpp::chat {

/// Appends each chunk as a header line "-- sent N" or "-- received N" (N bytes), the bytes
/// themselves, and a newline: exact bytes, easy to split again by the counts.
class TrafficLog {
 public:
  TrafficLog() = default;
  ~TrafficLog();
  TrafficLog(const TrafficLog&) = delete;
  TrafficLog& operator=(const TrafficLog&) = delete;

  /// Opens `path` for appending; false (and `error`) when it cannot.
  bool open(const std::string& path, std::string& error);
  void write(TrafficDirection direction, std::string_view bytes);

 private:
  std::FILE* file_ = nullptr;
};

}  // namespace xmpp::chat
