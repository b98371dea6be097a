#include "stanza_router.hpp"

#include <utility>

#include "accounts.hpp"

namespace xmpp::bench {

namespace {

// The value of attribute `name` in the start tag of `xml` (the test server serialises with
// single quotes); empty when absent.
std::string_view start_tag_attribute(std::string_view xml, std::string_view name) {
  const std::string_view tag = xml.substr(0, xml.find('>'));
  for (std::size_t at = tag.find(name); at != std::string_view::npos; at = tag.find(name, at + 1)) {
    const std::size_t quote = at + name.size() + 1;
    if (tag[at - 1] != ' ' || quote >= tag.size() || tag[at + name.size()] != '=') continue;
    const std::size_t end = tag.find(tag[quote], quote + 1);
    if (end == std::string_view::npos) return {};
    return tag.substr(quote + 1, end - quote - 1);
  }
  return {};
}

std::string_view localpart(std::string_view jid) {
  const std::size_t at = jid.find('@');
  return at == std::string_view::npos ? std::string_view() : jid.substr(0, at);
}

}  // namespace

StanzaRouter::StanzaRouter(testing::ServerConfig config, std::string account_prefix,
                           std::string password)
    : config_(std::move(config)),
      prefix_(std::move(account_prefix)),
      password_(std::move(password)) {
  config_.users.clear();
}

std::unique_ptr<testing::Server> StanzaRouter::make_server() {
  return std::make_unique<testing::Server>(config_, &store_);
}

void StanzaRouter::give_account(Connection& c) {
  bool incomplete = false;
  const auto user = sasl_username(c.in, &incomplete);
  if (!user || !is_bench_account(*user, prefix_)) return;
  c.server->config().users = {{*user, password_}};
  c.account = *user;
}

void StanzaRouter::serve(Connection& c, std::vector<Connection*>& touched) {
  if (c.account.empty()) {
    bool incomplete = false;
    (void)sasl_username(c.in, &incomplete);
    // The <auth/> is not complete yet: the account is not known, so the Server must wait.
    if (incomplete) return;
    give_account(c);
  }
  testing::Server& server = *c.server;
  const std::size_t consumed = server.receive(c.in);
  if (server.phase() == testing::ServerPhase::closed) {
    c.in.clear();
  } else {
    c.in.erase(0, consumed);
  }
  if (!c.registered && server.bound_jid() && server.authenticated_user()) {
    c.registered = true;
    online_[*server.authenticated_user()] = &c;
  }
  if (const testing::SmSession* sm = server.sm_session(); sm && server.authenticated_user()) {
    sm_ids_[*server.authenticated_user()] = sm->id;
  }
  const auto& stanzas = server.received_stanzas();
  for (; c.stanzas_seen < stanzas.size(); ++c.stanzas_seen)
    route(c, stanzas[c.stanzas_seen], touched);
}

void StanzaRouter::route(Connection& from, const std::string& stanza,
                         std::vector<Connection*>& touched) {
  if (stanza.rfind("<iq", 0) == 0) return answer_iq(from, stanza);
  if (stanza.rfind("<message", 0) != 0) {
    ++counts_.other;
    return;
  }
  const std::string to(localpart(start_tag_attribute(stanza, "to")));
  // RFC 6120 §8.1.2.1: the server stamps the sender's full JID as `from`.
  std::string stamped = "<message from='" + std::string(from.server->bound_jid()->str()) + "'" +
                        stanza.substr(std::string_view("<message").size());
  if (const auto target = online_.find(to); target != online_.end()) {
    if (target->second->server->send_stanza(std::move(stamped))) {
      ++counts_.routed;
      if (target->second != &from) touched.push_back(target->second);
      return;
    }
  } else if (const auto sm = sm_ids_.find(to); sm != sm_ids_.end()) {
    if (store_.send_stanza(sm->second, std::move(stamped))) {
      ++counts_.routed;
      return;
    }
  }
  ++counts_.undeliverable;
}

void StanzaRouter::answer_iq(Connection& from, const std::string& stanza) {
  const std::string_view type = start_tag_attribute(stanza, "type");
  const std::string_view to = start_tag_attribute(stanza, "to");
  if ((type != "get" && type != "set") || !(to.empty() || to == config_.domain)) {
    ++counts_.other;
    return;
  }
  // RFC 6120 §8.2.3: every request gets a response; an empty result will do for the benchmark.
  std::string result = "<iq type='result' id='" + std::string(start_tag_attribute(stanza, "id")) +
                       "' to='" + std::string(from.server->bound_jid()->str()) + "'/>";
  if (!to.empty()) result.insert(3, " from='" + config_.domain + "'");
  if (from.server->send_stanza(std::move(result))) ++counts_.iq_answered;
}

void StanzaRouter::forget(Connection& c) {
  if (!c.registered) return;
  const auto it = online_.find(*c.server->authenticated_user());
  if (it != online_.end() && it->second == &c) online_.erase(it);
  c.registered = false;
}

}  // namespace xmpp::bench
