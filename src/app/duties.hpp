// The automatic protocol duties of the application layer as pure functions: which duty answers
// an inbound IQ request, and the answers themselves (XEP-0199, XEP-0030, XEP-0092), plus the
// sender rule of roster pushes (RFC 6121 §2.1.6).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "xmpp/application_config.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::app {

enum class Duty : std::uint8_t {
  none,
  ping,              ///< XEP-0199 §4.2
  disco_info,        ///< XEP-0030 §3.1, the entity itself (no node)
  software_version,  ///< XEP-0092 §2
};

/// The duty that answers `iq` under `config`; none when it is not an IQ get whose payload a
/// switched-on duty owns.
Duty duty_for(xml::Element iq, const ApplicationConfig& config) noexcept;

/// The result answering `request` for `duty` (not none), built in `arena`.
xml::Element answer_duty(xml::Arena& arena, xml::Element request, Duty duty,
                         const ApplicationConfig& config);

/// The disco#info features: disco#info itself, ping when answered, jabber:iq:version when on,
/// and the application's, sorted and without duplicates (XEP-0030 §3.1: each var once).
std::vector<std::string> disco_features(const ApplicationConfig& config);

/// Whether an IQ set is a roster push (`<query xmlns='jabber:iq:roster'/>`).
bool is_roster_push(xml::Element iq) noexcept;

/// RFC 6121 §2.1.6: a roster push is only trusted when it has no `from` or `from` is the user's
/// bare JID (`account`). A full JID, the domain or any other entity is not the account's server
/// speaking for it (CVE-2014-0364).
bool from_own_account(xml::Element stanza, const Jid& account);

}  // namespace xmpp::app
