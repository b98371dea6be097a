// --sm-state FILE: the XEP-0198 session saved across restarts of xmpp-chat, so that a killed
// and restarted tool resumes instead of starting over (Client::save_stream_management()).
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace xmpp::chat {

struct SavedState {
  std::string bytes;
  /// How long ago it was written (the file's modification time), for the restore's downtime.
  std::chrono::milliseconds age{0};
};

/// The saved state, or nothing when the file does not exist (or cannot be read: `error`).
std::optional<SavedState> load_state(const std::string& path, std::string& error);
/// Writes `bytes` atomically (a temporary file renamed over `path`), so a crash never leaves a
/// torn state. False (and `error`) on failure.
bool store_state(const std::string& path, const std::string& bytes, std::string& error);
/// Removes the file (nothing left to resume).
void remove_state(const std::string& path);

}  // namespace xmpp::chat
