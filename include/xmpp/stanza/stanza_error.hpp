// Stanza errors (RFC 6120 §8.3): every defined condition, read from a received error stanza and
// written into an error reply.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::stanza {

/// The `type` of `<error/>` (RFC 6120 §8.3.2): what the sender may do next.
enum class ErrorType : std::uint8_t {
  auth,       ///< retry after providing credentials
  cancel,     ///< do not retry (unrecoverable)
  continue_,  ///< proceed (the condition was only a warning); written "continue"
  modify,     ///< retry after changing the data sent
  wait,       ///< retry after waiting (temporary)
};

/// The defined conditions of RFC 6120 §8.3.3, in its order.
enum class ErrorCondition : std::uint8_t {
  bad_request,
  conflict,
  feature_not_implemented,
  forbidden,
  gone,  ///< carries a new address (StanzaError::uri)
  internal_server_error,
  item_not_found,
  jid_malformed,
  not_acceptable,
  not_allowed,
  not_authorized,
  policy_violation,
  recipient_unavailable,
  redirect,  ///< carries the alternate address (StanzaError::uri)
  registration_required,
  remote_server_not_found,
  remote_server_timeout,
  resource_constraint,
  service_unavailable,
  subscription_required,
  undefined_condition,
  unexpected_request,
};

/// The wire names: "auth", ..., "continue", ...; "bad-request", ..., "unexpected-request".
std::string_view to_string(ErrorType type) noexcept;
std::string_view to_string(ErrorCondition condition) noexcept;
std::optional<ErrorType> error_type_from_string(std::string_view name) noexcept;
std::optional<ErrorCondition> error_condition_from_string(std::string_view name) noexcept;

/// The type RFC 6120 §8.3.3 uses in its example for `condition` (e.g. cancel for
/// service-unavailable, modify for bad-request, wait for resource-constraint, auth for
/// not-authorized): the default of build_error_reply().
ErrorType default_type(ErrorCondition condition) noexcept;

/// A stanza error as received. The views point into the stanza's tree and stay valid as long as
/// it does.
struct StanzaError {
  ErrorType type = ErrorType::cancel;
  ErrorCondition condition = ErrorCondition::undefined_condition;
  /// The `<text/>` (§8.3.2); empty when absent. With several, the first.
  std::string_view text;
  /// Its xml:lang; empty when absent.
  std::string_view text_lang;
  /// The `by` attribute: the entity that returned the error; empty when absent.
  std::string_view by;
  /// For gone and redirect: the XMPP URI in the condition element (§8.3.3.5, §8.3.3.14); empty
  /// otherwise or when absent.
  std::string_view uri;
  /// The application-specific condition element (§8.3.4): the child of `<error/>` outside the
  /// stanzas namespace; empty when none.
  xml::Element application;
};

/// Why parse_error() could not read a stanza error (RFC 6120 §8.3.2 says what it must hold).
enum class ErrorParseProblem : std::uint8_t {
  ok,
  not_an_error,       ///< not a stanza with type='error' (nor an `<error/>` element)
  missing_error,      ///< type='error' but no `<error/>` child in the stanza's namespace
  missing_type,       ///< `<error/>` without `type`
  unknown_type,       ///< a `type` §8.3.2 does not define
  missing_condition,  ///< no child in urn:ietf:params:xml:ns:xmpp-stanzas
  unknown_condition,  ///< a condition §8.3.3 does not define
};

std::string_view to_string(ErrorParseProblem problem) noexcept;

struct ErrorParseResult {
  ErrorParseProblem problem = ErrorParseProblem::ok;
  StanzaError error;  ///< meaningful only when problem is ok
};

/// Reads the error of `stanza`: either a stanza with type='error' (its `<error/>` child), or the
/// `<error/>` element itself.
ErrorParseResult parse_error(xml::Element stanza) noexcept;

/// Whose address goes into a reply's `from`.
enum class ReplyFrom : std::uint8_t {
  /// None: a client's server stamps the full JID (RFC 6120 §8.1.2.1).
  omit,
  /// The request's `to` (a component, XEP-0114, which must address its own stanzas).
  request_to,
};

/// What build_error_reply() writes.
struct ErrorReply {
  ErrorCondition condition = ErrorCondition::service_unavailable;
  /// Nothing: default_type(condition).
  std::optional<ErrorType> type;
  /// A `<text xml:lang='en'/>` when not empty.
  std::string_view text;
  /// For gone/redirect: the address written in the condition element.
  std::string_view uri;
  /// An application-specific condition (§8.3.4), deep-copied into the reply when not empty.
  xml::Element application;
  /// Copy the request's children into the reply before `<error/>` (§8.3.1 allows it).
  bool include_request = false;
  ReplyFrom from = ReplyFrom::omit;
};

/// Whether RFC 6120 §8.3.1 allows answering `stanza` with an error: a stanza that is not itself
/// of type='error' (an error reply to an error would loop).
bool may_reply_with_error(xml::Element stanza) noexcept;

/// Builds in `arena` the error reply to `request` (RFC 6120 §8.3.1): the same kind and namespace,
/// type='error', the request's id, `to` = the request's `from` (none when it had none), `from`
/// as `reply.from` says, then `<error type='…' [by]>` with the condition, text and application
/// element. The caller checks may_reply_with_error() first; `request` must be a stanza
/// (kind_of()). The result lives as long as `arena`.
xml::Element build_error_reply(xml::Arena& arena, xml::Element request, const ErrorReply& reply);

}  // namespace xmpp::stanza
