// The story of this library in one run: alice and bob log in to a private Prosody with stream
// management (XEP-0198) and talk; the network cuts alice's connection mid-conversation while bob
// keeps sending; alice resumes; and the counts show that nothing was lost or duplicated.
//
//   xmpp-demo --server 127.0.0.1:PORT --ca-file CERT
//
// scripts/demo starts the server and runs this. Exit status 0 when every message was delivered
// exactly once, 1 otherwise, 2 on usage errors.
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fault_proxy.hpp"
#include "xmpp/adapters/posix.hpp"
#include "xmpp/xml/builder.hpp"

namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Clock::time_point kStart = Clock::now();

void say(const std::string& line) {
  const double seconds = std::chrono::duration<double>(Clock::now() - kStart).count();
  std::printf("[%5.2fs] %s\n", seconds, line.c_str());
  std::fflush(stdout);
}

/// One account and what it saw.
struct Peer {
  std::string name;
  std::unique_ptr<xmpp::posix::Client> adapter;
  int fresh = 0;
  int resumed = 0;
  std::string mechanism;
  std::map<std::string, int> received;  // message id -> deliveries
  std::map<std::string, int> acked;     // message id -> Acked reports
  std::map<std::string, int> handed_back;
  std::vector<std::string> sent;

  bool online() const { return adapter->session().client().phase() == xmpp::ClientPhase::online; }

  void send(const std::string& to, const std::string& id) {
    xmpp::xml::Arena arena;
    xmpp::xml::Builder message(arena, "message", "jabber:client");
    message.attribute("to", to).attribute("type", "chat").attribute("id", id);
    message.start("body").text(name + " says " + id).end();
    if (adapter->session().send(message.root()) == xmpp::SendStatus::ok) sent.push_back(id);
  }
};

std::unique_ptr<Peer> make_peer(const std::string& name, const std::string& server,
                                const std::string& ca_file) {
  auto peer = std::make_unique<Peer>();
  peer->name = name;
  xmpp::ClientConfig client(*xmpp::Jid::parse(name + "@localhost"));
  client.resource = "demo";
  client.credentials.password = "s3cret";
  client.stream_management.request_after = 100ms;  // quick acknowledgements for the counts
  xmpp::SessionConfig config(std::move(client));
  config.server = server;
  config.reconnect.base = 100ms;

  Peer* p = peer.get();
  xmpp::SessionHooks hooks;
  hooks.on_event = [p](xmpp::Session&, const xmpp::Event& event) {
    if (const auto* auth = std::get_if<xmpp::event::Authenticated>(&event)) {
      p->mechanism = std::string(xmpp::sasl::to_string(auth->mechanism));
    }
  };
  hooks.on_connect = [p](xmpp::Session& session, const xmpp::event::Online& online) {
    ++p->fresh;
    xmpp::xml::Arena arena;
    (void)session.send(xmpp::xml::Builder(arena, "presence", "jabber:client").root());
    say(p->name + " online as " + std::string(online.jid.str()) + " (" + p->mechanism +
        ", STARTTLS, stream management on)");
  };
  hooks.on_resume = [p](xmpp::Session&, const xmpp::event::Online&) { ++p->resumed; };
  hooks.on_stanza = [p](xmpp::Session&, xmpp::xml::Element stanza) {
    if (stanza.is("message", "jabber:client") && stanza.child("body")) {
      ++p->received[std::string(stanza.attribute_or_empty("id"))];
    }
  };
  hooks.on_acked = [p](xmpp::Session&, const xmpp::event::Acked& acked) {
    for (const auto& stanza : acked.stanzas)
      ++p->acked[stanza.id];
  };
  hooks.on_unconfirmed = [p](xmpp::Session&, const xmpp::event::Unconfirmed& back) {
    for (const auto& stanza : back.stanzas)
      ++p->handed_back[stanza.id];
  };
  xmpp::posix::Options options;
  options.tls.ca_file = ca_file;
  peer->adapter =
      std::make_unique<xmpp::posix::Client>(std::move(config), std::move(hooks), options);
  return peer;
}

/// Runs both loops until `done()` or `limit`.
template <typename Done>
bool run(Peer& a, Peer& b, Done done, std::chrono::milliseconds limit) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() >= end) return false;
    a.adapter->run_once(2ms);
    b.adapter->run_once(2ms);
  }
  return true;
}

int all_received(const Peer& to, const Peer& from) {
  int n = 0;
  for (const auto& id : from.sent)
    n += to.received.count(id) != 0 ? 1 : 0;
  return n;
}

int fully_acked(const Peer& peer) {
  int n = 0;
  for (const auto& id : peer.sent)
    n += peer.acked.count(id) != 0 ? 1 : 0;
  return n;
}

int usage() {
  std::fputs("usage: xmpp-demo --server HOST:PORT --ca-file FILE\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string server;
  std::string ca_file;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--server") {
      server = argv[i + 1];
    } else if (flag == "--ca-file") {
      ca_file = argv[i + 1];
    } else {
      return usage();
    }
  }
  if (server.empty() || ca_file.empty() || argc % 2 == 0) return usage();
  const auto upstream = xmpp::dns::parse_host_port(server, 5222);
  if (!upstream) return usage();

  // Alice's traffic goes through a proxy that can cut it, as a flaky network would.
  xmpp::tools::FaultProxy proxy(upstream->host, upstream->port);
  std::printf(
      "xmpp-sansio demo: alice and bob on a private Prosody at %s; alice's link runs\n"
      "through a fault-injecting proxy on 127.0.0.1:%u\n",
      server.c_str(), static_cast<unsigned>(proxy.port()));
  auto alice = make_peer("alice", "127.0.0.1:" + std::to_string(proxy.port()), ca_file);
  auto bob = make_peer("bob", server, ca_file);
  std::string error;
  if (!alice->adapter->start(&error) || !bob->adapter->start(&error)) {
    std::fprintf(stderr, "xmpp-demo: %s\n", error.c_str());
    return 1;
  }
  if (!run(
          *alice, *bob, [&] { return alice->online() && bob->online(); }, 15s)) {
    std::fprintf(stderr, "xmpp-demo: could not log in: %s / %s\n",
                 alice->adapter->last_transport_error().c_str(),
                 bob->adapter->last_transport_error().c_str());
    return 1;
  }
  run(
      *alice, *bob, [] { return false; }, 200ms);  // presence settles

  const std::string alice_jid = "alice@localhost/demo";
  const std::string bob_jid = "bob@localhost/demo";
  for (int i = 1; i <= 10; ++i) {
    alice->send(bob_jid, "a" + std::to_string(i));
    bob->send(alice_jid, "b" + std::to_string(i));
  }
  run(
      *alice, *bob,
      [&] {
        return all_received(*bob, *alice) == 10 && all_received(*alice, *bob) == 10 &&
               fully_acked(*alice) == 10 && fully_acked(*bob) == 10;
      },
      10s);
  say("they talk: 10 messages each way, all delivered and acknowledged");

  // Mid-conversation: alice writes three more, they leave her machine, and the link drops
  // before the server's acknowledgement can come back.
  for (int i = 11; i <= 13; ++i)
    alice->send(bob_jid, "a" + std::to_string(i));
  alice->adapter->run_once(0ms);
  const int in_flight = static_cast<int>(alice->sent.size()) - fully_acked(*alice);
  proxy.cut_all();
  say("alice sends 3 more and the network cuts her connection (" + std::to_string(in_flight) +
      " not yet acknowledged)");
  for (int i = 11; i <= 20; ++i)
    bob->send(alice_jid, "b" + std::to_string(i));
  for (int i = 14; i <= 18; ++i)
    alice->send(bob_jid, "a" + std::to_string(i));
  say("bob keeps sending: 10 more while alice is away; alice queues 5 more");

  const auto cut_at = Clock::now();
  run(
      *alice, *bob, [&] { return alice->resumed > 0; }, 15s);
  const double after = std::chrono::duration<double, std::milli>(Clock::now() - cut_at).count();
  if (alice->resumed > 0) {
    char line[240];
    std::snprintf(line, sizeof line,
                  "alice reconnected and resumed her session %.0f ms after the cut (XEP-0198)",
                  after);
    say(line);
  } else {
    say("alice did not resume: " + alice->adapter->last_transport_error());
  }

  run(
      *alice, *bob,
      [&] {
        return all_received(*bob, *alice) == static_cast<int>(alice->sent.size()) &&
               all_received(*alice, *bob) == static_cast<int>(bob->sent.size()) &&
               fully_acked(*alice) == static_cast<int>(alice->sent.size()) &&
               fully_acked(*bob) == static_cast<int>(bob->sent.size());
      },
      15s);

  const int sent = static_cast<int>(alice->sent.size() + bob->sent.size());
  const int acknowledged = fully_acked(*alice) + fully_acked(*bob);
  const int delivered = all_received(*alice, *bob) + all_received(*bob, *alice);
  int duplicates = 0;
  for (const Peer* peer : {alice.get(), bob.get()}) {
    for (const auto& [id, count] : peer->received)
      duplicates += count - 1;
    for (const auto& [id, count] : peer->acked)
      duplicates += count - 1;
  }
  int handed_back = 0;
  for (const Peer* peer : {alice.get(), bob.get()}) {
    handed_back += static_cast<int>(peer->handed_back.size());
  }
  const int lost = sent - delivered - handed_back;
  char summary[256];
  std::snprintf(summary, sizeof summary,
                "sent %d, acknowledged %d, delivered %d, handed back %d, duplicates = %d, "
                "lost = %d",
                sent, acknowledged, delivered, handed_back, duplicates, lost);
  say(summary);

  for (Peer* peer : {alice.get(), bob.get()}) {
    (void)peer->adapter->session().close(xmpp::Clock::now());
  }
  run(
      *alice, *bob,
      [&] {
        return alice->adapter->session().state() == xmpp::SessionState::stopped &&
               bob->adapter->session().state() == xmpp::SessionState::stopped;
      },
      5s);
  say("both closed their streams gracefully");
  const bool ok = alice->resumed == 1 && duplicates == 0 && lost == 0 && handed_back == 0 &&
                  acknowledged == sent && delivered == sent;
  return ok ? 0 : 1;
}
