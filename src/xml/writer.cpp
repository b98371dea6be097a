#include "xmpp/xml/writer.hpp"

#include <array>
#include <deque>
#include <string>
#include <vector>

#include "xml/char_class.hpp"

namespace xmpp::xml {
namespace {

constexpr std::string_view kXmlnsNamespace = "http://www.w3.org/2000/xmlns/";

// Bytes the escapers must look at; everything else is copied in bulk.
enum : std::uint8_t { kPlain = 0, kTextSpecial = 1, kAttrSpecial = 2 };
constexpr std::array<std::uint8_t, 256> kEscapeClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c)
    t[c] = kTextSpecial | kAttrSpecial;
  t['\n'] = kAttrSpecial;  // LF survives in text, not in attribute values (XML 1.0 §3.3.3)
  t['\t'] = kAttrSpecial;
  t['&'] = t['<'] = kTextSpecial | kAttrSpecial;
  t['>'] = kTextSpecial;  // keeps "]]>" out of text
  t['\''] = kAttrSpecial;
  for (int c = 0x80; c < 0x100; ++c)
    t[c] = kTextSpecial | kAttrSpecial;
  return t;
}();

WriteStatus escape(std::string_view s, std::string& out, std::uint8_t mask) {
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  auto* run = p;
  while (p < end) {
    unsigned char c = *p;
    if (!(kEscapeClass[c] & mask)) {
      ++p;
      continue;
    }
    if (c >= 0x80) {
      char32_t cp = 0;
      std::size_t bad = 0;
      std::size_t n = detail::decode_utf8(p, end, cp, bad);
      if (n == 0) return WriteStatus::invalid_utf8;
      if (!detail::is_xml_char(cp)) return WriteStatus::illegal_character;
      p += n;
      continue;
    }
    out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(p - run));
    switch (c) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '\'':
        out.append("&apos;");
        break;
      case '\t':
        out.append("&#9;");
        break;
      case '\n':
        out.append("&#10;");
        break;
      case '\r':
        out.append("&#13;");
        break;  // line-end handling would turn it into LF
      default:
        return WriteStatus::illegal_character;  // C0 controls (XML 1.0 §2.2)
    }
    run = ++p;
  }
  out.append(reinterpret_cast<const char*>(run), static_cast<std::size_t>(end - run));
  return WriteStatus::ok;
}

// XML 1.0 §2.3 NCName, with invalid UTF-8 told apart from a bad name.
WriteStatus check_ncname(std::string_view s) {
  if (s.empty()) return WriteStatus::invalid_name;
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  bool first = true;
  while (p < end) {
    char32_t cp = *p;
    std::size_t n = 1;
    if (cp >= 0x80) {
      std::size_t bad = 0;
      n = detail::decode_utf8(p, end, cp, bad);
      if (n == 0) return WriteStatus::invalid_utf8;
    }
    if (first ? !detail::is_name_start_char(cp) : !detail::is_name_char(cp)) {
      return WriteStatus::invalid_name;
    }
    first = false;
    p += n;
  }
  return WriteStatus::ok;
}

struct Binding {
  std::string_view prefix, uri;
};

// The namespace context of one element being written; frames link up to the caller's scope.
struct Frame {
  const Frame* parent;
  const WriteScope* scope;
  std::string_view default_ns;
  const Binding* decls;
  std::size_t decl_count;

  // The URI `prefix` is bound to, or nullptr.
  const std::string_view* lookup(std::string_view prefix) const {
    for (const Frame* f = this; f; f = f->parent) {
      for (std::size_t i = 0; i < f->decl_count; ++i) {
        if (f->decls[i].prefix == prefix) return &f->decls[i].uri;
      }
    }
    for (std::size_t i = 0; i < scope->prefix_count; ++i) {
      if (scope->prefixes[i].prefix == prefix) return &scope->prefixes[i].uri;
    }
    return nullptr;
  }
};

// Namespace declarations for one element. Only prefixes bound nowhere in scope are ever
// declared, so a declaration can never change what another name on the same element means.
class Declarations {
 public:
  explicit Declarations(Frame& frame) : frame_(frame) {}

  // A prefix for attribute namespace `ns`: the hint when it is bound to `ns` or free, else one
  // bound to `ns` already, else a fresh generated one.
  std::string_view prefix_for(std::string_view ns, std::string_view hint) {
    if (!hint.empty() && hint != "xml" && hint != "xmlns" &&
        check_ncname(hint) == WriteStatus::ok) {
      const std::string_view* bound = frame_.lookup(hint);
      if (bound && *bound == ns) return hint;
      if (!bound) return declare(hint, ns);
    }
    for (std::size_t n = 0;; ++n) {
      std::string_view candidate = generated_name(n);
      const std::string_view* bound = frame_.lookup(candidate);
      if (bound && *bound == ns) return candidate;
      if (!bound) return declare(candidate, ns);
    }
  }

  const Binding* data() const { return list_.empty() ? fixed_.data() : list_.data(); }
  std::size_t size() const { return count_; }

 private:
  std::string_view declare(std::string_view prefix, std::string_view uri) {
    if (count_ < fixed_.size()) {
      fixed_[count_] = {prefix, uri};
    } else {
      if (list_.empty()) list_.assign(fixed_.begin(), fixed_.end());
      list_.push_back({prefix, uri});
    }
    ++count_;
    frame_.decls = data();  // later lookups on this element see it
    frame_.decl_count = count_;
    return prefix;
  }

  std::string_view generated_name(std::size_t n) {
    static constexpr std::array<std::string_view, 8> kNames = {"ns0", "ns1", "ns2", "ns3",
                                                               "ns4", "ns5", "ns6", "ns7"};
    if (n < kNames.size()) return kNames[n];
    // Rare: more attribute namespaces than the fixed names. The names live in a deque so views
    // into them stay valid while more are made.
    generated_.push_back("ns" + std::to_string(n));
    return generated_.back();
  }

  Frame& frame_;
  std::array<Binding, 8> fixed_;
  std::vector<Binding> list_;
  std::size_t count_ = 0;
  std::deque<std::string> generated_;
};

class TreeWriter {
 public:
  explicit TreeWriter(std::string& out) : out_(out) {}

  WriteStatus element(const detail::ElementNode* e, const Frame& parent, std::size_t depth) {
    if (depth > kWriterMaxDepth) return WriteStatus::too_deep;
    std::string_view local = detail::local_part(e->qname, e->prefix_size);
    std::string_view prefix = e->qname.substr(0, e->prefix_size);
    if (auto s = check_ncname(local); s != WriteStatus::ok) return s;
    if (e->ns == kXmlnsNamespace) return WriteStatus::invalid_name;

    Frame frame{&parent, parent.scope, parent.default_ns, nullptr, 0};
    if (e->ns == kXmlNamespace) {
      // The xml prefix is bound by definition and cannot be the default namespace (Namespaces
      // in XML 1.0 §3), so such an element is always written as xml:local.
      prefix = "xml";
    }
    // The element keeps its prefix only where it already means the element's namespace;
    // otherwise the element's namespace becomes the default one here.
    const std::string_view* bound = prefix.empty() ? nullptr : frame.lookup(prefix);
    const bool use_prefix =
        prefix == "xml" ? e->ns == kXmlNamespace : bound && *bound == e->ns && !e->ns.empty();
    const bool declare_default = !use_prefix && e->ns != parent.default_ns;
    if (!use_prefix) frame.default_ns = e->ns;

    Declarations decls(frame);
    std::size_t attr_count = 0;
    for (auto* a = e->attributes; a; a = a->next)
      ++attr_count;
    std::array<std::string_view, 8> fixed_prefixes;
    std::vector<std::string_view> more_prefixes;
    if (attr_count > fixed_prefixes.size()) more_prefixes.resize(attr_count);
    std::string_view* attr_prefix =
        more_prefixes.empty() ? fixed_prefixes.data() : more_prefixes.data();
    std::size_t i = 0;
    for (auto* a = e->attributes; a; a = a->next, ++i) {
      std::string_view alocal = detail::local_part(a->qname, a->prefix_size);
      if (auto s = check_ncname(alocal); s != WriteStatus::ok) return s;
      if (a->ns.empty()) {
        // Written as is, "xmlns" would be a namespace declaration, not this attribute.
        if (alocal == "xmlns") return WriteStatus::invalid_name;
        attr_prefix[i] = {};
      } else if (a->ns == kXmlnsNamespace) {
        return WriteStatus::invalid_name;
      } else if (a->ns == kXmlNamespace) {
        attr_prefix[i] = "xml";
      } else {
        attr_prefix[i] = decls.prefix_for(a->ns, a->qname.substr(0, a->prefix_size));
      }
    }

    auto write_name = [&] {
      if (use_prefix) {
        out_.append(prefix);
        out_.push_back(':');
      }
      out_.append(local);
    };
    out_.push_back('<');
    write_name();
    if (declare_default) {
      out_.append(" xmlns='");
      if (auto s = escape(e->ns, out_, kAttrSpecial); s != WriteStatus::ok) return s;
      out_.push_back('\'');
    }
    for (std::size_t d = 0; d < decls.size(); ++d) {
      out_.append(" xmlns:");
      out_.append(decls.data()[d].prefix);
      out_.append("='");
      if (auto s = escape(decls.data()[d].uri, out_, kAttrSpecial); s != WriteStatus::ok) {
        return s;
      }
      out_.push_back('\'');
    }
    i = 0;
    for (auto* a = e->attributes; a; a = a->next, ++i) {
      out_.push_back(' ');
      if (!attr_prefix[i].empty()) {
        out_.append(attr_prefix[i]);
        out_.push_back(':');
      }
      out_.append(detail::local_part(a->qname, a->prefix_size));
      out_.append("='");
      if (auto s = escape(a->value, out_, kAttrSpecial); s != WriteStatus::ok) return s;
      out_.push_back('\'');
    }
    if (!e->first_child) {
      out_.append("/>");
      return WriteStatus::ok;
    }
    out_.push_back('>');
    for (auto* c = e->first_child; c; c = c->next) {
      WriteStatus s =
          c->element ? element(c->element, frame, depth + 1) : escape(c->text, out_, kTextSpecial);
      if (s != WriteStatus::ok) return s;
    }
    out_.append("</");
    write_name();
    out_.push_back('>');
    return WriteStatus::ok;
  }

 private:
  std::string& out_;
};

}  // namespace

std::string_view to_string(WriteStatus status) noexcept {
  switch (status) {
    case WriteStatus::ok:
      return "ok";
    case WriteStatus::invalid_utf8:
      return "invalid UTF-8";
    case WriteStatus::illegal_character:
      return "character not allowed in XML";
    case WriteStatus::invalid_name:
      return "invalid name or prefix";
    case WriteStatus::too_deep:
      return "element nesting too deep";
  }
  return "unknown";
}

bool WriteScope::bind(std::string_view prefix, std::string_view uri) noexcept {
  for (std::size_t i = 0; i < prefix_count; ++i) {
    if (prefixes[i].prefix == prefix) {
      prefixes[i].uri = uri;
      return true;
    }
  }
  if (prefix_count == kMaxPrefixes) return false;
  prefixes[prefix_count++] = {prefix, uri};
  return true;
}

WriteScope WriteScope::of_stream_header(Element header) noexcept {
  WriteScope scope;
  if (!header) return scope;
  scope.default_ns = header.node()->default_ns;
  for (auto d : header.namespace_declarations()) {
    if (!d.prefix.empty()) scope.bind(d.prefix, d.uri);
  }
  return scope;
}

WriteStatus write(Element e, std::string& out, const WriteScope& scope) {
  std::size_t mark = out.size();
  Frame root{nullptr, &scope, scope.default_ns, nullptr, 0};
  WriteStatus s = TreeWriter(out).element(e.node(), root, 1);
  if (s != WriteStatus::ok) out.resize(mark);
  return s;
}

WriteStatus write_escaped_text(std::string_view text, std::string& out) {
  std::size_t mark = out.size();
  WriteStatus s = escape(text, out, kTextSpecial);
  if (s != WriteStatus::ok) out.resize(mark);
  return s;
}

WriteStatus write_escaped_attribute(std::string_view value, std::string& out) {
  std::size_t mark = out.size();
  WriteStatus s = escape(value, out, kAttrSpecial);
  if (s != WriteStatus::ok) out.resize(mark);
  return s;
}

}  // namespace xmpp::xml
