// Typed view and builders for `<iq/>` (RFC 6120 §8.2.3): requests with exactly one payload,
// results with at most one, errors with their `<error/>`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "xmpp/stanza/stanza_error.hpp"
#include "xmpp/stanza/stanza_view.hpp"
#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::stanza {

enum class IqType : std::uint8_t { get, set, result, error };

std::string_view to_string(IqType type) noexcept;
std::optional<IqType> iq_type_from_string(std::string_view name) noexcept;

/// What makes an `<iq/>` break RFC 6120 §8.2.3.
enum class IqProblem : std::uint8_t {
  ok,
  missing_id,        ///< §8.2.3 (1): id is REQUIRED
  missing_type,      ///< §8.2.3 (2): type is REQUIRED
  unknown_type,      ///< not get, set, result or error
  no_payload,        ///< get/set without a child element (§8.2.3 (6))
  several_payloads,  ///< get/set with more than one child element (§8.2.3 (6))
  several_results,   ///< result with more than one child element (§8.2.3 (7))
  missing_error,     ///< error without an `<error/>` child (§8.3.1)
};

std::string_view to_string(IqProblem problem) noexcept;

/// A zero-copy view of an `<iq/>` stanza (addresses, id, error and payload() by name from
/// StanzaView); the views it returns live as long as the tree.
class Iq : public StanzaView {
 public:
  /// Nothing unless `element` is `<iq/>` in jabber:client or jabber:component:accept. The view
  /// is made whatever check() would say.
  static std::optional<Iq> view(xml::Element element) noexcept;

  /// Nothing when `type` is absent or unknown (check() says which).
  std::optional<IqType> type() const noexcept;
  bool is_request() const noexcept;  ///< type get or set
  /// The request's payload (get/set), the result's (result; empty when none), or for an error
  /// the first child that is not `<error/>` (the request echoed back, when included).
  xml::Element payload() const noexcept;
  using StanzaView::payload;
  /// RFC 6120 §8.2.3.
  IqProblem check() const noexcept;

 private:
  explicit Iq(xml::Element element) noexcept : StanzaView(element) {}
};

/// Builds `<iq type='get|set' id='…' [to='…']>` in `arena` with `payload` deep-copied as its one
/// child. `ns` is the stanza namespace (jabber:client, or jabber:component:accept with `from`).
/// An empty `id` leaves the attribute out (Session::send_iq() makes one).
xml::Element build_request(xml::Arena& arena, IqType type, xml::Element payload,
                           std::string_view to = {}, std::string_view id = {},
                           std::string_view ns = "jabber:client", std::string_view from = {});

/// Builds the type='result' reply to `request` (RFC 6120 §8.2.3): its id, `to` = its `from`
/// (none when absent), `from` as `reply_from` says, and `payload` deep-copied when not empty.
xml::Element build_result(xml::Arena& arena, xml::Element request, xml::Element payload = {},
                          ReplyFrom reply_from = ReplyFrom::omit);

}  // namespace xmpp::stanza
