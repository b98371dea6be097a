// Builders of the XEP-0198 elements a client sends, and of the stream error of XEP-0198 §6.
#include <array>
#include <charconv>
#include <string>

#include "sm/sm_elements.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::sm {
namespace {

// Decimal digits of a counter; the view points into `buffer`.
std::string_view decimal(std::uint32_t value, std::array<char, 10>& buffer) noexcept {
  const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  return {buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data())};
}

std::string counts_text(HandledCountTooHigh counts) {
  std::string text = "acknowledged ";
  text += std::to_string(counts.h);
  text += " stanzas but only ";
  text += std::to_string(counts.send_count);
  text += " were sent (XEP-0198 §6)";
  return text;
}

}  // namespace

xml::Element build_enable(xml::Arena& arena, bool resume, std::optional<std::uint32_t> max) {
  xml::Builder b(arena, "enable", kStreamManagementNamespace);
  // XEP-0198 §5: the client asks for a resumable stream with resume='true'.
  if (resume) b.attribute("resume", "true");
  if (max) {
    std::array<char, 10> buffer;
    b.attribute("max", decimal(*max, buffer));
  }
  return b.root();
}

xml::Element build_resume(xml::Arena& arena, std::string_view previd, std::uint32_t h) {
  xml::Builder b(arena, "resume", kStreamManagementNamespace);
  std::array<char, 10> buffer;
  // XEP-0198 §5: previd is the SM-ID of the former stream, h our count of its stanzas handled.
  b.attribute("previd", previd).attribute("h", decimal(h, buffer));
  return b.root();
}

xml::Element build_request(xml::Arena& arena) {
  return xml::Builder(arena, "r", kStreamManagementNamespace).root();
}

xml::Element build_ack(xml::Arena& arena, std::uint32_t h) {
  xml::Builder b(arena, "a", kStreamManagementNamespace);
  std::array<char, 10> buffer;
  b.attribute("h", decimal(h, buffer));
  return b.root();
}

StreamError handled_count_too_high_error(HandledCountTooHigh counts) {
  StreamError error;
  error.condition = StreamErrorCondition::undefined_condition;
  error.text = counts_text(counts);
  error.app_condition_name = "handled-count-too-high";
  error.app_condition_ns = kStreamManagementNamespace;
  return error;
}

xml::Element build_handled_count_too_high(xml::Arena& arena, HandledCountTooHigh counts) {
  // The same shape build_stream_error() gives for handled_count_too_high_error(), plus the two
  // attributes StreamError cannot carry.
  xml::Builder b(arena, "error", kStreamNamespace);
  b.prefix("stream");
  b.start("undefined-condition", kStreamErrorNamespace).end();
  b.start("text", kStreamErrorNamespace).text(counts_text(counts)).end();
  std::array<char, 10> h_buffer, count_buffer;
  b.start("handled-count-too-high", kStreamManagementNamespace)
      .attribute("h", decimal(counts.h, h_buffer))
      .attribute("send-count", decimal(counts.send_count, count_buffer))
      .end();
  return b.root();
}

}  // namespace xmpp::sm
