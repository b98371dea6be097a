#include "stream/engine_limits.hpp"

namespace xmpp::stream {

bool limits_valid(const EngineLimits& l) noexcept {
  const xml::Limits& p = l.parser;
  // Written as a subtraction so that a huge max_send_bytes cannot wrap around.
  const bool room_for_reserve = l.max_output_bytes >= kEngineOutputReserve &&
                                l.max_send_bytes <= l.max_output_bytes - kEngineOutputReserve;
  return l.max_events != 0 && l.max_event_bytes != 0 && l.output_block_bytes != 0 &&
         l.max_send_bytes != 0 && room_for_reserve && p.max_element_bytes != 0 &&
         p.max_tree_bytes != 0 && p.max_depth != 0 && p.max_attributes != 0 &&
         p.max_name_bytes != 0 && p.max_header_bytes != 0;
}

}  // namespace xmpp::stream
