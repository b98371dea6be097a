// RFC 2782 ordering of SRV records ("Usage rules" and the Weight field).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns {

namespace {

using Iter = std::vector<SrvRecord>::iterator;

// Orders [first, last), records of one priority, in place. RFC 2782: "arrange all SRV RRs
// (that have not been ordered yet) in any order, except that all those with weight 0 are
// placed at the beginning of the list. Compute the sum of the weights of those RRs, and with
// each RR associate the running sum in the selected order. Then choose a uniform random number
// between 0 and the sum computed (inclusive), and select the RR whose running sum value is the
// first in the selected order which is greater than or equal to the random number selected."
// The selected record moves to the front of what is left and the rest is ordered the same way.
void order_one_priority(Iter first, Iter last, const RandomUpTo& random) {
  for (; last - first > 1; ++first) {
    // "Any order" is the input order, so that the result is a function of the input alone.
    std::stable_partition(first, last, [](const SrvRecord& r) { return r.weight == 0; });
    std::uint64_t sum = 0;
    for (Iter it = first; it != last; ++it)
      sum += it->weight;
    // With every weight 0 the draw can only be 0 and selects the first record: no need to ask.
    if (sum == 0) continue;
    // A bound above 2^32-1 needs more than 65537 records of one priority, more than any DNS
    // message holds; capping keeps the function total for any input.
    const auto bound = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(sum, std::numeric_limits<std::uint32_t>::max()));
    const std::uint64_t draw = std::min(random(bound), bound);
    std::uint64_t running = 0;
    Iter chosen = last - 1;
    for (Iter it = first; it != last; ++it) {
      running += it->weight;
      if (running >= draw) {
        chosen = it;
        break;
      }
    }
    std::rotate(first, chosen, chosen + 1);
  }
}

}  // namespace

std::vector<SrvRecord> order_srv_records(std::vector<SrvRecord> records, const RandomUpTo& random) {
  // RFC 2782: "A client MUST attempt to contact the target host with the lowest-numbered
  // priority it can reach"; the weighted selection applies within one priority.
  std::stable_sort(records.begin(), records.end(),
                   [](const SrvRecord& a, const SrvRecord& b) { return a.priority < b.priority; });
  for (Iter first = records.begin(); first != records.end();) {
    const Iter last = std::find_if(
        first, records.end(), [&](const SrvRecord& r) { return r.priority != first->priority; });
    order_one_priority(first, last, random);
    first = last;
  }
  return records;
}

}  // namespace xmpp::dns
