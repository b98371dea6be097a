#include "command_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "conditions.hpp"
#include "emit.hpp"
#include "output.hpp"

namespace xmpp::chat {

CommandInput::CommandInput(Mode mode, std::string component_domain,
                           std::function<void(InputCommand)> on_command,
                           std::function<void()> on_end)
    : mode_(mode),
      domain_(std::move(component_domain)),
      on_command_(std::move(on_command)),
      on_end_(std::move(on_end)) {}

void CommandInput::on_readable() {
  if (ended_) return;
  char buffer[65536];
  const ssize_t n = ::read(STDIN_FILENO, buffer, sizeof buffer);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n > 0) {
    lines_.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    while (auto line = lines_.next())
      handle(*line);
    return;
  }
  while (auto line = lines_.next())
    handle(*line);
  if (auto last = lines_.finish()) handle(*last);
  ended_ = true;
  on_end_();
}

void CommandInput::handle(const LineSplitter::Line& line) {
  if (line.too_long) {
    emit(output::error(condition::too_long,
                       "input line longer than " + std::to_string(kMaxLineBytes) + " bytes"));
    return;
  }
  InputCommand command = parse_input_line(line.text, mode_, domain_);
  if (const auto* error = std::get_if<InputError>(&command)) {
    emit(output::error(error->condition, error->text));
    return;
  }
  if (std::holds_alternative<Nothing>(command)) return;
  on_command_(std::move(command));
}

namespace {
int signal_write_end = -1;

extern "C" void on_signal(int number) {
  const int saved = errno;
  const unsigned char byte = static_cast<unsigned char>(number);
  (void)!::write(signal_write_end, &byte, 1);
  errno = saved;
}
}  // namespace

int signal_descriptor() {
  std::signal(SIGPIPE, SIG_IGN);
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return -1;
  signal_write_end = fds[1];
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  return fds[0];
}

int take_signal(int fd) {
  unsigned char byte = 0;
  return ::read(fd, &byte, 1) == 1 ? byte : 0;
}

}  // namespace xmpp::chat
