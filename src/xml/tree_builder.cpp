// Turns the lexer's tokens into element trees: node allocation, namespace resolution
// (Namespaces in XML 1.0) and the checks that need a whole start tag.
#include <algorithm>
#include <optional>

#include "xml/parser_impl.hpp"

namespace xmpp::xml {
namespace {

using C = StreamErrorCondition;
using detail::AttributeNode;
using detail::ElementNode;
using detail::NamespaceDeclNode;
using detail::Node;

constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";

void link_child(ElementNode* parent, Node* child) {
  if (parent->last_child) {
    parent->last_child->next = child;
  } else {
    parent->first_child = child;
  }
  parent->last_child = child;
}

}  // namespace

bool StreamParser::Impl::account(std::size_t bytes, const unsigned char* at) {
  // Logical bytes, independent of arena block layout, so the limit trips at the same byte
  // whatever the chunking.
  tree_bytes += bytes;
  if (tree_bytes > limits.max_tree_bytes) {
    fail(C::policy_violation, at, "element tree larger than Limits::max_tree_bytes");
    return false;
  }
  return true;
}

bool StreamParser::Impl::begin_element(const unsigned char* at) {
  std::string_view qname = arena->close_string();
  auto* e = arena->make<ElementNode>();
  e->qname = qname;
  e->prefix_size = name_has_colon ? name_prefix_size : 0;
  std::size_t bytes = sizeof(ElementNode) + qname.size();
  if (level == Level::prolog) {
    header = e;
  } else if (depth == 0) {
    root = e;
    tree_bytes = 0;
  } else {
    e->parent = current;
    auto* n = arena->make<Node>();
    n->element = e;
    link_child(current, n);
    bytes += sizeof(Node);
  }
  tag = e;
  attr_count = 0;
  had_space = false;
  return account(bytes, at);
}

bool StreamParser::Impl::add_attribute(const unsigned char* at) {
  std::string_view value = arena->close_string();
  std::string_view prefix = attr_qname.substr(0, attr_prefix_size);
  ++attr_count;
  // Namespace declarations are not attributes (Namespaces in XML 1.0 §3); they are checked with
  // the whole start tag in resolve_namespaces().
  if ((attr_prefix_size == 0 && attr_qname == "xmlns") || prefix == "xmlns") {
    auto* d = arena->make<NamespaceDeclNode>();
    d->prefix = attr_prefix_size ? attr_qname.substr(attr_prefix_size + 1) : std::string_view{};
    d->uri = value;
    // Kept in document order.
    NamespaceDeclNode** tail = &tag->namespaces;
    while (*tail)
      tail = &(*tail)->next;
    *tail = d;
    return account(sizeof(NamespaceDeclNode) + attr_qname.size() + value.size(), at);
  }
  auto* a = arena->make<AttributeNode>();
  a->qname = attr_qname;
  a->prefix_size = attr_prefix_size;
  a->value = value;
  if (tag->last_attribute) {
    tag->last_attribute->next = a;
  } else {
    tag->attributes = a;
  }
  tag->last_attribute = a;
  return account(sizeof(AttributeNode) + attr_qname.size() + value.size(), at);
}

std::optional<std::string_view> StreamParser::Impl::lookup_prefix(const ElementNode* e,
                                                                  std::string_view prefix) const {
  if (prefix == "xml") return kXmlNamespace;  // bound by definition (Namespaces in XML 1.0 §3)
  for (const ElementNode* x = e; x; x = x->parent) {
    for (auto* d = x->namespaces; d; d = d->next) {
      if (d->prefix == prefix) return d->uri;
    }
  }
  // Top-level elements inherit the stream header's declarations.
  if (e != header && header) {
    for (auto* d = header->namespaces; d; d = d->next) {
      if (d->prefix == prefix) return d->uri;
    }
  }
  return std::nullopt;
}

bool StreamParser::Impl::resolve_namespaces(ElementNode* e, const unsigned char* at) {
  auto bad = [&](C c, std::string_view msg) {
    fail(c, at, msg);
    return false;
  };
  const NamespaceDeclNode* own_default = nullptr;
  for (auto* d = e->namespaces; d; d = d->next) {
    for (auto* o = d->next; o; o = o->next) {
      if (o->prefix == d->prefix) return bad(C::not_well_formed, "duplicate namespace declaration");
    }
    if (d->uri == kXmlnsNamespace) {
      return bad(C::not_well_formed, "the xmlns namespace cannot be declared");
    }
    if (d->prefix.empty()) {
      if (d->uri == kXmlNamespace) {
        return bad(C::not_well_formed, "the xml namespace cannot be the default namespace");
      }
      own_default = d;
      continue;
    }
    if (d->prefix == "xmlns") return bad(C::not_well_formed, "the xmlns prefix cannot be declared");
    if ((d->prefix == "xml") != (d->uri == kXmlNamespace)) {
      return bad(C::not_well_formed, "the xml prefix is bound to its namespace only");
    }
    if (d->uri.empty()) {
      return bad(C::not_well_formed, "a prefix cannot be undeclared (Namespaces in XML 1.0 §5)");
    }
  }

  if (own_default) {
    e->default_ns = own_default->uri;
  } else if (e->parent) {
    e->default_ns = e->parent->default_ns;
  } else if (e != header && header) {
    e->default_ns = header->default_ns;  // stanzas take the stream's content namespace
  }

  std::string_view prefix = e->qname.substr(0, e->prefix_size);
  if (prefix.empty()) {
    e->ns = e->default_ns;
  } else {
    auto uri = lookup_prefix(e, prefix);
    if (!uri) return bad(C::bad_namespace_prefix, "undeclared namespace prefix on an element");
    e->ns = *uri;
  }

  std::size_t count = 0;
  for (auto* a = e->attributes; a; a = a->next, ++count) {
    if (a->prefix_size == 0) continue;  // unprefixed attributes are in no namespace
    auto uri = lookup_prefix(e, a->qname.substr(0, a->prefix_size));
    if (!uri) return bad(C::bad_namespace_prefix, "undeclared namespace prefix on an attribute");
    a->ns = *uri;
  }

  // No two attributes with the same expanded name (XML 1.0 §3.1, Namespaces in XML 1.0 §6.3);
  // this also covers the same qualified name twice.
  auto key_less = [](const AttributeNode* x, const AttributeNode* y) {
    auto lx = detail::local_part(x->qname, x->prefix_size);
    auto ly = detail::local_part(y->qname, y->prefix_size);
    return x->ns != y->ns ? x->ns < y->ns : lx < ly;
  };
  auto same = [](const AttributeNode* x, const AttributeNode* y) {
    return x->ns == y->ns && detail::local_part(x->qname, x->prefix_size) ==
                                 detail::local_part(y->qname, y->prefix_size);
  };
  if (count <= 16) {
    for (auto* a = e->attributes; a; a = a->next) {
      for (auto* b = a->next; b; b = b->next) {
        if (same(a, b)) return bad(C::not_well_formed, "duplicate attribute");
      }
    }
  } else {
    // Many attributes: sort pointers to keep the check O(n log n) against hostile input.
    auto** v = static_cast<const AttributeNode**>(
        arena->allocate(count * sizeof(AttributeNode*), alignof(AttributeNode*)));
    std::size_t i = 0;
    for (auto* a = e->attributes; a; a = a->next)
      v[i++] = a;
    std::sort(v, v + count, key_less);
    for (i = 1; i < count; ++i) {
      if (same(v[i - 1], v[i])) return bad(C::not_well_formed, "duplicate attribute");
    }
  }
  return true;
}

bool StreamParser::Impl::finish_start_tag(bool empty, const unsigned char* at) {
  ElementNode* e = tag;
  tag = nullptr;
  if (!resolve_namespaces(e, at)) return false;
  if (level == Level::prolog) {
    // RFC 6120 §4.8.1: the stream element's namespace must be the streams namespace.
    if (e->ns != kStreamNamespace || Element(e).name() != "stream") {
      fail(C::invalid_namespace, at,
           "stream header is not <stream:stream> in the streams namespace");
      return false;
    }
    level = Level::stream;
    state = State::misc;
    event = Event::stream_open;
    pending_close = empty;
    return true;
  }
  if (!empty) {
    current = e;
    ++depth;
    state = State::text;
    return true;
  }
  if (depth == 0) {  // an empty top-level element, e.g. <proceed/>
    state = State::misc;
    in_element = false;
    element_ready = true;
    event = Event::element;
    return true;
  }
  state = State::text;
  return true;
}

bool StreamParser::Impl::close_text(const unsigned char* at) {
  if (depth == 0 || arena->open_size() == 0) return true;
  auto text = arena->close_string();
  auto* n = arena->make<Node>();
  n->text = text;
  link_child(current, n);
  return account(sizeof(Node) + text.size(), at);
}

void StreamParser::Impl::end_element() {
  if (depth == 0) {  // </stream:stream>
    level = Level::closed;
    state = State::misc;
    in_element = false;
    event = Event::stream_close;
    return;
  }
  current = current->parent;
  --depth;
  if (depth == 0) {
    state = State::misc;
    in_element = false;
    element_ready = true;
    event = Event::element;
    return;
  }
  state = State::text;
}

}  // namespace xmpp::xml
