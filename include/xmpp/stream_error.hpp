// Stream error conditions of RFC 6120 §4.9.3.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace xmpp {

/// Every defined stream error condition (RFC 6120 §4.9.3). The enumerator order is stable API.
enum class StreamErrorCondition : std::uint8_t {
  bad_format,
  bad_namespace_prefix,
  conflict,
  connection_timeout,
  host_gone,
  host_unknown,
  improper_addressing,
  internal_server_error,
  invalid_from,
  invalid_namespace,
  invalid_xml,
  not_authorized,
  not_well_formed,
  policy_violation,
  remote_connection_failed,
  reset,
  resource_constraint,
  restricted_xml,
  see_other_host,
  system_shutdown,
  undefined_condition,
  unsupported_encoding,
  unsupported_feature,
  unsupported_stanza_type,
  unsupported_version,
};

/// The element name of the condition as it appears on the wire, e.g. "not-well-formed".
/// The returned view points to static storage.
std::string_view to_string(StreamErrorCondition condition) noexcept;

/// Parses a condition element name; unknown names give std::nullopt (callers map those to
/// undefined_condition, RFC 6120 §4.9.3.21).
std::optional<StreamErrorCondition> stream_error_condition_from_string(
    std::string_view name) noexcept;

}  // namespace xmpp
