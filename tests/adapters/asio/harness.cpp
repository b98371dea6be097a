#include "harness.hpp"

#include <doctest/doctest.h>

#include <utility>

#include "xmpp/xml/builder.hpp"

namespace xmpp::asio_adapter::test {

Member::Member(::asio::io_context& io, SessionConfig config, Options options)
    : client(std::make_unique<Client>(io.get_executor(), std::move(config), seen.hooks(),
                                      std::move(options))) {
  seen.transport_error = [this] { return client->last_transport_error(); };
}

void Member::start() {
  std::string error;
  REQUIRE_MESSAGE(client->start(&error), error);
}

bool drive(::asio::io_context& io, const std::vector<LoopbackServer*>& servers,
           const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    io.restart();  // run_for() leaves the context stopped when it ran out of work
    io.run_for(1ms);
    for (LoopbackServer* server : servers)
      server->step();
  }
  return true;
}

SessionConfig config_with_resource(const std::string& address, const std::string& resource) {
  SessionConfig config = plain_config(address);
  config.client.resource = resource;
  return config;
}

Options test_ca_options() {
  Options options;
  options.tls.ca_file = tls::test::pki().ca_file;
  return options;
}

xml::Element ping(xml::Arena& arena, const std::string& id) {
  xml::Builder iq(arena, "iq", "jabber:client");
  iq.attribute("type", "get").attribute("id", id);
  iq.start("ping", "urn:xmpp:ping").end();
  return iq.root();
}

void answer(LoopbackServer& server, const std::string& id, const std::string& type) {
  std::string body = "<iq type='" + type + "' id='" + id + "'>";
  if (type == "error") {
    body +=
        "<error type='cancel'><service-unavailable "
        "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>";
  }
  REQUIRE(server.server().send_stanza(body + "</iq>"));
}

bool server_received(LoopbackServer& server, const std::string& id) {
  if (server.connections.empty() || !server.connections.back()->server) return false;
  for (const std::string& stanza : server.server().received_stanzas()) {
    if (attribute_of(stanza, "id") == id) return true;
  }
  return false;
}

}  // namespace xmpp::asio_adapter::test
