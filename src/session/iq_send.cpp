// Session::send_iq(): the checks of RFC 6120 §8.2.3, an id when the request has none, and the
// request's entry in the tracker.
#include <array>
#include <cstdint>

#include "core/hex.hpp"
#include "session/session_impl.hpp"
#include "stream/stream_header.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp {
namespace {

/// Entropy bytes in a generated id, and how many draws a collision with a pending id may cost.
constexpr std::size_t kIdBytes = 8;
constexpr int kIdDraws = 4;

// RFC 6120 §8.2.3: a get or set carries exactly one payload element.
bool is_request(xml::Element iq) noexcept {
  if (!iq || !iq.is("iq", stream::kClientNamespace)) return false;
  const std::string_view type = iq.attribute_or_empty("type");
  return (type == "get" || type == "set") && iq.child_element_count() == 1;
}

IqSendStatus from_send_status(SendStatus status) noexcept {
  switch (status) {
    case SendStatus::ok:
      return IqSendStatus::ok;
    case SendStatus::not_online:
      return IqSendStatus::not_online;
    case SendStatus::would_block:
      return IqSendStatus::would_block;
    case SendStatus::unserializable:
      return IqSendStatus::unserializable;
    case SendStatus::too_large:
      return IqSendStatus::too_large;
    case SendStatus::reserved_element:
      break;
  }
  return IqSendStatus::invalid_request;
}

// `iq` with an `id` attribute added, built in `arena`.
xml::Element with_id(xml::Element iq, std::string_view id, xml::Arena& arena) {
  xml::Builder b(arena, iq.name(), iq.ns());
  for (const xml::Attribute a : iq.attributes()) {
    if (a.ns().empty()) {
      b.attribute(a.name(), a.value());
    } else {
      b.attribute(a.name(), a.ns(), a.value(), a.prefix());
    }
  }
  b.attribute("id", id);
  for (const xml::Child c : iq.children()) {
    if (c.is_element()) {
      b.copy(c.element());
    } else {
      b.text(c.text());
    }
  }
  return b.root();
}

}  // namespace

IqSendResult Session::send_iq(xml::Element iq, IqCallback callback, TimePoint now,
                              IqOptions options) {
  Impl& s = *impl_;
  if (s.logging) return {IqSendStatus::invalid_state, {}};
  return s.send_iq(iq, std::move(callback), now, options.timeout.value_or(s.iq_timeout),
                   options.tag);
}

IqSendResult Session::Impl::send_iq(xml::Element iq, IqCallback callback, TimePoint at,
                                    Duration timeout, std::uint64_t tag) {
  if (!is_request(iq) || !callback || timeout <= Duration::zero()) {
    return {IqSendStatus::invalid_request, {}};
  }
  std::optional<Jid> to;
  if (const auto attribute = iq.attribute("to")) {
    to = Jid::parse(*attribute);
    if (!to) return {IqSendStatus::invalid_request, {}};
  }
  if (iqs.size() + iq_notes >= max_pending_iqs) return {IqSendStatus::too_many_pending, {}};

  std::string id(iq.attribute_or_empty("id"));
  xml::Element request = iq;
  scratch.reset();
  if (id.empty()) {
    for (int draw = 0; draw < kIdDraws && (id.empty() || iqs.contains(id)); ++draw) {
      std::array<std::uint8_t, kIdBytes> bytes{};
      client.config().entropy(bytes);
      id = hex_lower(bytes);
    }
    request = with_id(iq, id, scratch);
  }
  if (iqs.contains(id)) return {IqSendStatus::duplicate_id, {}};

  const SendStatus sent = client.send(request, tag);
  scratch.reset();
  if (sent != SendStatus::ok) return {from_send_status(sent), {}};
  iqs.add({id, std::move(to), std::move(callback), at + timeout});
  pump();
  return {IqSendStatus::ok, std::move(id)};
}

}  // namespace xmpp
