// Standard input of xmpp-chat, and the signals that end it: read without blocking the adapter's
// loop, split into lines, parsed into commands.
#pragma once

#include <functional>

#include "input.hpp"
#include "line_splitter.hpp"

namespace xmpp::chat {

/// Reads standard input when the loop says it is readable and hands each parsed line to
/// `on_command`; `on_end` once at end of input. Input errors are reported on standard output as
/// "error" events and the tool carries on (a script's typo must not kill the session).
class CommandInput {
 public:
  CommandInput(Mode mode, std::string component_domain,
               std::function<void(InputCommand)> on_command, std::function<void()> on_end);

  /// Reads what is available from fd 0 (one read()).
  void on_readable();
  bool ended() const noexcept { return ended_; }

 private:
  void handle(const LineSplitter::Line& line);

  Mode mode_;
  std::string domain_;
  std::function<void(InputCommand)> on_command_;
  std::function<void()> on_end_;
  LineSplitter lines_{kMaxLineBytes};
  bool ended_ = false;
};

/// Makes SIGINT and SIGTERM readable on the returned descriptor (a self-pipe) instead of killing
/// the process, and ignores SIGPIPE. Returns -1 when the pipe cannot be made.
int signal_descriptor();
/// The signal that made signal_descriptor() readable (0 when none).
int take_signal(int fd);

}  // namespace xmpp::chat
