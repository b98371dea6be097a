#include "interop_account.hpp"

#include <doctest/doctest.h>

#include <cctype>
#include <cstdlib>

#include "xmpp/xml/builder.hpp"

// Built with the Asio adapter when Asio is installed (tests/interop/meson.build).
#ifdef XMPP_INTEROP_ASIO
#include <asio/io_context.hpp>

#include "xmpp/adapters/asio.hpp"
#endif

namespace interop {

using namespace std::chrono_literals;

namespace {

std::string env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::string(value) : std::string();
}

ServerInfo read_server() {
  ServerInfo info;
  info.kind = env("XMPP_INTEROP_SERVER");
  std::string upper;
  for (char c : info.kind)
    upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  const std::string prefix = "XMPP_" + upper + "_";
  info.c2s = env(prefix + "C2S");
  info.tls = env(prefix + "TLS");
  info.component = env(prefix + "COMPONENT");
  info.ca_file = env(prefix + "CA");
  const std::string timeout = env(prefix + "SM_TIMEOUT");
  info.sm_timeout = std::chrono::seconds(timeout.empty() ? 0 : std::atoi(timeout.c_str()));
  return info;
}

Adapter adapter_from_env() {
  const std::string name = env("XMPP_INTEROP_ADAPTER");
  REQUIRE_MESSAGE((name.empty() || name == "posix" || name == "epoll" || name == "asio"),
                  "XMPP_INTEROP_ADAPTER is posix, epoll or asio, not " << name);
  return name == "epoll" ? Adapter::epoll : name == "asio" ? Adapter::asio : Adapter::posix;
}

class PosixDriver final : public Driver {
 public:
  PosixDriver(xmpp::SessionConfig config, xmpp::SessionHooks hooks, xmpp::posix::Options options)
      : client_(std::move(config), std::move(hooks), std::move(options)) {}
  bool start(std::string* error) override { return client_.start(error); }
  bool run_once(std::chrono::milliseconds max_wait) override { return client_.run_once(max_wait); }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) override {
    return client_.run_until(done, limit);
  }
  xmpp::Session& session() override { return client_.session(); }
  const std::string& last_transport_error() const override {
    return client_.last_transport_error();
  }

 private:
  xmpp::posix::Client client_;
};

/// One epoll::Loop per account (the accounts differ in their TLS options): the scenarios step
/// every account's loop in turn, as they do with posix::Client.
class EpollDriver final : public Driver {
 public:
  EpollDriver(xmpp::SessionConfig config, xmpp::SessionHooks hooks, xmpp::epoll::Options options)
      : loop_(std::move(options)),
        config_(std::move(config)),
        hooks_(std::move(hooks)),
        idle_(config_) {}
  bool start(std::string* error) override {
    id_ = loop_.add(config_, hooks_, error);
    return id_ != 0;
  }
  bool run_once(std::chrono::milliseconds max_wait) override {
    return loop_.run_once(max_wait) && loop_.running() > 0;
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) override {
    return loop_.run_until(done, limit);
  }
  /// Before start(): an idle Session of the same configuration (nothing to drive yet).
  xmpp::Session& session() override {
    xmpp::Session* session = loop_.session(id_);
    return session != nullptr ? *session : idle_;
  }
  const std::string& last_transport_error() const override {
    return loop_.last_transport_error(id_);
  }

 private:
  xmpp::epoll::Loop loop_;
  xmpp::SessionConfig config_;
  xmpp::SessionHooks hooks_;
  xmpp::Session idle_;
  xmpp::epoll::SessionId id_ = 0;
};

#ifdef XMPP_INTEROP_ASIO
/// One io_context per account, run by the scenario's thread in slices (run_for), as the
/// scenarios step posix::Client. Commands the scenarios give the Session directly between
/// slices are written at the next slice: each slice starts with an empty post(), which makes
/// the Client write whatever the Session has queued.
class AsioDriver final : public Driver {
 public:
  AsioDriver(xmpp::SessionConfig config, xmpp::SessionHooks hooks,
             xmpp::asio_adapter::Options options)
      : client_(io_.get_executor(), std::move(config), std::move(hooks), std::move(options)) {}
  bool start(std::string* error) override { return client_.start(error); }
  bool run_once(std::chrono::milliseconds max_wait) override {
    client_.post([](xmpp::Session&) {});
    io_.restart();
    io_.run_for(max_wait);
    const auto state = client_.session().state();
    return state != xmpp::SessionState::stopped && state != xmpp::SessionState::idle;
  }
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit) override {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (!done() && std::chrono::steady_clock::now() < end) {
      if (!run_once(5ms)) break;
    }
    return done();
  }
  xmpp::Session& session() override { return client_.session(); }
  const std::string& last_transport_error() const override {
    error_ = client_.last_transport_error();
    return error_;
  }

 private:
  ::asio::io_context io_;
  xmpp::asio_adapter::Client client_;
  mutable std::string error_;
};
#endif

}  // namespace

const ServerInfo& server() {
  static const ServerInfo info = read_server();
  REQUIRE_MESSAGE((info.kind == "prosody" || info.kind == "ejabberd"),
                  "run through tests/interop/with-servers.sh (XMPP_INTEROP_SERVER unset)");
  REQUIRE_MESSAGE(!info.c2s.empty(), "XMPP_*_C2S unset");
  REQUIRE_MESSAGE(!info.ca_file.empty(), "XMPP_*_CA unset");
  return info;
}

Account::Account(AccountOptions options) : options_(std::move(options)) {
  const ServerInfo& srv = server();
  auto jid = xmpp::Jid::parse(options_.user + "@localhost");
  REQUIRE(jid);
  xmpp::ClientConfig client(*jid);
  client.resource = options_.resource;
  client.credentials.password = options_.password;
  client.tls = options_.tls;
  if (!options_.mechanisms.empty()) client.mechanisms = options_.mechanisms;
  client.stream_management.enable = options_.stream_management;
  // Acks come quickly in tests, so that "everything acknowledged" is reached in milliseconds.
  client.stream_management.request_after = 100ms;
  client.stream_management.request_every_stanzas = 1;

  xmpp::SessionConfig config(std::move(client));
  config.server = !options_.address.empty()                 ? options_.address
                  : options_.tls == xmpp::TlsPolicy::direct ? srv.tls
                                                            : srv.c2s;
  config.app = options_.app;
  config.app.send_initial_presence = options_.initial_presence;
  config.reconnect.base = 100ms;
  config.reconnect.cap = 500ms;

  xmpp::SessionHooks hooks;
  hooks.on_event = [this](xmpp::Session&, const xmpp::Event& event) {
    if (const auto* ok = std::get_if<xmpp::event::Authenticated>(&event)) {
      authenticated.push_back(ok->mechanism);
    } else if (const auto* no = std::get_if<xmpp::event::AuthenticationFailed>(&event)) {
      auth_failures.push_back(no->text);
    } else if (const auto* error = std::get_if<xmpp::event::StreamErrorReceived>(&event)) {
      stream_errors_received.emplace_back(xmpp::to_string(error->error.condition));
    }
  };
  hooks.on_connect = [this](xmpp::Session&, const xmpp::event::Online& online) {
    ++fresh_sessions;
    bound_jid = std::string(online.jid.str());
  };
  hooks.on_resume = [this](xmpp::Session&, const xmpp::event::Online& online) {
    ++resumed_sessions;
    bound_jid = std::string(online.jid.str());
  };
  hooks.on_stanza = [this](xmpp::Session& session, xmpp::xml::Element stanza) {
    if (stanza.is("message", "jabber:client") && stanza.child("body")) {
      ++received[std::string(stanza.attribute_or_empty("id"))];
    }
    if (options_.on_stanza) options_.on_stanza(session, stanza);
  };
  hooks.on_subscription = options_.on_subscription;
  hooks.on_roster = [this](xmpp::Session&, const xmpp::RosterUpdate& update) {
    roster_updates.push_back(update);
  };
  hooks.on_link_dead = [this](xmpp::Session&, const xmpp::event::LinkDead& dead) {
    link_dead.push_back(dead.cause);
  };
  hooks.on_acked = [this](xmpp::Session&, const xmpp::event::Acked& acks) {
    for (const auto& stanza : acks.stanzas)
      ++acked[stanza.id];
  };
  hooks.on_unconfirmed = [this](xmpp::Session&, const xmpp::event::Unconfirmed& lost) {
    for (const auto& stanza : lost.stanzas)
      ++unconfirmed[stanza.id];
  };
  hooks.on_closed = [this](xmpp::Session&, const xmpp::event::Closed& closed) {
    closes.push_back(closed);
  };
  hooks.on_stopped = [this](xmpp::Session&, xmpp::StopReason reason) { stopped = reason; };

  xmpp::posix::Options adapter_options;
  adapter_options.tls.ca_file = srv.ca_file;
  adapter_options.tls.max_version = options_.max_tls;
  adapter_options.connect_timeout = 2s;
  const Adapter adapter = options_.adapter.value_or(adapter_from_env());
  if (adapter == Adapter::epoll) {
    adapter_ = std::make_unique<EpollDriver>(std::move(config), std::move(hooks), adapter_options);
  } else if (adapter == Adapter::asio) {
#ifdef XMPP_INTEROP_ASIO
    adapter_ = std::make_unique<AsioDriver>(std::move(config), std::move(hooks), adapter_options);
#else
    FAIL("XMPP_INTEROP_ADAPTER=asio: built without Asio");
#endif
  } else {
    adapter_ = std::make_unique<PosixDriver>(std::move(config), std::move(hooks), adapter_options);
  }
}

Account::~Account() {
  xmpp::Session& s = adapter_->session();
  if (s.state() == xmpp::SessionState::idle || s.state() == xmpp::SessionState::stopped) return;
  if (s.close(xmpp::Clock::now()) != xmpp::CommandStatus::ok) return;
  adapter_->run_until([&] { return s.state() == xmpp::SessionState::stopped; }, 3s);
}

void Account::start() {
  std::string error;
  REQUIRE_MESSAGE(adapter_->start(&error), error);
}

std::string Account::full_jid() const {
  return options_.user + "@localhost/" + options_.resource;
}

void Account::send_chat(const std::string& to, const std::string& id, const std::string& body) {
  xmpp::xml::Arena arena;
  xmpp::xml::Builder message(arena, "message", "jabber:client");
  message.attribute("to", to).attribute("type", "chat").attribute("id", id);
  message.start("body").text(body).end();
  REQUIRE(adapter_->session().send(message.root()) == xmpp::SendStatus::ok);
}

bool Account::online() const {
  return adapter_->session().client().phase() == xmpp::ClientPhase::online;
}

bool Account::received_all_once(const std::vector<std::string>& wanted) const {
  for (const auto& id : wanted) {
    const auto found = received.find(id);
    if (found == received.end() || found->second != 1) return false;
  }
  return true;
}

bool Account::acked_all_once(const std::vector<std::string>& wanted) const {
  for (const auto& id : wanted) {
    const auto found = acked.find(id);
    if (found == acked.end() || found->second != 1) return false;
  }
  return true;
}

bool run_all(std::initializer_list<Account*> accounts, const std::function<bool()>& done,
             std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    for (Account* account : accounts)
      account->adapter().run_once(2ms);
  }
  return true;
}

std::vector<std::string> ids(const std::string& prefix, int first, int last) {
  std::vector<std::string> result;
  for (int i = first; i <= last; ++i)
    result.push_back(prefix + std::to_string(i));
  return result;
}

}  // namespace interop
