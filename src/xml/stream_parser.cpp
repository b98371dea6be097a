// The public face of the stream parser and the driver that enforces byte budgets: the stream
// header and each top-level element may only span so many bytes (Limits), and the budget is
// applied by cutting the lexer's input short, so the violation is reported at the exact byte
// that crossed the bound whatever the chunking.
#include "xml/parser_impl.hpp"

#include <limits>

namespace xmpp::xml {

ParseResult StreamParser::Impl::parse(std::string_view input) {
  if (state == State::failed) return {0, ParseEvent::error};
  if (element_ready) {
    // The element delivered last is no longer needed (documented lifetime).
    element_ready = false;
    root = nullptr;
    element_arena.reset();
  }
  if (pending_close) {
    pending_close = false;
    level = Level::closed;
    return {0, ParseEvent::stream_close};
  }
  const auto* begin = reinterpret_cast<const unsigned char*>(input.data());
  const auto* end = begin + input.size();
  const auto* p = begin;
  for (;;) {
    std::uint64_t budget = std::numeric_limits<std::uint64_t>::max();
    std::string_view over;
    if (level == Level::prolog) {
      budget = limits.max_header_bytes > offset ? limits.max_header_bytes - offset : 0;
      over = "stream header longer than Limits::max_header_bytes";
    } else if (in_element) {
      std::uint64_t used = offset - element_start;
      budget = limits.max_element_bytes > used ? limits.max_element_bytes - used : 0;
      over = "element larger than Limits::max_element_bytes";
    }
    const auto* stop =
        static_cast<std::uint64_t>(end - p) > budget ? p + static_cast<std::size_t>(budget) : end;
    base = p;
    base_offset = offset;
    event = Event::none;
    const auto* q = lex(p, stop);
    offset += static_cast<std::uint64_t>(q - p);
    p = q;
    auto consumed = static_cast<std::size_t>(p - begin);
    switch (event) {
      case Event::none:
        if (p == end) return {consumed, ParseEvent::need_more};
        // The lexer stopped at the budget with bytes left over: the bound is crossed here.
        base = p;
        base_offset = offset;
        fail(StreamErrorCondition::policy_violation, p, over);
        return {consumed, ParseEvent::error};
      case Event::element_started:
        continue;
      case Event::stream_open:
        return {consumed, ParseEvent::stream_open};
      case Event::element:
        return {consumed, ParseEvent::element};
      case Event::stream_close:
        return {consumed, ParseEvent::stream_close};
      case Event::error:
        return {consumed, ParseEvent::error};
    }
  }
}

void StreamParser::Impl::reset() {
  Limits l = limits;
  header_arena.reset();
  element_arena.reset();
  Arena h = std::move(header_arena), e = std::move(element_arena);
  *this = Impl(l);              // every field back to its initial value ...
  header_arena = std::move(h);  // ... but the arenas keep their blocks
  element_arena = std::move(e);
  arena = &header_arena;
}

StreamParser::StreamParser(const Limits& limits) : impl_(std::make_unique<Impl>(limits)) {}
StreamParser::~StreamParser() = default;
StreamParser::StreamParser(StreamParser&&) noexcept = default;
StreamParser& StreamParser::operator=(StreamParser&&) noexcept = default;

ParseResult StreamParser::parse(std::string_view input) {
  return impl_->parse(input);
}
void StreamParser::reset() {
  impl_->reset();
}
Element StreamParser::header() const noexcept {
  return Element(impl_->header);
}
Element StreamParser::element() const noexcept {
  return impl_->element_ready ? Element(impl_->root) : Element();
}
const ParseError& StreamParser::error() const noexcept {
  return impl_->error;
}
bool StreamParser::stream_open() const noexcept {
  // A self-closing header is open until its close is reported by the next parse().
  return impl_->level == Impl::Level::stream;
}
bool StreamParser::stream_closed() const noexcept {
  return impl_->level == Impl::Level::closed;
}
std::uint64_t StreamParser::offset() const noexcept {
  return impl_->offset;
}
const Limits& StreamParser::limits() const noexcept {
  return impl_->limits;
}

void StreamParser::release_memory() noexcept {
  Impl& s = *impl_;
  // Only between elements: a tree under construction lives in this arena.
  if (s.in_element || s.tag || s.depth) return;
  s.element_ready = false;
  s.root = nullptr;
  s.element_arena.release();
}

std::size_t StreamParser::heap_bytes() const noexcept {
  return sizeof(Impl) + impl_->header_arena.bytes_reserved() +
         impl_->element_arena.bytes_reserved();
}

}  // namespace xmpp::xml
