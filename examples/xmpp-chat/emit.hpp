// Standard output of xmpp-chat: one JSON object a line, flushed at once so that a script
// reading a pipe sees each event as it happens.
#pragma once

#include <string_view>

namespace xmpp::chat {

/// Writes `line` and a newline to standard output and flushes. Returns false when standard
/// output is gone (the reader exited): the tool then ends.
bool emit(std::string_view line);

/// Whether an emit() failed.
bool output_lost() noexcept;

}  // namespace xmpp::chat
