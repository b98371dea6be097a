// RFC 6120 §8.2.3: the IQ view and builders.
#include "xmpp/stanza/iq.hpp"

#include <array>

#include "core/name_table.hpp"
#include "xmpp/stanza/namespaces.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::stanza {

namespace {

constexpr std::array<std::string_view, 4> kTypeNames{"get", "set", "result", "error"};

constexpr std::array<std::string_view, 8> kProblemMessages{
    "ok",
    "<iq/> without an id (RFC 6120 §8.2.3)",
    "<iq/> without a type (RFC 6120 §8.2.3)",
    "<iq/> type is not get, set, result or error (RFC 6120 §8.2.3)",
    "<iq/> get or set without a payload element (RFC 6120 §8.2.3)",
    "<iq/> get or set with more than one payload element (RFC 6120 §8.2.3)",
    "<iq/> result with more than one child element (RFC 6120 §8.2.3)",
    "<iq/> error without an <error/> child (RFC 6120 §8.3.1)",
};

}  // namespace

std::string_view to_string(IqType type) noexcept {
  return core::name_of(kTypeNames, type, "unknown");
}

std::optional<IqType> iq_type_from_string(std::string_view name) noexcept {
  return core::value_of<IqType>(kTypeNames, name);
}

std::string_view to_string(IqProblem problem) noexcept {
  return core::name_of(kProblemMessages, problem, "unknown iq problem");
}

std::optional<Iq> Iq::view(xml::Element element) noexcept {
  if (!element || element.name() != "iq" ||
      (element.ns() != ns::kClient && element.ns() != ns::kComponent)) {
    return std::nullopt;
  }
  return Iq(element);
}

std::optional<IqType> Iq::type() const noexcept {
  const auto name = element_.attribute("type");
  return name ? iq_type_from_string(*name) : std::nullopt;
}

bool Iq::is_request() const noexcept {
  const auto t = type();
  return t == IqType::get || t == IqType::set;
}

xml::Element Iq::payload() const noexcept {
  for (xml::Element child = element_.first_child_element(); child;
       child = child.next_sibling_element()) {
    if (type() == IqType::error && child.is("error", element_.ns())) continue;
    return child;
  }
  return {};
}

IqProblem Iq::check() const noexcept {
  if (!element_.attribute("id")) return IqProblem::missing_id;
  const auto name = element_.attribute("type");
  if (!name) return IqProblem::missing_type;
  const auto t = iq_type_from_string(*name);
  if (!t) return IqProblem::unknown_type;
  const std::size_t children = element_.child_element_count();
  switch (*t) {
    case IqType::get:
    case IqType::set:
      if (children == 0) return IqProblem::no_payload;
      if (children > 1) return IqProblem::several_payloads;
      break;
    case IqType::result:
      if (children > 1) return IqProblem::several_results;
      break;
    case IqType::error:
      if (!element_.child("error", element_.ns())) return IqProblem::missing_error;
      break;
  }
  return IqProblem::ok;
}

xml::Element build_request(xml::Arena& arena, IqType type, xml::Element payload,
                           std::string_view to, std::string_view id, std::string_view ns,
                           std::string_view from) {
  xml::Builder b(arena, "iq", ns);
  b.attribute("type", to_string(type));
  if (!id.empty()) b.attribute("id", id);
  if (!to.empty()) b.attribute("to", to);
  if (!from.empty()) b.attribute("from", from);
  if (payload) b.copy(payload);
  return b.root();
}

xml::Element build_result(xml::Arena& arena, xml::Element request, xml::Element payload,
                          ReplyFrom reply_from) {
  xml::Builder b(arena, "iq", request.ns());
  b.attribute("type", "result");
  if (const auto id = request.attribute("id")) b.attribute("id", *id);
  if (const auto from = request.attribute("from")) b.attribute("to", *from);
  if (reply_from == ReplyFrom::request_to) {
    if (const auto to = request.attribute("to")) b.attribute("from", *to);
  }
  if (payload) b.copy(payload);
  return b.root();
}

}  // namespace xmpp::stanza
