#include "xmpp/xml/element.hpp"

namespace xmpp::xml {

std::optional<std::string_view> Element::attribute(std::string_view local_name,
                                                   std::string_view ns_name) const noexcept {
  for (auto* a = n_->attributes; a; a = a->next) {
    if (a->ns == ns_name && detail::local_part(a->qname, a->prefix_size) == local_name) {
      return a->value;
    }
  }
  return std::nullopt;
}

Element Element::child(std::string_view local_name, std::string_view ns_name) const noexcept {
  for (auto* c = n_->first_child; c; c = c->next) {
    if (c->element && Element(c->element).is(local_name, ns_name)) return Element(c->element);
  }
  return {};
}

Element Element::first_child_element() const noexcept {
  for (auto* c = n_->first_child; c; c = c->next) {
    if (c->element) return Element(c->element);
  }
  return {};
}

Element Element::next_sibling_element() const noexcept {
  // Siblings are reached through the parent's child list, where this element is a Node.
  if (!n_->parent) return {};
  bool seen = false;
  for (auto* c = n_->parent->first_child; c; c = c->next) {
    if (seen && c->element) return Element(c->element);
    if (c->element == n_) seen = true;
  }
  return {};
}

std::size_t Element::child_element_count() const noexcept {
  std::size_t n = 0;
  for (auto* c = n_->first_child; c; c = c->next)
    n += c->element != nullptr;
  return n;
}

std::string_view Element::text() const noexcept {
  for (auto* c = n_->first_child; c; c = c->next) {
    if (!c->element) return c->text;
  }
  return {};
}

void Element::append_text(std::string& out) const {
  for (auto* c = n_->first_child; c; c = c->next) {
    if (!c->element) out.append(c->text);
  }
}

namespace {

bool same_attributes(const detail::ElementNode* a, const detail::ElementNode* b) {
  std::size_t count_a = 0, count_b = 0;
  for (auto* x = a->attributes; x; x = x->next)
    ++count_a;
  for (auto* x = b->attributes; x; x = x->next)
    ++count_b;
  if (count_a != count_b) return false;
  // Attribute order carries no meaning (XML 1.0 §3.1); names are unique within an element.
  Element eb(b);
  for (auto* x = a->attributes; x; x = x->next) {
    auto v = eb.attribute(detail::local_part(x->qname, x->prefix_size), x->ns);
    if (!v || *v != x->value) return false;
  }
  return true;
}

// Compares child lists treating adjacent text nodes as one run, since a builder may append text
// in pieces where the parser produces one node.
bool same_children(const detail::Node* a, const detail::Node* b);

bool same_element(const detail::ElementNode* a, const detail::ElementNode* b) {
  return Element(a).name() == Element(b).name() && a->ns == b->ns && same_attributes(a, b) &&
         same_children(a->first_child, b->first_child);
}

bool same_children(const detail::Node* a, const detail::Node* b) {
  while (a || b) {
    // Skip empty text runs: they carry nothing.
    while (a && !a->element && a->text.empty())
      a = a->next;
    while (b && !b->element && b->text.empty())
      b = b->next;
    if (!a || !b) return !a && !b;
    if (a->element || b->element) {
      if (!a->element || !b->element || !same_element(a->element, b->element)) return false;
      a = a->next;
      b = b->next;
      continue;
    }
    // Both are text: compare the concatenated runs piecewise.
    std::string_view ta = a->text, tb = b->text;
    while (true) {
      std::size_t n = std::min(ta.size(), tb.size());
      if (ta.substr(0, n) != tb.substr(0, n)) return false;
      ta.remove_prefix(n);
      tb.remove_prefix(n);
      if (ta.empty()) {
        a = a->next;
        while (a && !a->element && a->text.empty())
          a = a->next;
        if (a && !a->element) ta = a->text;
      }
      if (tb.empty()) {
        b = b->next;
        while (b && !b->element && b->text.empty())
          b = b->next;
        if (b && !b->element) tb = b->text;
      }
      bool a_more = !ta.empty(), b_more = !tb.empty();
      if (!a_more && !b_more) break;
      if (a_more != b_more) return false;
    }
  }
  return true;
}

}  // namespace

bool equivalent(Element a, Element b) noexcept {
  if (!a || !b) return !a && !b;
  return same_element(a.node(), b.node());
}

}  // namespace xmpp::xml
