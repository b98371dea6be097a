#include "sm_state_file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace xmpp::chat {

namespace {
/// The saved state of the engine is small (its queue is bounded by the SM limits); refuse
/// anything much larger than the default queue rather than read an arbitrary file into memory.
constexpr std::size_t kMaxStateBytes = 8 * 1024 * 1024;
}  // namespace

std::optional<SavedState> load_state(const std::string& path, std::string& error) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) error = "--sm-state " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  if (static_cast<std::size_t>(info.st_size) > kMaxStateBytes) {
    error = "--sm-state " + path + ": larger than any saved state";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "--sm-state " + path + ": cannot be read";
    return std::nullopt;
  }
  std::ostringstream content;
  content << in.rdbuf();
  SavedState saved;
  saved.bytes = content.str();
  const auto modified = std::chrono::system_clock::from_time_t(info.st_mtim.tv_sec) +
                        std::chrono::nanoseconds(info.st_mtim.tv_nsec);
  const auto age = std::chrono::system_clock::now() - modified;
  saved.age = std::max(std::chrono::milliseconds(0),
                       std::chrono::duration_cast<std::chrono::milliseconds>(age));
  return saved;
}

bool store_state(const std::string& path, const std::string& bytes, std::string& error) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      error = "--sm-state " + temporary + ": cannot be written";
      return false;
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = "--sm-state " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

void remove_state(const std::string& path) {
  (void)::unlink(path.c_str());
}

}  // namespace xmpp::chat
