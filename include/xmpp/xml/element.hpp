// Read-only views of an element tree (one stanza, nonza or stream header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

namespace xmpp::xml {

/// The namespace of the `xml:` prefix (Namespaces in XML 1.0 §3).
inline constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";

namespace detail {
// Tree nodes live in an Arena and are trivially destructible. Applications use the views below.
struct AttributeNode {
  std::string_view qname;         // as written, e.g. "xml:lang"
  std::uint32_t prefix_size = 0;  // bytes before the ':' (0: no prefix)
  std::string_view ns;            // resolved namespace; empty for unprefixed attributes
  std::string_view value;         // decoded and normalised (XML 1.0 §3.3.3)
  AttributeNode* next = nullptr;
};
struct NamespaceDeclNode {
  std::string_view prefix;  // empty: the default namespace
  std::string_view uri;     // empty: undeclares the default namespace (xmlns='')
  NamespaceDeclNode* next = nullptr;
};
struct ElementNode;
struct Node {
  Node* next = nullptr;            // next sibling
  ElementNode* element = nullptr;  // set when this child is an element
  std::string_view text;           // the text when this child is character data
};
struct ElementNode {
  std::string_view qname;
  std::uint32_t prefix_size = 0;
  std::string_view ns;
  std::string_view default_ns;  // default namespace in scope for this element's children
  AttributeNode* attributes = nullptr;
  AttributeNode* last_attribute = nullptr;
  NamespaceDeclNode* namespaces = nullptr;
  Node* first_child = nullptr;
  Node* last_child = nullptr;
  ElementNode* parent = nullptr;
};
inline std::string_view local_part(std::string_view qname, std::uint32_t prefix_size) {
  return prefix_size ? qname.substr(prefix_size + 1) : qname;
}
}  // namespace detail

class Element;

/// One attribute. Views stay valid as long as the tree they came from.
class Attribute {
 public:
  explicit Attribute(const detail::AttributeNode* n) noexcept : n_(n) {}
  std::string_view name() const noexcept { return detail::local_part(n_->qname, n_->prefix_size); }
  std::string_view prefix() const noexcept { return n_->qname.substr(0, n_->prefix_size); }
  std::string_view qualified_name() const noexcept { return n_->qname; }
  /// Namespace name; empty for an unprefixed attribute (Namespaces in XML 1.0 §6.2).
  std::string_view ns() const noexcept { return n_->ns; }
  std::string_view value() const noexcept { return n_->value; }

 private:
  const detail::AttributeNode* n_;
};

/// A namespace declaration (`xmlns='…'` or `xmlns:p='…'`) written on an element.
struct NamespaceDeclaration {
  std::string_view prefix;  ///< empty for the default namespace
  std::string_view uri;     ///< empty for `xmlns=''`
};

/// A forward range over a singly linked list of nodes, mapped through `Make`.
template <class NodeT, class Value, class Make, NodeT* NodeT::*Next>
class NodeRange {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = Value;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = Value;
    iterator() = default;
    explicit iterator(const NodeT* n) : n_(n) {}
    Value operator*() const { return Make{}(n_); }
    iterator& operator++() {
      n_ = n_->*Next;
      return *this;
    }
    iterator operator++(int) {
      auto c = *this;
      ++*this;
      return c;
    }
    bool operator==(const iterator&) const = default;

   private:
    const NodeT* n_ = nullptr;
  };
  explicit NodeRange(const NodeT* first) : first_(first) {}
  iterator begin() const { return iterator(first_); }
  iterator end() const { return iterator(); }
  bool empty() const { return first_ == nullptr; }

 private:
  const NodeT* first_;
};

/// A child of an element: either a nested element or a run of character data.
class Child {
 public:
  explicit Child(const detail::Node* n) noexcept : n_(n) {}
  bool is_element() const noexcept { return n_->element != nullptr; }
  bool is_text() const noexcept { return n_->element == nullptr; }
  /// The element; only when is_element().
  Element element() const noexcept;
  /// The decoded character data (entities resolved, CDATA unwrapped); only when is_text().
  std::string_view text() const noexcept { return n_->text; }

 private:
  const detail::Node* n_;
};

/// A read-only view of one element of a tree. Cheap to copy. It stays valid as long as the memory
/// of its tree: for trees delivered by StreamParser, until the parser's next parse(), reset() or
/// destruction (see StreamParser); for trees built with Builder, until the Arena is reset.
/// A default-constructed Element is empty (`!e`); calling accessors on it is undefined.
class Element {
 public:
  Element() = default;
  explicit Element(const detail::ElementNode* n) noexcept : n_(n) {}
  explicit operator bool() const noexcept { return n_ != nullptr; }

  /// Local name, e.g. "message".
  std::string_view name() const noexcept { return detail::local_part(n_->qname, n_->prefix_size); }
  /// Namespace name, e.g. "jabber:client"; empty when the element is in no namespace.
  std::string_view ns() const noexcept { return n_->ns; }
  /// The prefix as written ("stream" for `<stream:features>`), empty if none.
  std::string_view prefix() const noexcept { return n_->qname.substr(0, n_->prefix_size); }
  std::string_view qualified_name() const noexcept { return n_->qname; }
  bool is(std::string_view local_name, std::string_view ns_name) const noexcept {
    return name() == local_name && ns() == ns_name;
  }

  /// Value of the attribute with this local name and namespace (empty `ns`: an unprefixed
  /// attribute), or nullopt when absent.
  std::optional<std::string_view> attribute(std::string_view local_name,
                                            std::string_view ns_name = {}) const noexcept;
  /// Like attribute(), with "" for an absent attribute.
  std::string_view attribute_or_empty(std::string_view local_name,
                                      std::string_view ns_name = {}) const noexcept {
    return attribute(local_name, ns_name).value_or(std::string_view{});
  }

  struct MakeAttribute {
    Attribute operator()(const detail::AttributeNode* n) const { return Attribute(n); }
  };
  struct MakeNamespace {
    NamespaceDeclaration operator()(const detail::NamespaceDeclNode* n) const {
      return {n->prefix, n->uri};
    }
  };
  struct MakeChild {
    Child operator()(const detail::Node* n) const { return Child(n); }
  };
  using AttributeRange =
      NodeRange<detail::AttributeNode, Attribute, MakeAttribute, &detail::AttributeNode::next>;
  using NamespaceRange = NodeRange<detail::NamespaceDeclNode, NamespaceDeclaration, MakeNamespace,
                                   &detail::NamespaceDeclNode::next>;
  using ChildRange = NodeRange<detail::Node, Child, MakeChild, &detail::Node::next>;

  /// Attributes in document order, namespace declarations excluded.
  AttributeRange attributes() const noexcept { return AttributeRange(n_->attributes); }
  /// Namespace declarations written on this element, in document order.
  NamespaceRange namespace_declarations() const noexcept { return NamespaceRange(n_->namespaces); }
  /// Children (elements and text runs) in document order. Adjacent character data (text,
  /// entity references, CDATA sections) forms a single text child.
  ChildRange children() const noexcept { return ChildRange(n_->first_child); }

  /// The first child element with this local name and namespace, or an empty Element.
  Element child(std::string_view local_name, std::string_view ns_name) const noexcept;
  /// The first child element with this local name in the same namespace as this element.
  Element child(std::string_view local_name) const noexcept { return child(local_name, ns()); }
  /// The first child element of any name, or an empty Element.
  Element first_child_element() const noexcept;
  /// The next sibling element, or an empty Element.
  Element next_sibling_element() const noexcept;
  /// Number of child elements.
  std::size_t child_element_count() const noexcept;

  /// The character data directly inside this element when it is one run (the usual case, e.g.
  /// `<body>`); for mixed content, the first run; "" when there is none.
  std::string_view text() const noexcept;
  /// Appends all character data directly inside this element, in order, to `out`.
  void append_text(std::string& out) const;

  const detail::ElementNode* node() const noexcept { return n_; }

 private:
  const detail::ElementNode* n_ = nullptr;
};

inline Element Child::element() const noexcept {
  return Element(n_->element);
}

/// Deep structural equality: names, namespaces, attributes (as a set, by namespace and local
/// name), and children in order. Prefixes and namespace declarations are not compared, since
/// they do not change meaning (Namespaces in XML 1.0).
bool equivalent(Element a, Element b) noexcept;

}  // namespace xmpp::xml
