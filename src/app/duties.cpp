#include "app/duties.hpp"

#include <algorithm>

#include "xmpp/stanza/iq.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::app {

Duty duty_for(xml::Element iq, const ApplicationConfig& config) noexcept {
  const auto view = stanza::Iq::view(iq);
  if (!view || view->type() != stanza::IqType::get || view->check() != stanza::IqProblem::ok) {
    return Duty::none;
  }
  const xml::Element payload = view->payload();
  if (config.answer_pings && payload.is("ping", stanza::ns::kPing)) return Duty::ping;
  // XEP-0030 §3.2: a query with a node is about something the application published; only the
  // entity itself is answered here.
  if (config.answer_disco_info && payload.is("query", stanza::ns::kDiscoInfo) &&
      payload.attribute_or_empty("node").empty()) {
    return Duty::disco_info;
  }
  if (config.software_version && payload.is("query", stanza::ns::kVersion)) {
    return Duty::software_version;
  }
  return Duty::none;
}

std::vector<std::string> disco_features(const ApplicationConfig& config) {
  std::vector<std::string> features{std::string(stanza::ns::kDiscoInfo)};
  if (config.answer_pings) features.emplace_back(stanza::ns::kPing);
  if (config.software_version) features.emplace_back(stanza::ns::kVersion);
  features.insert(features.end(), config.features.begin(), config.features.end());
  std::sort(features.begin(), features.end());
  features.erase(std::unique(features.begin(), features.end()), features.end());
  return features;
}

xml::Element answer_duty(xml::Arena& arena, xml::Element request, Duty duty,
                         const ApplicationConfig& config) {
  xml::Builder b(arena, "iq", request.ns());
  b.attribute("type", "result");
  if (const auto id = request.attribute("id")) b.attribute("id", *id);
  if (const auto from = request.attribute("from")) b.attribute("to", *from);
  switch (duty) {
    case Duty::none:
    case Duty::ping:
      break;  // XEP-0199 §4.2: an empty result
    case Duty::disco_info:
      b.start("query", stanza::ns::kDiscoInfo);
      for (const DiscoIdentity& identity : config.identities) {
        b.start("identity").attribute("category", identity.category);
        b.attribute("type", identity.type);
        if (!identity.name.empty()) b.attribute("name", identity.name);
        if (!identity.lang.empty()) {
          b.attribute("lang", xml::kXmlNamespace, identity.lang, "xml");
        }
        b.end();
      }
      for (const std::string& feature : disco_features(config)) {
        b.start("feature").attribute("var", feature).end();
      }
      b.end();
      break;
    case Duty::software_version:
      b.start("query", stanza::ns::kVersion);
      b.start("name").text(config.software_version->name).end();
      b.start("version").text(config.software_version->version).end();
      if (!config.software_version->os.empty()) {
        b.start("os").text(config.software_version->os).end();
      }
      b.end();
      break;
  }
  return b.root();
}

bool is_roster_push(xml::Element iq) noexcept {
  const auto view = stanza::Iq::view(iq);
  return view && view->type() == stanza::IqType::set && view->payload() &&
         view->payload().is("query", stanza::ns::kRoster);
}

bool from_own_account(xml::Element stanza, const Jid& account) {
  const auto from = stanza.attribute("from");
  if (!from) return true;
  const auto jid = Jid::parse(*from);
  return jid && jid->is_bare() && *jid == account;
}

}  // namespace xmpp::app
