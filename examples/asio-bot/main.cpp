// xmpp-asio-bot: an echo bot on the Asio adapter, written as C++20 coroutines.
//
//     XMPP_PASSWORD=... xmpp-asio-bot bot@example.com [--server host:port] [--ca-file FILE]
//                                                     [--insecure]
//
// It waits until it is online, pings its server (XEP-0199) through async_send_iq and prints the
// round trip, then answers every chat message with the same body (a Router route, run on the
// Client's strand), reconnecting and resuming by itself, until SIGINT or SIGTERM closes the
// session gracefully.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>

#include "xmpp/adapters/asio.hpp"
#include "xmpp/stanza/message.hpp"
#include "xmpp/xml/builder.hpp"

namespace {

struct Arguments {
  std::string jid;
  std::string server;
  xmpp::asio_adapter::Options options;
};

std::optional<Arguments> parse(int argc, char** argv) {
  Arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--server" && i + 1 < argc) {
      args.server = argv[++i];
    } else if (arg == "--ca-file" && i + 1 < argc) {
      args.options.tls.ca_file = argv[++i];
    } else if (arg == "--insecure") {
      args.options.tls.insecure = true;
    } else if (args.jid.empty() && !arg.starts_with("-")) {
      args.jid = arg;
    } else {
      return std::nullopt;
    }
  }
  if (args.jid.empty()) return std::nullopt;
  return args;
}

/// Answers a chat message with its own body, from the Client's strand (a route handler runs
/// like a hook: it may send).
void echo(xmpp::Session& session, xmpp::xml::Element element) {
  const auto message = xmpp::stanza::Message::view(element);
  if (!message || !message->has_from()) return;
  const auto body = message->body();
  if (!body || body->empty()) return;
  xmpp::xml::Arena arena;
  xmpp::stanza::MessageBuilder reply(arena);
  reply.to(message->from()).type(xmpp::stanza::MessageType::chat).body(*body);
  session.send(reply.element());
}

/// Once online: a XEP-0199 ping to the server, timed.
asio::awaitable<void> greet(xmpp::asio_adapter::Client& bot) {
  try {
    co_await bot.async_wait_online(asio::use_awaitable);
    xmpp::xml::Arena arena;
    xmpp::xml::Builder ping(arena, "iq", "jabber:client");
    ping.attribute("type", "get").start("ping", "urn:xmpp:ping").end();
    const auto sent = std::chrono::steady_clock::now();
    const xmpp::asio_adapter::IqReply reply =
        co_await bot.async_send_iq(ping.root(), asio::use_awaitable);
    const auto rtt = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - sent);
    std::cout << "online; server ping " << xmpp::to_string(reply.outcome) << " in " << rtt.count()
              << " ms\n";
  } catch (const std::system_error& e) {
    // The session stopped first, or the ping failed: async_run reports the end.
    std::cout << "no ping: " << e.code().message() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Arguments> args = parse(argc, argv);
  const char* password = std::getenv("XMPP_PASSWORD");
  if (!args || password == nullptr) {
    std::cerr << "usage: XMPP_PASSWORD=... " << argv[0]
              << " JID [--server host:port] [--ca-file FILE] [--insecure]\n";
    return 2;
  }
  const auto jid = xmpp::Jid::parse(args->jid);
  if (!jid) {
    std::cerr << "not a JID: " << args->jid << "\n";
    return 2;
  }
  xmpp::ClientConfig client(*jid);
  client.credentials.password = password;
  xmpp::SessionConfig config(std::move(client));
  config.server = args->server;

  asio::io_context io;
  xmpp::SessionHooks hooks;
  hooks.on_closed = [](xmpp::Session&, const xmpp::event::Closed& closed) {
    std::cout << "connection closed: " << xmpp::to_string(closed.reason) << "\n";
  };
  xmpp::asio_adapter::Client bot(io.get_executor(), std::move(config), std::move(hooks),
                                 args->options);
  bot.post([](xmpp::Session& session) {
    session.router().add(xmpp::Route().kind(xmpp::stanza::Kind::message).type("chat"), echo);
  });
  std::string error;
  if (!bot.start(&error)) {
    std::cerr << "cannot start: " << error << "\n";
    return 1;
  }

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&bot](const std::error_code& ec, int) {
    if (!ec) bot.close();  // the closing handshake; async_run completes when it is done
  });
  int status = 0;
  asio::co_spawn(io, greet(bot), asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        const xmpp::StopReason reason = co_await bot.async_run(asio::use_awaitable);
        std::cout << "stopped: " << xmpp::to_string(reason) << "\n";
        if (reason != xmpp::StopReason::application) status = 1;
        signals.cancel();  // nothing else keeps io.run() going
      },
      asio::detached);
  io.run();
  if (!bot.last_transport_error().empty()) {
    std::cerr << "last transport error: " << bot.last_transport_error() << "\n";
  }
  return status;
}
