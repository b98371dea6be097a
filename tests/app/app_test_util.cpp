#include "app_test_util.hpp"

#include "xmpp/xml/writer.hpp"

namespace xmpp::test {
namespace {

void attribute(std::string& out, std::string_view name, std::string_view value) {
  out += ' ';
  out += name;
  out += "='";
  xml::write_escaped_attribute(value, out);
  out += '\'';
}

}  // namespace

std::string roster_iq(const std::vector<RosterItem>& items, const std::optional<std::string>& ver,
                      std::string_view type, bool explicit_none, std::string_view approved_value) {
  std::string out = "<iq";
  attribute(out, "type", type);
  out += " id='r1'><query xmlns='jabber:iq:roster'";
  if (ver) attribute(out, "ver", *ver);
  out += '>';
  for (const RosterItem& item : items) {
    out += "<item";
    attribute(out, "jid", item.jid.str());
    if (!item.name.empty()) attribute(out, "name", item.name);
    if (item.subscription != Subscription::none || explicit_none) {
      attribute(out, "subscription", to_string(item.subscription));
    }
    if (item.ask_subscribe) attribute(out, "ask", "subscribe");
    if (item.approved) attribute(out, "approved", approved_value);
    out += '>';
    for (const std::string& group : item.groups) {
      out += "<group>";
      xml::write_escaped_text(group, out);
      out += "</group>";
    }
    out += "</item>";
  }
  out += "</query></iq>";
  return out;
}

}  // namespace xmpp::test

namespace xmpp {

std::ostream& operator<<(std::ostream& out, const RosterItem& item) {
  out << "{" << item.jid.str() << " name='" << item.name << "' " << to_string(item.subscription)
      << (item.ask_subscribe ? " ask" : "") << (item.approved ? " approved" : "") << " groups[";
  for (const std::string& group : item.groups)
    out << "'" << group << "'";
  return out << "]}";
}

}  // namespace xmpp
