// Building element trees (stanzas to send) in an Arena.
#pragma once

#include <string_view>

#include "xmpp/xml/arena.hpp"
#include "xmpp/xml/element.hpp"

namespace xmpp::xml {

/// Builds one element tree in an Arena, top-down, with a cursor on the element being filled:
///
///     xml::Arena arena;
///     xml::Builder b(arena, "message", "jabber:client");
///     b.attribute("to", "juliet@example.com").attribute("type", "chat");
///     b.start("body").text("Wherefore art thou?").end();
///     xml::Element msg = b.root();
///
/// All strings are copied into the arena, so the caller's buffers may go away at once. Names and
/// text are not validated here; the Writer validates everything it serialises and refuses what
/// XML cannot carry. The tree lives until the arena is reset or released.
class Builder {
 public:
  /// Starts a tree whose root is `{ns}name`.
  Builder(Arena& arena, std::string_view name, std::string_view ns);

  /// Opens a child of the current element and moves the cursor into it. With no namespace given
  /// the child takes its parent's namespace (as an unprefixed child does in XML).
  Builder& start(std::string_view name);
  Builder& start(std::string_view name, std::string_view ns);
  /// Closes the current element and moves the cursor to its parent. Closing the root is a no-op.
  Builder& end();
  /// Adds an unprefixed attribute to the current element (replacing one of the same name).
  Builder& attribute(std::string_view name, std::string_view value);
  /// Adds an attribute in namespace `ns` (e.g. kXmlNamespace for xml:lang). `prefix_hint` is the
  /// prefix the writer should prefer.
  Builder& attribute(std::string_view name, std::string_view ns, std::string_view value,
                     std::string_view prefix_hint = {});
  /// Appends character data to the current element (merged with a directly preceding run).
  Builder& text(std::string_view text);
  /// Appends a deep copy of `e` as a child of the current element.
  Builder& copy(Element e);
  /// Sets the prefix the current element is written with, when the writer can honour it.
  Builder& prefix(std::string_view prefix);

  Element root() const noexcept { return Element(root_); }
  Element current() const noexcept { return Element(current_); }

 private:
  detail::ElementNode* new_element(std::string_view name, std::string_view ns);
  void add_child(detail::ElementNode* parent, detail::Node* child);

  Arena& arena_;
  detail::ElementNode* root_;
  detail::ElementNode* current_;
};

/// Deep-copies `e` into `arena` and returns the copy's root.
Element clone(Element e, Arena& arena);

}  // namespace xmpp::xml
