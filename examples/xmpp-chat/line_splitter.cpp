#include "line_splitter.hpp"

#include <utility>

namespace xmpp::chat {

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    const std::size_t newline = bytes.find('\n');
    const std::string_view part = bytes.substr(0, newline);
    if (!dropping_) {
      if (partial_.size() + part.size() > max_) {
        dropping_ = true;
        partial_ = std::string();  // give the memory back, not just the size
      } else {
        partial_.append(part);
      }
    }
    if (newline == std::string_view::npos) return;
    ready_.push_back(dropping_ ? Line{{}, true} : Line{std::move(partial_), false});
    partial_.clear();
    dropping_ = false;
    bytes.remove_prefix(newline + 1);
  }
}

std::optional<LineSplitter::Line> LineSplitter::next() {
  if (ready_.empty()) return std::nullopt;
  Line line = std::move(ready_.front());
  ready_.pop_front();
  return line;
}

std::optional<LineSplitter::Line> LineSplitter::finish() {
  std::optional<Line> last;
  if (dropping_) {
    last = Line{{}, true};
  } else if (!partial_.empty()) {
    last = Line{std::move(partial_), false};
  }
  partial_.clear();
  dropping_ = false;
  return last;
}

}  // namespace xmpp::chat
