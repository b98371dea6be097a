#include "xmpp/xml/builder.hpp"

namespace xmpp::xml {

Builder::Builder(Arena& arena, std::string_view name, std::string_view ns)
    : arena_(arena), root_(new_element(name, ns)), current_(root_) {}

detail::ElementNode* Builder::new_element(std::string_view name, std::string_view ns) {
  auto* e = arena_.make<detail::ElementNode>();
  e->qname = arena_.copy(name);
  e->ns = arena_.copy(ns);
  return e;
}

void Builder::add_child(detail::ElementNode* parent, detail::Node* child) {
  if (parent->last_child) {
    parent->last_child->next = child;
  } else {
    parent->first_child = child;
  }
  parent->last_child = child;
}

Builder& Builder::start(std::string_view name) {
  return start(name, current_->ns);
}

Builder& Builder::start(std::string_view name, std::string_view ns) {
  auto* e = new_element(name, ns);
  e->parent = current_;
  auto* node = arena_.make<detail::Node>();
  node->element = e;
  add_child(current_, node);
  current_ = e;
  return *this;
}

Builder& Builder::end() {
  if (current_->parent) current_ = current_->parent;
  return *this;
}

Builder& Builder::attribute(std::string_view name, std::string_view value) {
  return attribute(name, {}, value, {});
}

Builder& Builder::attribute(std::string_view name, std::string_view ns, std::string_view value,
                            std::string_view prefix_hint) {
  // Replace an attribute with the same expanded name: an element cannot carry two.
  for (auto* a = current_->attributes; a; a = a->next) {
    if (a->ns == ns && detail::local_part(a->qname, a->prefix_size) == name) {
      a->value = arena_.copy(value);
      return *this;
    }
  }
  auto* a = arena_.make<detail::AttributeNode>();
  if (!ns.empty() && !prefix_hint.empty()) {
    arena_.append(prefix_hint.data(), prefix_hint.size());
    arena_.append(':');
    arena_.append(name.data(), name.size());
    a->qname = arena_.close_string();
    a->prefix_size = static_cast<std::uint32_t>(prefix_hint.size());
  } else {
    a->qname = arena_.copy(name);
  }
  a->ns = arena_.copy(ns);
  a->value = arena_.copy(value);
  if (current_->last_attribute) {
    current_->last_attribute->next = a;
  } else {
    current_->attributes = a;
  }
  current_->last_attribute = a;
  return *this;
}

Builder& Builder::text(std::string_view text) {
  if (text.empty()) return *this;
  detail::Node* last = current_->last_child;
  if (last && !last->element) {
    // Merge with the preceding run so a tree has at most one text node between elements.
    arena_.append(last->text.data(), last->text.size());
    arena_.append(text.data(), text.size());
    last->text = arena_.close_string();
    return *this;
  }
  auto* node = arena_.make<detail::Node>();
  node->text = arena_.copy(text);
  add_child(current_, node);
  return *this;
}

Builder& Builder::prefix(std::string_view prefix) {
  std::string_view local = detail::local_part(current_->qname, current_->prefix_size);
  if (prefix.empty()) {
    current_->qname = local;
    current_->prefix_size = 0;
    return *this;
  }
  arena_.append(prefix.data(), prefix.size());
  arena_.append(':');
  arena_.append(local.data(), local.size());
  current_->qname = arena_.close_string();
  current_->prefix_size = static_cast<std::uint32_t>(prefix.size());
  return *this;
}

Builder& Builder::copy(Element e) {
  Element c = clone(e, arena_);
  auto* node = arena_.make<detail::Node>();
  auto* cn = const_cast<detail::ElementNode*>(c.node());
  cn->parent = current_;
  node->element = cn;
  add_child(current_, node);
  return *this;
}

namespace {

detail::ElementNode* clone_node(const detail::ElementNode* src, Arena& arena,
                                detail::ElementNode* parent) {
  auto* e = arena.make<detail::ElementNode>();
  e->qname = arena.copy(src->qname);
  e->prefix_size = src->prefix_size;
  e->ns = arena.copy(src->ns);
  e->default_ns = arena.copy(src->default_ns);
  e->parent = parent;
  for (auto* a = src->attributes; a; a = a->next) {
    auto* c = arena.make<detail::AttributeNode>();
    c->qname = arena.copy(a->qname);
    c->prefix_size = a->prefix_size;
    c->ns = arena.copy(a->ns);
    c->value = arena.copy(a->value);
    (e->last_attribute ? e->last_attribute->next : e->attributes) = c;
    e->last_attribute = c;
  }
  detail::NamespaceDeclNode* last_ns = nullptr;
  for (auto* d = src->namespaces; d; d = d->next) {
    auto* c = arena.make<detail::NamespaceDeclNode>();
    c->prefix = arena.copy(d->prefix);
    c->uri = arena.copy(d->uri);
    (last_ns ? last_ns->next : e->namespaces) = c;
    last_ns = c;
  }
  // Children are copied iteratively per level and recursively per depth; trees from the parser
  // are at most Limits::max_depth deep.
  for (auto* ch = src->first_child; ch; ch = ch->next) {
    auto* c = arena.make<detail::Node>();
    if (ch->element) {
      c->element = clone_node(ch->element, arena, e);
    } else {
      c->text = arena.copy(ch->text);
    }
    (e->last_child ? e->last_child->next : e->first_child) = c;
    e->last_child = c;
  }
  return e;
}

}  // namespace

Element clone(Element e, Arena& arena) {
  if (!e) return {};
  return Element(clone_node(e.node(), arena, nullptr));
}

}  // namespace xmpp::xml
