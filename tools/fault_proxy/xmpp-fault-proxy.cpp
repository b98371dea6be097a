// xmpp-fault-proxy: a TCP proxy that breaks connections on command, to see how a client copes
// with a lost link.
//
//     xmpp-fault-proxy LISTEN_PORT UPSTREAM_HOST:PORT
//
// Listens on 127.0.0.1:LISTEN_PORT (0: any free port) and forwards every connection to
// UPSTREAM_HOST:PORT (IPv4). The first line written to stdout is the port it listens on. Then
// it reads commands from stdin, one per line, and answers each with one line:
//
//   cut                   reset every connection (RST to both sides)
//   blackhole on|off      stall every connection, holding the bytes / let them through again
//   refuse on|off         reset new connections at once / accept them again
//   cut-after up|down N   cut every connection once N more bytes went client->server (up)
//                         or server->client (down)
//   stats                 connections=N accepted=N refused=N up=BYTES down=BYTES
//   quit                  (or the end of stdin) stop
//
// Exit status: 0 after quit or the end of input, 1 when the proxy cannot start, 2 on a usage
// error.

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>

#include "fault_proxy.hpp"

namespace {

constexpr std::string_view kUsage =
    "usage: xmpp-fault-proxy LISTEN_PORT UPSTREAM_HOST:PORT\n"
    "\n"
    "Forwards connections to 127.0.0.1:LISTEN_PORT (0: any free port; the port is printed\n"
    "on the first line) to UPSTREAM_HOST:PORT. Commands on stdin, one per line:\n"
    "  cut                   reset every connection (RST to both sides)\n"
    "  blackhole on|off      stall every connection, holding the bytes / resume\n"
    "  refuse on|off         reset new connections at once / accept them again\n"
    "  cut-after up|down N   cut every connection after N more bytes client->server (up)\n"
    "                        or server->client (down)\n"
    "  stats                 print counters\n"
    "  quit                  stop (so does the end of input)\n";

template <typename T>
bool parse_number(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size() && !text.empty();
}

bool parse_switch(const std::string& word, bool& on) {
  if (word == "on") {
    on = true;
  } else if (word == "off") {
    on = false;
  } else {
    return false;
  }
  return true;
}

// Carries out one command line; returns the answer, empty for quit.
std::string execute(xmpp::tools::FaultProxy& proxy, const std::string& line) {
  using xmpp::tools::Direction;
  std::istringstream words(line);
  std::string command, argument, extra;
  words >> command >> argument;
  bool on = false;
  if (command == "cut" && argument.empty()) {
    proxy.cut_all();
  } else if (command == "blackhole" && parse_switch(argument, on)) {
    proxy.blackhole(on);
  } else if (command == "refuse" && parse_switch(argument, on)) {
    proxy.refuse(on);
  } else if (command == "cut-after" && (argument == "up" || argument == "down")) {
    std::uint64_t bytes = 0;
    if (!(words >> extra) || !parse_number(extra, bytes)) return "error: cut-after up|down N";
    proxy.cut_after_bytes(
        argument == "up" ? Direction::client_to_upstream : Direction::upstream_to_client, bytes);
  } else if (command == "stats" && argument.empty()) {
    return "connections=" + std::to_string(proxy.connections()) +
           " accepted=" + std::to_string(proxy.accepted()) +
           " refused=" + std::to_string(proxy.refused()) +
           " up=" + std::to_string(proxy.bytes_forwarded(Direction::client_to_upstream)) +
           " down=" + std::to_string(proxy.bytes_forwarded(Direction::upstream_to_client));
  } else if (command == "quit" && argument.empty()) {
    return {};
  } else {
    return "error: unknown command '" + line + "' (cut, blackhole on|off, refuse on|off, " +
           "cut-after up|down N, stats, quit)";
  }
  return "ok";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--help") {
    std::cout << kUsage;
    return 0;
  }
  std::uint16_t listen_port = 0, upstream_port = 0;
  const std::string_view upstream = argc == 3 ? argv[2] : "";
  const auto colon = upstream.rfind(':');
  if (argc != 3 || !parse_number(std::string_view(argv[1]), listen_port) ||
      colon == std::string_view::npos || colon == 0 ||
      !parse_number(upstream.substr(colon + 1), upstream_port) || upstream_port == 0) {
    std::cerr << kUsage;
    return 2;
  }
  try {
    xmpp::tools::FaultProxy proxy(std::string(upstream.substr(0, colon)), upstream_port,
                                  listen_port);
    // Flushed at once: a script reads the port while the proxy keeps running.
    std::cout << proxy.port() << std::endl;
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line.empty()) continue;
      const std::string answer = execute(proxy, line);
      if (answer.empty()) break;
      std::cout << answer << std::endl;
    }
  } catch (const std::exception& e) {
    std::cerr << "xmpp-fault-proxy: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
