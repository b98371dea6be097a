// Property: any sequence of appends and consumes yields exactly the appended bytes, in order.
#include "stream/output_buffer.hpp"

#include <doctest/doctest.h>
#include <rapidcheck.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "rc_doctest.hpp"

using xmpp::stream::OutputBuffer;

namespace {

struct Op {
  bool append = true;
  std::string bytes;     // for an append
  std::size_t take = 0;  // for a consume: how much of front() to take (modulo its size + 1)
};

rc::Gen<Op> gen_op() {
  return rc::gen::oneOf(rc::gen::map(rc::gen::resize(40, rc::gen::arbitrary<std::string>()),
                                     [](std::string bytes) {
                                       return Op{true, std::move(bytes), 0};
                                     }),
                        rc::gen::map(rc::gen::inRange<std::size_t>(0, 64), [](std::size_t take) {
                          return Op{false, {}, take};
                        }));
}

}  // namespace

TEST_CASE("output buffer property: appends and consumes reproduce the concatenation") {
  xmpp::test::check_property("output buffer reproduces the appended bytes", [] {
    const auto block_size = *rc::gen::inRange<std::size_t>(1, 33);
    const auto max_bytes = *rc::gen::inRange<std::size_t>(0, 200);
    const auto ops = *rc::gen::container<std::vector<Op>>(gen_op());

    OutputBuffer buffer(max_bytes, block_size);
    std::string accepted;  // everything append() accepted
    std::string written;   // everything taken from front()
    // A view held across later calls, as an async write would: it must keep its bytes until
    // consume() has covered all of it.
    std::string_view pinned;
    std::string pinned_copy;
    std::size_t pinned_end = 0;  // position in `written` after which the view is covered
    for (const Op& op : ops) {
      if (op.append) {
        const std::size_t before = buffer.size();
        const bool fits = before + op.bytes.size() <= max_bytes;
        RC_ASSERT(buffer.append(op.bytes) == fits);
        if (fits) accepted += op.bytes;
        RC_ASSERT(buffer.size() == before + (fits ? op.bytes.size() : 0));
      } else {
        const std::string_view run = buffer.front();
        RC_ASSERT(run.size() <= block_size);
        RC_ASSERT(run.empty() == buffer.empty());
        if (pinned.empty() && !run.empty()) {
          pinned = run;
          pinned_copy.assign(run);
          pinned_end = written.size() + run.size();
        }
        const std::size_t n = op.take % (run.size() + 1);
        written.append(run.substr(0, n));
        RC_ASSERT(buffer.consume(n));
        if (written.size() >= pinned_end) pinned = {};
      }
      RC_ASSERT(buffer.size() == accepted.size() - written.size());
      RC_ASSERT(buffer.size() <= max_bytes);
      if (!pinned.empty()) RC_ASSERT(pinned == pinned_copy);
      RC_ASSERT(!buffer.consume(buffer.front().size() + 1));
    }
    while (!buffer.empty()) {
      const std::string_view run = buffer.front();
      written.append(run);
      RC_ASSERT(buffer.consume(run.size()));
    }
    RC_ASSERT(written == accepted);
    RC_ASSERT(buffer.heap_bytes() <= 2 * (block_size + 64));  // one rewound block + one spare
  });
}
