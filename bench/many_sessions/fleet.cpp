#include "fleet.hpp"

#include <algorithm>
#include <utility>

#include "xmpp/xml/builder.hpp"

namespace xmpp::bench {

namespace {

constexpr std::uint64_t kMessageTag = 1;

std::string account(std::size_t index) {
  return "alice" + std::to_string(index) + "@localhost";
}

std::uint64_t count_tagged(const std::vector<UnackedStanza>& stanzas) {
  std::uint64_t n = 0;
  for (const UnackedStanza& s : stanzas)
    n += s.tag == kMessageTag ? 1 : 0;
  return n;
}

}  // namespace

Fleet::Fleet(epoll::Loop& loop, FleetSettings settings)
    : loop_(loop), settings_(std::move(settings)) {
  ids_.reserve(settings_.sessions);
  is_online_.reserve(settings_.sessions);
}

bool Fleet::add_more(std::size_t limit, std::string* error) {
  limit = std::min(limit, settings_.sessions);
  while (ids_.size() < limit && ids_.size() - online_ - counts_.stops < settings_.in_flight) {
    if (!add(ids_.size(), error)) return false;
  }
  return true;
}

bool Fleet::add(std::size_t index, std::string* error) {
  ClientConfig client(*Jid::parse(account(index)));
  client.credentials.password = "s3cret";
  client.resource = "bench";
  // Plaintext on loopback, SASL PLAIN: what the benchmark server offers (server_main.cpp).
  client.tls = TlsPolicy::disabled;
  client.mechanisms = {sasl::Mechanism::plain};
  client.allow_plain_without_tls = true;
  SessionConfig config(std::move(client));
  config.server = "127.0.0.1:" + std::to_string(settings_.ports[index % settings_.ports.size()]);

  SessionHooks hooks;
  auto went_online = [this, index] {
    if (is_online_[index] == 0) ++online_;
    is_online_[index] = 1;
    last_online_ = std::chrono::steady_clock::now();
  };
  hooks.on_connect = [this, went_online](Session&, const event::Online&) {
    ++counts_.connects;
    went_online();
  };
  hooks.on_resume = [this, went_online](Session&, const event::Online&) {
    ++counts_.resumes;
    went_online();
  };
  hooks.on_closed = [this, index](Session&, const event::Closed&) {
    ++counts_.closes;
    if (is_online_[index] != 0) --online_;
    is_online_[index] = 0;
  };
  hooks.on_stopped = [this](Session&, StopReason) { ++counts_.stops; };
  hooks.on_link_dead = [this](Session&, const event::LinkDead&) { ++counts_.link_dead; };
  hooks.on_acked = [this](Session&, const event::Acked& acked) {
    counts_.acked += count_tagged(acked.stanzas);
  };
  hooks.on_unconfirmed = [this](Session&, const event::Unconfirmed& lost) {
    counts_.unconfirmed += count_tagged(lost.stanzas);
  };
  hooks.on_stanza = [this](Session&, xml::Element stanza) {
    if (stanza.name() == "message") ++counts_.received;
  };

  is_online_.push_back(0);
  const epoll::SessionId id = loop_.add(std::move(config), std::move(hooks), error);
  if (id == 0) {
    is_online_.pop_back();
    return false;
  }
  ids_.push_back(id);
  return true;
}

void Fleet::send_message(std::uint64_t n) {
  const std::size_t from = static_cast<std::size_t>(n % ids_.size());
  const std::size_t to = (from + 1) % ids_.size();
  Session* session = loop_.session(ids_[from]);
  if (session == nullptr) return;
  arena_.reset();
  xml::Builder message(arena_, "message", "jabber:client");
  // Appended rather than "m" + to_string(n): GCC 12 at -O3 warns (-Wrestrict, a false positive,
  // GCC bug 105329) about operator+ on a temporary string.
  std::string id = std::to_string(n);
  id.insert(id.begin(), 'm');
  message.attribute("to", account(to)).attribute("id", id).attribute("type", "chat");
  message.start("body").text("a low-rate benchmark message").end();
  if (session->send(message.root(), kMessageTag) == SendStatus::ok) {
    ++counts_.sent;
  } else {
    ++counts_.send_refused;
  }
}

std::size_t Fleet::count_online_sessions() {
  std::size_t n = 0;
  for (const epoll::SessionId id : ids_) {
    const Session* session = loop_.session(id);
    n += session != nullptr && session->state() == SessionState::connected &&
                 session->client().phase() == ClientPhase::online
             ? 1
             : 0;
  }
  return n;
}

std::uint64_t Fleet::engine_heap_bytes() {
  std::uint64_t bytes = 0;
  for (const epoll::SessionId id : ids_) {
    if (const Session* session = loop_.session(id)) bytes += session->client().heap_bytes();
  }
  return bytes;
}

}  // namespace xmpp::bench
