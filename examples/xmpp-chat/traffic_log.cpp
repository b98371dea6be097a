#include "traffic_log.hpp"

#include <cerrno>
#include <cstring>

namespace xmpp::chat {

TrafficLog::~TrafficLog() {
  if (file_ != nullptr) std::fclose(file_);
}

bool TrafficLog::open(const std::string& path, std::string& error) {
  file_ = std::fopen(path.c_str(), "ab");
  if (file_ == nullptr) {
    error = "--traffic-log " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void TrafficLog::write(TrafficDirection direction, std::string_view bytes) {
  if (file_ == nullptr) return;
  std::fprintf(file_, "-- %s %zu\n", direction == TrafficDirection::sent ? "sent" : "received",
               bytes.size());
  std::fwrite(bytes.data(), 1, bytes.size(), file_);
  std::fputc('\n', file_);
  std::fflush(file_);
}

}  // namespace xmpp::chat
