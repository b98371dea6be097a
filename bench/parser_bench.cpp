// Throughput and memory of xmpp::xml::StreamParser, compared with expat and with a memchr scan.
//
// Generates a realistic inbound client stream once (bench/stream_generator.hpp), then feeds it in
// fixed-size chunks, several times, to
//   - xmpp::xml::StreamParser, which builds the complete tree of every top-level element;
//   - expat, namespace-aware SAX with callbacks that only count (the cheapest expat can be);
//   - a memchr('<') scan of the same chunks, the physical reference.
// It also counts heap allocations (by interposing malloc on glibc, operator new elsewhere) and
// measures the heap an idle parser holds.
//
// Run `parser-bench --help` for the options; bench/run.sh builds a release build and runs it.

#include <expat.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "stream_generator.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/xml/element.hpp"
#include "xmpp/xml/stream_parser.hpp"

// ---------------------------------------------------------------------------------------------
// Heap accounting. On glibc, malloc and friends are interposed (the executable's definitions take
// precedence over libc's for every shared object, including libxmpp-sansio, libstdc++ and expat)
// and forwarded to glibc's own allocator, so arena blocks obtained with std::malloc are counted
// as well as operator new. Elsewhere, only the global operator new is counted.

namespace {

struct HeapCounters {
  std::uint64_t allocations = 0;  // successful malloc/calloc/realloc(grow or new)/new calls
  std::uint64_t frees = 0;
  std::int64_t live_bytes = 0;  // usable bytes currently allocated (glibc only)
};
HeapCounters g_heap;

}  // namespace

#if defined(__GLIBC__)
namespace {
inline void count_alloc(void* p) noexcept {
  if (!p) return;
  ++g_heap.allocations;
  g_heap.live_bytes += static_cast<std::int64_t>(malloc_usable_size(p));
}
inline void count_free(void* p) noexcept {
  if (!p) return;
  ++g_heap.frees;
  g_heap.live_bytes -= static_cast<std::int64_t>(malloc_usable_size(p));
}
}  // namespace

extern "C" {
// glibc's allocator under its internal names, which the replacements below forward to.
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t n, std::size_t size);
void* __libc_realloc(void* p, std::size_t size);
void __libc_free(void* p);
void* __libc_memalign(std::size_t align, std::size_t size);

void* malloc(std::size_t size) noexcept {
  void* p = __libc_malloc(size);
  count_alloc(p);
  return p;
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  void* p = __libc_calloc(n, size);
  count_alloc(p);
  return p;
}
void* realloc(void* old, std::size_t size) noexcept {
  const std::size_t old_usable = old ? malloc_usable_size(old) : 0;
  void* p = __libc_realloc(old, size);
  if (p) {
    if (p != old) ++g_heap.allocations;
    g_heap.live_bytes +=
        static_cast<std::int64_t>(malloc_usable_size(p)) - static_cast<std::int64_t>(old_usable);
  } else if (size == 0 && old) {
    ++g_heap.frees;
    g_heap.live_bytes -= static_cast<std::int64_t>(old_usable);
  }
  return p;
}
void free(void* p) noexcept {
  count_free(p);
  __libc_free(p);
}
void* memalign(std::size_t align, std::size_t size) noexcept {
  void* p = __libc_memalign(align, size);
  count_alloc(p);
  return p;
}
void* aligned_alloc(std::size_t align, std::size_t size) noexcept {
  void* p = __libc_memalign(align, size);
  count_alloc(p);
  return p;
}
int posix_memalign(void** out, std::size_t align, std::size_t size) noexcept {
  if (align < sizeof(void*) || (align & (align - 1)) != 0) return 22;  // EINVAL
  void* p = __libc_memalign(align, size);
  if (!p) return 12;  // ENOMEM
  count_alloc(p);
  *out = p;
  return 0;
}
}  // extern "C"

namespace {
constexpr bool kCountsMalloc = true;
}  // namespace
#else
void* operator new(std::size_t size) {
  void* p = std::malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  ++g_heap.allocations;
  return p;
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  if (p) ++g_heap.frees;
  std::free(p);
}
void operator delete[](void* p) noexcept {
  ::operator delete(p);
}
void operator delete(void* p, std::size_t) noexcept {
  ::operator delete(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  ::operator delete(p);
}

namespace {
constexpr bool kCountsMalloc = false;
}  // namespace
#endif

namespace {

using xmpp::xml::Element;
using xmpp::xml::ParseEvent;
using xmpp::xml::StreamParser;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------------------------------------
// Options.

struct Options {
  double size_mb = 100;
  std::uint64_t seed = xmpp::bench::StreamGeneratorOptions{}.seed;
  std::size_t chunk = 4096;
  int runs = 5;
  bool ours = true;
  bool expat = true;
  bool scan = true;
  bool walk = false;
  bool memory = true;
  unsigned exotic = 0;
  std::string write_path;
};

void usage(const char* argv0) {
  std::printf(
      "usage: %s [options]\n"
      "  --size-mb N     size of the generated stream in MB (10^6 bytes; default 100)\n"
      "  --seed N        generator seed (default 0x%" PRIx64
      ")\n"
      "  --chunk N       bytes per parse() / XML_Parse() call (default 4096)\n"
      "  --runs N        timed runs per parser; best and median are reported (default 5)\n"
      "  --only LIST     comma-separated subset of ours,expat,memchr to time (for profiling)\n"
      "  --no-memchr     skip the memchr('<') reference scan\n"
      "  --walk          visit every node of every tree (attributes, text), not just its name\n"
      "  --no-memory     skip the allocation and idle-heap measurements\n"
      "  --exotic N      make N per mille of the stanzas unusual-but-valid XML (CDATA, CR LF,\n"
      "                  prefixes, xmlns='', ...), for the differential check against expat\n"
      "  --write FILE    write the generated stream to FILE and exit\n",
      argv0, xmpp::bench::StreamGeneratorOptions{}.seed);
}

bool parse_options(int argc, char** argv, Options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    if (auto eq = arg.find('='); eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto need = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        return false;
      }
      value = argv[++i];
      return true;
    };
    auto number = [&](std::uint64_t& out) -> bool {
      if (!need()) return false;
      const std::string s(value);
      char* end = nullptr;
      out = std::strtoull(s.c_str(), &end, 0);
      if (s.empty() || *end != '\0') {
        std::fprintf(stderr, "bad number for %.*s: %s\n", static_cast<int>(arg.size()), arg.data(),
                     s.c_str());
        return false;
      }
      return true;
    };
    std::uint64_t n = 0;
    auto in_range = [&](std::uint64_t lo, std::uint64_t hi) -> bool {
      if (!number(n)) return false;
      if (n < lo || n > hi) {
        std::fprintf(stderr, "%.*s must be in [%" PRIu64 ", %" PRIu64 "]\n",
                     static_cast<int>(arg.size()), arg.data(), lo, hi);
        return false;
      }
      return true;
    };
    if (arg == "--help" || arg == "-h") {
      usage(argv[0]);
      std::exit(0);
    } else if (arg == "--size-mb") {
      if (!need()) return false;
      const std::string s(value);
      char* end = nullptr;
      o.size_mb = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !(o.size_mb > 0)) {
        std::fprintf(stderr, "bad size: %s\n", s.c_str());
        return false;
      }
    } else if (arg == "--seed") {
      if (!number(o.seed)) return false;
    } else if (arg == "--chunk") {
      if (!in_range(1, 1u << 30)) return false;
      o.chunk = static_cast<std::size_t>(n);
    } else if (arg == "--runs") {
      if (!in_range(1, 1000)) return false;
      o.runs = static_cast<int>(n);
    } else if (arg == "--only") {
      if (!need()) return false;
      o.ours = o.expat = o.scan = false;
      std::string_view list = value;
      while (!list.empty()) {
        const auto comma = list.find(',');
        const std::string_view item = list.substr(0, comma);
        if (item == "ours") {
          o.ours = true;
        } else if (item == "expat") {
          o.expat = true;
        } else if (item == "memchr") {
          o.scan = true;
        } else {
          std::fprintf(stderr, "unknown parser in --only: %.*s\n", static_cast<int>(item.size()),
                       item.data());
          return false;
        }
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
      }
    } else if (arg == "--no-memchr") {
      o.scan = false;
    } else if (arg == "--walk") {
      o.walk = true;
    } else if (arg == "--no-memory") {
      o.memory = false;
    } else if (arg == "--exotic") {
      if (!in_range(0, 1000)) return false;
      o.exotic = static_cast<unsigned>(n);
    } else if (arg == "--write") {
      if (!need()) return false;
      o.write_path = std::string(value);
    } else {
      std::fprintf(stderr, "unknown option: %s (try --help)\n", argv[i]);
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Our parser.

struct OursCount {
  std::uint64_t elements = 0;
  std::uint64_t touched = 0;  // sum of sizes read from the trees, so nothing is optimised away
  bool closed = false;
};

std::uint64_t walk_tree(Element e) {
  std::uint64_t n = e.name().size() + e.ns().size();
  for (auto a : e.attributes())
    n += a.name().size() + a.value().size();
  for (auto c : e.children())
    n += c.is_element() ? walk_tree(c.element()) : c.text().size();
  return n;
}

std::string printable_context(std::string_view data, std::uint64_t offset) {
  const std::size_t at = static_cast<std::size_t>(std::min<std::uint64_t>(offset, data.size()));
  const std::size_t from = at > 80 ? at - 80 : 0;
  const std::size_t to = std::min(data.size(), at + 40);
  std::string s(data.substr(from, at - from));
  s += "\xe2\x9f\xa6";  // ⟦ marks the offending byte
  s += data.substr(at, to - at);
  return s;
}

[[noreturn]] void parser_failed(const StreamParser& p, std::string_view stream) {
  const auto& e = p.error();
  const auto cond = xmpp::to_string(e.condition);
  std::fprintf(
      stderr, "xmpp-sansio rejected the stream: %.*s at offset %" PRIu64 ": %.*s\ncontext: %s\n",
      static_cast<int>(cond.size()), cond.data(), e.offset, static_cast<int>(e.message.size()),
      e.message.data(), printable_context(stream, e.offset).c_str());
  std::exit(2);
}

// Feeds `stream` in chunks of `chunk` bytes. parse() returns at each event, so each chunk is
// looped over until it is consumed. `on_element(parser)` returns a number to add to `touched`.
template <class OnElement>
OursCount feed_ours(StreamParser& p, std::string_view stream, std::size_t chunk,
                    OnElement&& on_element) {
  OursCount c;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    std::string_view in = stream.substr(pos, chunk);
    while (!in.empty()) {
      const auto r = p.parse(in);
      in.remove_prefix(r.consumed);
      switch (r.event) {
        case ParseEvent::need_more:
          if (!in.empty()) {
            std::fprintf(stderr, "parse() returned need_more with %zu bytes unconsumed\n",
                         in.size());
            std::exit(2);
          }
          break;
        case ParseEvent::stream_open:
          c.touched += p.header().name().size();
          break;
        case ParseEvent::element:
          ++c.elements;
          c.touched += on_element(p);
          break;
        case ParseEvent::stream_close:
          c.closed = true;
          break;
        case ParseEvent::error:
          parser_failed(p, stream);
      }
    }
  }
  return c;
}

std::uint64_t touch_name(const StreamParser& p) {
  return p.element().name().size();
}
std::uint64_t touch_tree(const StreamParser& p) {
  return walk_tree(p.element());
}

OursCount run_ours(std::string_view stream, std::size_t chunk, bool walk) {
  StreamParser p;
  return walk ? feed_ours(p, stream, chunk, touch_tree) : feed_ours(p, stream, chunk, touch_name);
}

// ---------------------------------------------------------------------------------------------
// expat.

struct ExpatCount {
  std::uint64_t depth = 0;
  std::uint64_t elements = 0;  // top-level elements (depth 2, inside <stream:stream>)
  std::uint64_t text_bytes = 0;
};

void XMLCALL expat_start(void* user, const XML_Char*, const XML_Char**) {
  auto* c = static_cast<ExpatCount*>(user);
  if (++c->depth == 2) ++c->elements;
}
void XMLCALL expat_end(void* user, const XML_Char*) {
  --static_cast<ExpatCount*>(user)->depth;
}
void XMLCALL expat_text(void* user, const XML_Char*, int len) {
  static_cast<ExpatCount*>(user)->text_bytes += static_cast<std::uint64_t>(len);
}

void setup_expat(XML_Parser p, ExpatCount& c) {
  XML_SetUserData(p, &c);
  XML_SetElementHandler(p, expat_start, expat_end);
  XML_SetCharacterDataHandler(p, expat_text);
}

[[noreturn]] void expat_failed(XML_Parser p, std::string_view stream) {
  const auto offset = XML_GetCurrentByteIndex(p);
  std::fprintf(
      stderr, "expat rejected the stream: %s at offset %ld (line %lu)\ncontext: %s\n",
      XML_ErrorString(XML_GetErrorCode(p)), static_cast<long>(offset),
      static_cast<unsigned long>(XML_GetCurrentLineNumber(p)),
      printable_context(stream, static_cast<std::uint64_t>(std::max<long>(0, offset))).c_str());
  std::exit(2);
}

// Feeds `stream` to `p` in chunks; `at_half` runs once the first half of the chunks is fed.
template <class AtHalf>
void feed_expat(XML_Parser p, std::string_view stream, std::size_t chunk, AtHalf at_half) {
  bool half = false;
  const std::size_t half_pos = (stream.size() / chunk / 2) * chunk;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    if (!half && pos >= half_pos) {
      half = true;
      at_half();
    }
    const std::string_view in = stream.substr(pos, chunk);
    if (XML_Parse(p, in.data(), static_cast<int>(in.size()), XML_FALSE) != XML_STATUS_OK) {
      expat_failed(p, stream);
    }
  }
  if (XML_Parse(p, nullptr, 0, XML_TRUE) != XML_STATUS_OK) expat_failed(p, stream);
}

ExpatCount run_expat(std::string_view stream, std::size_t chunk) {
  ExpatCount c;
  XML_Parser p = XML_ParserCreateNS(nullptr, ' ');
  if (!p) std::abort();
  setup_expat(p, c);
  feed_expat(p, stream, chunk, [] {});
  XML_ParserFree(p);
  return c;
}

// expat's own view of its heap, through XML_Memory_Handling_Suite: each block carries its size.
struct ExpatHeap {
  static inline std::int64_t live = 0;
  static inline std::int64_t peak = 0;
  static constexpr std::size_t kHeader = 16;

  static void* wrap(void* raw, std::size_t size) {
    if (!raw) return nullptr;
    std::memcpy(raw, &size, sizeof size);
    live += static_cast<std::int64_t>(size);
    peak = std::max(peak, live);
    return static_cast<char*>(raw) + kHeader;
  }
  static void* raw_of(void* p) { return static_cast<char*>(p) - kHeader; }
  static std::size_t size_of(void* p) {
    std::size_t size = 0;
    std::memcpy(&size, raw_of(p), sizeof size);
    return size;
  }
  static void* do_malloc(std::size_t size) { return wrap(std::malloc(size + kHeader), size); }
  static void* do_realloc(void* p, std::size_t size) {
    if (!p) return do_malloc(size);
    const std::size_t old = size_of(p);
    void* raw = std::realloc(raw_of(p), size + kHeader);
    if (!raw) return nullptr;
    live -= static_cast<std::int64_t>(old);
    return wrap(raw, size);
  }
  static void do_free(void* p) {
    if (!p) return;
    live -= static_cast<std::int64_t>(size_of(p));
    std::free(raw_of(p));
  }
};

// ---------------------------------------------------------------------------------------------
// memchr('<') scan.

std::uint64_t run_scan(std::string_view stream, std::size_t chunk) {
  std::uint64_t n = 0;
  for (std::size_t pos = 0; pos < stream.size(); pos += chunk) {
    const std::string_view in = stream.substr(pos, chunk);
    const char* p = in.data();
    const char* end = p + in.size();
    while (p < end) {
      const void* hit = std::memchr(p, '<', static_cast<std::size_t>(end - p));
      if (!hit) break;
      ++n;
      p = static_cast<const char*>(hit) + 1;
    }
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Differential check: a digest of every top-level element as each parser sees it (expanded
// names, attributes as a set, character data, structure), compared element by element.

struct Fnv {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  void add(std::string_view s) {
    for (const char c : s)
      add(c);
  }
  void add(char c) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
};

// Markers are control characters, which XML text cannot contain.
constexpr char kStartTag = '\x01', kEndTag = '\x02', kAttrName = '\x03', kAttrValue = '\x04',
               kAttrsDone = '\x05';

// Attributes are compared as a set: their digests are summed.
std::uint64_t attribute_digest(std::string_view expanded_name, std::string_view value) {
  Fnv f;
  f.add(kAttrName);
  f.add(expanded_name);
  f.add(kAttrValue);
  f.add(value);
  return f.h;
}

void add_u64(Fnv& f, std::uint64_t v) {
  for (int i = 0; i < 8; ++i)
    f.add(static_cast<char>(v >> (8 * i)));
}

// expat's expanded names are "uri local" (separator ' '), or "local" without a namespace.
std::string expanded(std::string_view ns, std::string_view local) {
  std::string s(ns);
  if (!ns.empty()) s += ' ';
  s += local;
  return s;
}

void digest_tree(Fnv& f, Element e) {
  f.add(kStartTag);
  f.add(expanded(e.ns(), e.name()));
  std::uint64_t attrs = 0;
  for (auto a : e.attributes())
    attrs += attribute_digest(expanded(a.ns(), a.name()), a.value());
  add_u64(f, attrs);
  f.add(kAttrsDone);
  for (auto c : e.children()) {
    if (c.is_element()) {
      digest_tree(f, c.element());
    } else {
      f.add(c.text());
    }
  }
  f.add(kEndTag);
}

struct Digests {
  std::vector<std::uint64_t> elements;     // one digest per top-level element
  std::vector<std::uint64_t> end_offsets;  // stream offset just past each (ours only)
};

Digests digest_ours(std::string_view stream, std::size_t chunk) {
  Digests d;
  StreamParser p;
  feed_ours(p, stream, chunk, [&](const StreamParser& parser) -> std::uint64_t {
    Fnv f;
    digest_tree(f, parser.element());
    d.elements.push_back(f.h);
    d.end_offsets.push_back(parser.offset());
    return 0;
  });
  return d;
}

struct ExpatDigest {
  std::uint64_t depth = 0;
  Fnv f;
  Digests* d = nullptr;
};

void XMLCALL digest_start(void* user, const XML_Char* name, const XML_Char** atts) {
  auto* x = static_cast<ExpatDigest*>(user);
  if (++x->depth < 2) return;
  if (x->depth == 2) x->f = Fnv{};
  x->f.add(kStartTag);
  x->f.add(name);
  std::uint64_t attrs = 0;
  for (; *atts; atts += 2)
    attrs += attribute_digest(atts[0], atts[1]);
  add_u64(x->f, attrs);
  x->f.add(kAttrsDone);
}
void XMLCALL digest_end(void* user, const XML_Char*) {
  auto* x = static_cast<ExpatDigest*>(user);
  if (x->depth-- < 2) return;
  x->f.add(kEndTag);
  if (x->depth == 1) x->d->elements.push_back(x->f.h);
}
void XMLCALL digest_text(void* user, const XML_Char* s, int len) {
  auto* x = static_cast<ExpatDigest*>(user);
  if (x->depth >= 2) x->f.add(std::string_view(s, static_cast<std::size_t>(len)));
}

Digests digest_expat(std::string_view stream, std::size_t chunk) {
  Digests d;
  ExpatDigest x;
  x.d = &d;
  XML_Parser p = XML_ParserCreateNS(nullptr, ' ');
  if (!p) std::abort();
  XML_SetUserData(p, &x);
  XML_SetElementHandler(p, digest_start, digest_end);
  XML_SetCharacterDataHandler(p, digest_text);
  feed_expat(p, stream, chunk, [] {});
  XML_ParserFree(p);
  return d;
}

// Returns false (after describing the first difference) when the parsers disagree.
bool compare_with_expat(std::string_view stream, std::size_t chunk) {
  const Digests ours = digest_ours(stream, chunk);
  const Digests theirs = digest_expat(stream, chunk);
  const std::size_t n = std::min(ours.elements.size(), theirs.elements.size());
  std::size_t i = 0;
  while (i < n && ours.elements[i] == theirs.elements[i])
    ++i;
  if (i == n && ours.elements.size() == theirs.elements.size()) return true;
  std::fprintf(stderr, "xmpp-sansio and expat disagree on top-level element #%zu (of %zu / %zu)\n",
               i + 1, ours.elements.size(), theirs.elements.size());
  if (i < ours.end_offsets.size()) {
    const auto from = static_cast<std::size_t>(i ? ours.end_offsets[i - 1] : 0);
    const auto to = static_cast<std::size_t>(ours.end_offsets[i]);
    std::string_view raw = stream.substr(from, to - from);
    if (raw.size() > 4000) raw = raw.substr(raw.size() - 4000);
    std::fprintf(stderr, "the element (bytes %zu to %zu):\n%.*s\n", from, to,
                 static_cast<int>(raw.size()), raw.data());
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Reporting.

// Wall-clock time, and the process's CPU time, which leaves out the time the benchmark was
// descheduled: on a busy machine the CPU-time figures are the more stable ones.
struct Timing {
  std::vector<double> wall, cpu;
  double best() const { return *std::min_element(wall.begin(), wall.end()); }
  double median() const {
    std::vector<double> s = wall;
    std::sort(s.begin(), s.end());
    const std::size_t n = s.size();
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
  double best_cpu() const { return *std::min_element(cpu.begin(), cpu.end()); }

  template <class F>
  void measure(F&& f) {
    const std::clock_t c0 = std::clock();
    const auto t0 = Clock::now();
    f();
    wall.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    cpu.push_back(static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
  }
};

template <class F>
double time_it(F&& f) {
  const auto t0 = Clock::now();
  f();
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

const char* verdict(bool ok) {
  return ok ? "[met]" : "[NOT met]";
}

void print_rate(const char* name, const Timing& t, double bytes) {
  std::printf("  %-34s %9.1f MB/s %9.1f MB/s %9.1f MB/s\n", name, bytes / t.best() / 1e6,
              bytes / t.median() / 1e6, bytes / t.best_cpu() / 1e6);
}

// ---------------------------------------------------------------------------------------------
// Memory measurements of our parser.

void measure_ours_memory(std::string_view stream, const xmpp::bench::StreamStats& stats,
                         std::size_t chunk) {
  std::printf("\nheap (xmpp-sansio)%s\n",
              kCountsMalloc ? "" : "  [operator new only: malloc is not interposed here]");

  // Idle parser right after the stream header.
  {
    const auto before = g_heap;
    StreamParser p;
    const auto r = p.parse(stream.substr(0, stats.header_bytes));
    if (r.event == ParseEvent::error) parser_failed(p, stream);
    if (r.event != ParseEvent::stream_open || r.consumed != stats.header_bytes) {
      std::fprintf(stderr, "expected stream_open after the %zu header bytes, got event %d at %zu\n",
                   stats.header_bytes, static_cast<int>(r.event), r.consumed);
      std::exit(2);
    }
    const auto live = g_heap.live_bytes - before.live_bytes;
    std::printf("  idle parser after the stream header: heap_bytes() = %zu B", p.heap_bytes());
    if (kCountsMalloc) std::printf(" (malloc'd: %" PRId64 " B)", live);
    std::printf(" in %" PRIu64 " allocations   target < 2048 B %s\n",
                g_heap.allocations - before.allocations, verdict(p.heap_bytes() < 2048));
  }

  // Cold pass, then a second pass on the same parser after reset(): the steady state.
  StreamParser p;
  const auto a0 = g_heap.allocations;
  const auto first = feed_ours(p, stream, chunk, touch_name);
  const auto a1 = g_heap.allocations;
  const std::size_t retained = p.heap_bytes();
  p.reset();
  const auto a2 = g_heap.allocations;
  const auto second = feed_ours(p, stream, chunk, touch_name);
  const auto a3 = g_heap.allocations;
  const auto cold = a1 - a0;
  const auto steady = a3 - a2;
  std::printf(
      "  allocations, 1st pass (cold):  %" PRIu64 " for %" PRIu64 " elements (%.4f per element)\n",
      cold, first.elements, static_cast<double>(cold) / static_cast<double>(first.elements));
  std::printf("  allocations, 2nd pass after reset() (steady state): %" PRIu64 " for %" PRIu64
              " elements = %.4f per element   target 0 %s\n",
              steady, second.elements,
              static_cast<double>(steady) / static_cast<double>(second.elements),
              verdict(steady == 0));
  std::printf("  after the whole stream: heap_bytes() = %zu B (retained arena block)\n", retained);
  const std::size_t after_reset = p.heap_bytes();
  const auto live_before_release = g_heap.live_bytes;
  p.release_memory();
  std::printf("  after the 2nd pass: heap_bytes() = %zu B; after release_memory(): %zu B",
              after_reset, p.heap_bytes());
  if (kCountsMalloc) {
    std::printf(" (%" PRId64 " B returned to malloc)", live_before_release - g_heap.live_bytes);
  }
  std::printf("   target < 2048 B %s\n", verdict(p.heap_bytes() < 2048));
}

void measure_expat_memory(std::string_view stream, const xmpp::bench::StreamStats& stats,
                          std::size_t chunk) {
  std::printf("\nheap (expat, for comparison)\n");
  {
    const XML_Memory_Handling_Suite suite = {&ExpatHeap::do_malloc, &ExpatHeap::do_realloc,
                                             &ExpatHeap::do_free};
    ExpatHeap::live = ExpatHeap::peak = 0;
    ExpatCount c;
    XML_Parser p = XML_ParserCreate_MM(nullptr, &suite, " ");
    if (!p) std::abort();
    setup_expat(p, c);
    const std::string_view header = stream.substr(0, stats.header_bytes);
    if (XML_Parse(p, header.data(), static_cast<int>(header.size()), XML_FALSE) != XML_STATUS_OK) {
      expat_failed(p, stream);
    }
    std::printf("  idle parser after the stream header: %" PRId64 " B (peak %" PRId64 " B)\n",
                ExpatHeap::live, ExpatHeap::peak);
    XML_ParserFree(p);
  }
  {
    ExpatCount c;
    XML_Parser p = XML_ParserCreateNS(nullptr, ' ');
    if (!p) std::abort();
    setup_expat(p, c);
    std::uint64_t at_half = 0;
    std::uint64_t elements_at_half = 0;
    const auto a0 = g_heap.allocations;
    feed_expat(p, stream, chunk, [&] {
      at_half = g_heap.allocations;
      elements_at_half = c.elements;
    });
    const auto a1 = g_heap.allocations;
    const auto n = c.elements - elements_at_half;
    std::printf("  allocations, whole stream: %" PRIu64 "; 2nd half: %" PRIu64 " for %" PRIu64
                " elements = %.4f per element\n",
                a1 - a0, a1 - at_half, n,
                static_cast<double>(a1 - at_half) / static_cast<double>(n ? n : 1));
    XML_ParserFree(p);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!parse_options(argc, argv, o)) return 1;

  xmpp::bench::StreamGeneratorOptions gen;
  gen.seed = o.seed;
  gen.exotic_permille = o.exotic;
  gen.target_bytes = static_cast<std::size_t>(o.size_mb * 1e6);
  xmpp::bench::StreamStats stats;
  double gen_seconds = 0;
  std::string data;
  gen_seconds = time_it([&] { data = xmpp::bench::generate_client_stream(gen, &stats); });
  const std::string_view stream = data;

  if (!o.write_path.empty()) {
    std::FILE* f = std::fopen(o.write_path.c_str(), "wb");
    if (!f || std::fwrite(data.data(), 1, data.size(), f) != data.size() || std::fclose(f) != 0) {
      std::perror(o.write_path.c_str());
      return 1;
    }
    std::printf("wrote %zu bytes to %s\n", data.size(), o.write_path.c_str());
    return 0;
  }

  const double bytes = static_cast<double>(data.size());
  const auto expected = stats.top_level_elements();
  std::printf("xmpp-sansio parser benchmark (MB = 10^6 bytes)\n");
  std::printf("stream: %zu bytes, seed 0x%" PRIx64 ", fnv1a 0x%016" PRIx64
              ", generated in %.2f s\n",
              data.size(), o.seed, fnv1a(stream), gen_seconds);
  std::printf("  %" PRIu64 " top-level elements: %" PRIu64 " messages, %" PRIu64
              " presences, %" PRIu64 " iqs, %" PRIu64 " nonzas; %" PRIu64
              " whitespace keepalives; %.0f B per element on average\n",
              expected, stats.messages, stats.presences, stats.iqs, stats.nonzas, stats.keepalives,
              bytes / static_cast<double>(expected));
  const auto ev = XML_ExpatVersionInfo();
  std::printf("chunks of %zu bytes, %d runs each%s; expat %d.%d.%d\n", o.chunk, o.runs,
              o.walk ? ", every tree walked" : "", ev.major, ev.minor, ev.micro);

  // Correctness first (untimed): both parsers must see every element of the stream.
  if (o.ours) {
    const auto c = run_ours(stream, o.chunk, o.walk);
    if (c.elements != expected || c.closed != stats.closed) {
      std::fprintf(stderr,
                   "xmpp-sansio reported %" PRIu64 " elements (expected %" PRIu64
                   "), stream %sclosed\n",
                   c.elements, expected, c.closed ? "" : "not ");
      return 2;
    }
  }
  if (o.expat) {
    const auto c = run_expat(stream, o.chunk);
    if (c.elements != expected) {
      std::fprintf(stderr, "expat reported %" PRIu64 " elements (expected %" PRIu64 ")\n",
                   c.elements, expected);
      return 2;
    }
  }

  if (o.ours && o.expat) {
    if (!compare_with_expat(stream, o.chunk)) return 3;
    std::printf("trees: every top-level element is the same for xmpp-sansio and expat\n");
  }

  Timing ours, expat, scan;
  std::uint64_t sink = 0;
  for (int run = 0; run < o.runs; ++run) {
    // Interleaved, so that drifts of the machine affect every parser alike.
    if (o.ours) {
      ours.measure([&] { sink += run_ours(stream, o.chunk, o.walk).touched; });
    }
    if (o.expat) {
      expat.measure([&] { sink += run_expat(stream, o.chunk).text_bytes; });
    }
    if (o.scan) scan.measure([&] { sink += run_scan(stream, o.chunk); });
  }

  std::printf("\nthroughput                              best (wall) median (wall)   best (CPU)\n");
  if (o.ours) print_rate("xmpp-sansio StreamParser (trees)", ours, bytes);
  if (o.expat) print_rate("expat, namespace-aware SAX, no-op", expat, bytes);
  if (o.scan) print_rate("memchr('<') scan (reference)", scan, bytes);
  if (o.ours && o.expat) {
    const double best = expat.best() / ours.best();
    const double median = expat.median() / ours.median();
    const double cpu = expat.best_cpu() / ours.best_cpu();
    std::printf("  %-34s %9.2fx      %9.2fx      %9.2fx\n", "ratio xmpp-sansio / expat", best,
                median, cpu);
    std::printf("  %-34s target >= 3x %s, aim 6x %s (best, wall)\n", "", verdict(best >= 3),
                verdict(best >= 6));
  }
  if (o.ours) {
    const double n = static_cast<double>(stats.stanzas());
    std::printf("  %-34s %9.0f k/s  %9.0f k/s  %9.0f k/s\n", "xmpp-sansio stanzas",
                n / ours.best() / 1e3, n / ours.median() / 1e3, n / ours.best_cpu() / 1e3);
    std::printf("  %-34s %9.0f k/s  (stanzas and nonzas, best wall)\n",
                "xmpp-sansio top-level elements",
                static_cast<double>(expected) / ours.best() / 1e3);
  }
  std::printf(
      "  (CPU: process CPU time, which leaves out time spent descheduled; on a busy machine it\n"
      "   is the steadier figure)\n");

  if (o.memory) {
    if (o.ours) measure_ours_memory(stream, stats, o.chunk);
    if (o.expat) measure_expat_memory(stream, stats, o.chunk);
  }
  // Printing the sink keeps every timed run observable.
  std::printf("\n(checksum %" PRIu64 ")\n", sink);
  return 0;
}
