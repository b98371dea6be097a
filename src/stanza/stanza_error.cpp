// RFC 6120 §8.3: reading and writing stanza errors.
#include "xmpp/stanza/stanza_error.hpp"

#include <array>

#include "core/name_table.hpp"
#include "xmpp/stanza/kind.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::stanza {

namespace {

constexpr std::array<std::string_view, 5> kTypeNames{"auth", "cancel", "continue", "modify",
                                                     "wait"};

constexpr std::array<std::string_view, 22> kConditionNames{
    "bad-request",
    "conflict",
    "feature-not-implemented",
    "forbidden",
    "gone",
    "internal-server-error",
    "item-not-found",
    "jid-malformed",
    "not-acceptable",
    "not-allowed",
    "not-authorized",
    "policy-violation",
    "recipient-unavailable",
    "redirect",
    "registration-required",
    "remote-server-not-found",
    "remote-server-timeout",
    "resource-constraint",
    "service-unavailable",
    "subscription-required",
    "undefined-condition",
    "unexpected-request",
};

// The type of each condition's example in RFC 6120 §8.3.3, in kConditionNames' order
// (undefined-condition's example uses modify).
constexpr std::array<ErrorType, 22> kDefaultTypes{
    ErrorType::modify,  // bad-request
    ErrorType::cancel,  // conflict
    ErrorType::cancel,  // feature-not-implemented
    ErrorType::auth,    // forbidden
    ErrorType::cancel,  // gone
    ErrorType::cancel,  // internal-server-error
    ErrorType::cancel,  // item-not-found
    ErrorType::modify,  // jid-malformed
    ErrorType::modify,  // not-acceptable
    ErrorType::cancel,  // not-allowed
    ErrorType::auth,    // not-authorized
    ErrorType::modify,  // policy-violation
    ErrorType::wait,    // recipient-unavailable
    ErrorType::modify,  // redirect
    ErrorType::auth,    // registration-required
    ErrorType::cancel,  // remote-server-not-found
    ErrorType::wait,    // remote-server-timeout
    ErrorType::wait,    // resource-constraint
    ErrorType::cancel,  // service-unavailable
    ErrorType::auth,    // subscription-required
    ErrorType::modify,  // undefined-condition
    ErrorType::wait,    // unexpected-request
};

constexpr std::array<std::string_view, 7> kParseProblemMessages{
    "ok",
    "not an error stanza (type='error') or <error/> element",
    "type='error' without an <error/> child (RFC 6120 §8.3.1)",
    "<error/> without a type attribute (RFC 6120 §8.3.2)",
    "<error/> type is not auth, cancel, continue, modify or wait (RFC 6120 §8.3.2)",
    "<error/> without a condition in urn:ietf:params:xml:ns:xmpp-stanzas (RFC 6120 §8.3.2)",
    "<error/> condition is not one RFC 6120 §8.3.3 defines",
};

bool carries_uri(ErrorCondition condition) noexcept {
  return condition == ErrorCondition::gone || condition == ErrorCondition::redirect;
}

}  // namespace

std::string_view to_string(ErrorType type) noexcept {
  return core::name_of(kTypeNames, type, "unknown");
}

std::string_view to_string(ErrorCondition condition) noexcept {
  return core::name_of(kConditionNames, condition, "unknown");
}

std::optional<ErrorType> error_type_from_string(std::string_view name) noexcept {
  return core::value_of<ErrorType>(kTypeNames, name);
}

std::optional<ErrorCondition> error_condition_from_string(std::string_view name) noexcept {
  return core::value_of<ErrorCondition>(kConditionNames, name);
}

ErrorType default_type(ErrorCondition condition) noexcept {
  const auto i = static_cast<std::size_t>(condition);
  return i < kDefaultTypes.size() ? kDefaultTypes[i] : ErrorType::cancel;
}

std::string_view to_string(ErrorParseProblem problem) noexcept {
  return core::name_of(kParseProblemMessages, problem, "unknown error parse problem");
}

ErrorParseResult parse_error(xml::Element stanza) noexcept {
  ErrorParseResult result;
  if (!stanza) {
    result.problem = ErrorParseProblem::not_an_error;
    return result;
  }
  xml::Element error;
  if (kind_of(stanza)) {
    if (stanza.attribute_or_empty("type") != "error") {
      result.problem = ErrorParseProblem::not_an_error;
      return result;
    }
    // RFC 6120 §8.3.2: <error/> is qualified by the stanza's namespace.
    error = stanza.child("error", stanza.ns());
    if (!error) {
      result.problem = ErrorParseProblem::missing_error;
      return result;
    }
  } else if (stanza.name() == "error" &&
             (stanza.ns() == ns::kClient || stanza.ns() == ns::kComponent)) {
    error = stanza;
  } else {
    result.problem = ErrorParseProblem::not_an_error;
    return result;
  }

  const auto type_name = error.attribute("type");
  if (!type_name) {
    result.problem = ErrorParseProblem::missing_type;
    return result;
  }
  const auto type = error_type_from_string(*type_name);
  if (!type) {
    result.problem = ErrorParseProblem::unknown_type;
    return result;
  }
  result.error.type = *type;
  result.error.by = error.attribute_or_empty("by");

  bool have_condition = false;
  std::optional<ErrorCondition> condition;
  for (xml::Element child = error.first_child_element(); child;
       child = child.next_sibling_element()) {
    if (child.ns() != ns::kStanzas) {
      // §8.3.4: at most one application-specific element; the first one counts.
      if (!result.error.application) result.error.application = child;
      continue;
    }
    if (child.name() == "text") {
      if (result.error.text.empty()) {
        result.error.text = child.text();
        result.error.text_lang = child.attribute_or_empty("lang", xml::kXmlNamespace);
      }
      continue;
    }
    if (!have_condition) {
      have_condition = true;
      condition = error_condition_from_string(child.name());
      if (condition && carries_uri(*condition)) result.error.uri = child.text();
    }
  }
  if (!have_condition) {
    result.problem = ErrorParseProblem::missing_condition;
    return result;
  }
  if (!condition) {
    result.problem = ErrorParseProblem::unknown_condition;
    return result;
  }
  result.error.condition = *condition;
  return result;
}

bool may_reply_with_error(xml::Element stanza) noexcept {
  return kind_of(stanza).has_value() && stanza.attribute_or_empty("type") != "error";
}

xml::Element build_error_reply(xml::Arena& arena, xml::Element request, const ErrorReply& reply) {
  xml::Builder b(arena, request.name(), request.ns());
  b.attribute("type", "error");
  if (const auto id = request.attribute("id")) b.attribute("id", *id);
  if (const auto from = request.attribute("from")) b.attribute("to", *from);
  if (reply.from == ReplyFrom::request_to) {
    if (const auto to = request.attribute("to")) b.attribute("from", *to);
  }
  if (reply.include_request) {
    for (xml::Element child = request.first_child_element(); child;
         child = child.next_sibling_element()) {
      b.copy(child);
    }
  }
  b.start("error").attribute("type", to_string(reply.type.value_or(default_type(reply.condition))));
  b.start(to_string(reply.condition), ns::kStanzas);
  if (carries_uri(reply.condition) && !reply.uri.empty()) b.text(reply.uri);
  b.end();
  if (!reply.text.empty()) {
    b.start("text", ns::kStanzas).attribute("lang", xml::kXmlNamespace, "en", "xml");
    b.text(reply.text).end();
  }
  if (reply.application) b.copy(reply.application);
  b.end();
  return b.root();
}

}  // namespace xmpp::stanza
