// An element tree that owns its memory, for keeping a parsed or built element past the life of
// the parser or arena it came from.
#pragma once

#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::chat {

/// A deep copy of an element in an arena of its own. Move-only; moving keeps the element valid
/// (the arena's blocks are on the heap and do not move with it).
class OwnedElement {
 public:
  /// An empty one: get() is a null Element.
  OwnedElement() = default;
  /// Copies `element` (xml::clone) into a new arena.
  explicit OwnedElement(xml::Element element);
  OwnedElement(OwnedElement&& other) noexcept;
  OwnedElement& operator=(OwnedElement&& other) noexcept;
  OwnedElement(const OwnedElement&) = delete;
  OwnedElement& operator=(const OwnedElement&) = delete;
  ~OwnedElement() = default;

  /// The copy; valid as long as this object (or the one it is moved into).
  xml::Element get() const noexcept { return element_; }

 private:
  xml::Arena arena_;
  xml::Element element_;
};

}  // namespace xmpp::chat
