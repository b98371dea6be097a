#include "xmpp/xml/writer.hpp"

#include <array>
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

bool is_ncname(std::string_view s) {
  if (s.empty()) return false;
  auto* p = reinterpret_cast<const unsigned char*>(s.data());
  auto* end = p + s.size();
  bool first = true;
  while (p < end) {
    char32_t cp = *p;
    std::size_t n = 1;
    if (cp >= 0x80) {
      std::size_t bad = 0;
      n = detail::decode_utf8(p, end, cp, bad);
      if (n == 0) return false;
    }
    if (first ? !detail::is_name_start_char(cp) : !detail::is_name_char(cp)) return false;
    first = false;
    p += n;
  }
  return true;
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

class TreeWriter {
 public:
  explicit TreeWriter(std::string& out) : out_(out) {}

  WriteStatus element(const detail::ElementNode* e, const Frame& parent, std::size_t depth) {
    if (depth > kWriterMaxDepth) return WriteStatus::too_deep;
    std::string_view local = detail::local_part(e->qname, e->prefix_size);
    std::string_view prefix = e->qname.substr(0, e->prefix_size);
    if (!is_ncname(local)) return WriteStatus::invalid_name;
    if (e->ns == kXmlnsNamespace || e->ns == kXmlNamespace) return WriteStatus::invalid_name;

    // Declarations this element needs; small trees need none or one.
    std::array<Binding, 8> inline_decls;
    std::vector<Binding> more_decls;
    std::size_t count = 0;
    auto decls = [&]() -> Binding* {
      return more_decls.empty() ? inline_decls.data() : more_decls.data();
    };
    auto declare = [&](std::string_view p, std::string_view uri) {
      if (count == inline_decls.size() && more_decls.empty()) {
        more_decls.assign(inline_decls.begin(), inline_decls.end());
      }
      if (!more_decls.empty()) {
        more_decls.push_back({p, uri});
      } else {
        inline_decls[count] = {p, uri};
      }
      ++count;
    };
    Frame frame{&parent, parent.scope, parent.default_ns, nullptr, 0};
    auto sync = [&] {
      frame.decls = decls();
      frame.decl_count = count;
    };

    // The element's own name: its prefix when usable, else the default namespace.
    bool use_prefix = false;
    if (!prefix.empty() && prefix != "xmlns" && prefix != "xml" && !e->ns.empty() &&
        is_ncname(prefix)) {
      const std::string_view* bound = frame.lookup(prefix);
      if (!bound || *bound != e->ns) declare(prefix, e->ns);
      use_prefix = true;
    }
    bool declare_default = !use_prefix && e->ns != parent.default_ns;
    if (!use_prefix) frame.default_ns = e->ns;
    sync();

    // Attribute names: unprefixed, xml:, or a prefix bound to the attribute's namespace.
    std::size_t attr_count = 0;
    for (auto* a = e->attributes; a; a = a->next)
      ++attr_count;
    std::array<std::string_view, 8> inline_prefixes;
    std::vector<std::string_view> more_prefixes;
    if (attr_count > inline_prefixes.size()) more_prefixes.resize(attr_count);
    std::string_view* attr_prefix =
        more_prefixes.empty() ? inline_prefixes.data() : more_prefixes.data();
    std::size_t i = 0;
    for (auto* a = e->attributes; a; a = a->next, ++i) {
      std::string_view alocal = detail::local_part(a->qname, a->prefix_size);
      if (!is_ncname(alocal)) return WriteStatus::invalid_name;
      if (a->ns.empty()) {
        attr_prefix[i] = {};
        continue;
      }
      if (a->ns == kXmlnsNamespace) return WriteStatus::invalid_name;
      if (a->ns == kXmlNamespace) {
        attr_prefix[i] = "xml";
        continue;
      }
      std::string_view hint = a->qname.substr(0, a->prefix_size);
      std::string_view chosen;
      if (!hint.empty() && hint != "xml" && hint != "xmlns" && is_ncname(hint)) {
        const std::string_view* bound = frame.lookup(hint);
        if (bound && *bound == a->ns) {
          chosen = hint;
        } else if (!bound || !declared_here(decls(), count, hint)) {
          declare(hint, a->ns);
          sync();
          chosen = hint;
        }
      }
      if (chosen.empty()) chosen = generated_prefix(frame, a->ns, declare, sync);
      // More distinct attribute namespaces on one element than generated prefixes: refuse
      // rather than emit a name that does not parse.
      if (chosen.empty()) return WriteStatus::invalid_name;
      attr_prefix[i] = chosen;
    }
    sync();

    out_.push_back('<');
    out_.append(use_prefix ? e->qname : local);
    if (declare_default) {
      out_.append(" xmlns='");
      if (auto s = escape(e->ns, out_, kAttrSpecial); s != WriteStatus::ok) return s;
      out_.push_back('\'');
    }
    for (std::size_t d = 0; d < count; ++d) {
      out_.append(" xmlns:");
      out_.append(decls()[d].prefix);
      out_.append("='");
      if (auto s = escape(decls()[d].uri, out_, kAttrSpecial); s != WriteStatus::ok) return s;
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
    out_.append(use_prefix ? e->qname : local);
    out_.push_back('>');
    return WriteStatus::ok;
  }

 private:
  static bool declared_here(const Binding* d, std::size_t n, std::string_view prefix) {
    for (std::size_t i = 0; i < n; ++i) {
      if (d[i].prefix == prefix) return true;
    }
    return false;
  }

  // A prefix for `ns`: one already bound to it, else a fresh "nsN" declared on this element.
  template <class Declare, class Sync>
  std::string_view generated_prefix(Frame& frame, std::string_view ns, Declare& declare,
                                    Sync& sync) {
    for (std::string_view candidate : kGenerated) {
      const std::string_view* bound = frame.lookup(candidate);
      if (bound && *bound == ns) return candidate;
      if (!bound) {
        declare(candidate, ns);
        sync();
        return candidate;
      }
    }
    return {};
  }
  static constexpr std::array<std::string_view, 16> kGenerated = {
      "ns0", "ns1", "ns2",  "ns3",  "ns4",  "ns5",  "ns6",  "ns7",
      "ns8", "ns9", "ns10", "ns11", "ns12", "ns13", "ns14", "ns15"};

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
