#include "owned_element.hpp"

#include <utility>

#include "xmpp/xml/builder.hpp"

namespace xmpp::chat {

OwnedElement::OwnedElement(xml::Element element) : element_(xml::clone(element, arena_)) {}

OwnedElement::OwnedElement(OwnedElement&& other) noexcept
    : arena_(std::move(other.arena_)), element_(std::exchange(other.element_, xml::Element())) {}

OwnedElement& OwnedElement::operator=(OwnedElement&& other) noexcept {
  if (this != &other) {
    arena_ = std::move(other.arena_);
    element_ = std::exchange(other.element_, xml::Element());
  }
  return *this;
}

}  // namespace xmpp::chat
