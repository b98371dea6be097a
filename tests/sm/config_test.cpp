// validate() of StreamManagementConfig, and the public header's compatibility with engine.hpp.
#include <doctest/doctest.h>

#include <chrono>
#include <type_traits>

#include "xmpp/engine.hpp"
#include "xmpp/stream_management.hpp"

using namespace xmpp;
using Error = StreamManagementConfigError;

// Both headers declare the time aliases; they must name the same types.
static_assert(std::is_same_v<TimePoint, std::chrono::steady_clock::time_point>);
static_assert(std::is_same_v<Duration, std::chrono::milliseconds>);

TEST_CASE("the defaults are valid and as documented") {
  const StreamManagementConfig c;
  CHECK(validate(c) == Error::ok);
  CHECK(c.enable);
  CHECK(c.resume);
  CHECK_FALSE(c.max_resume_seconds);
  CHECK(c.max_unacked_stanzas == 1000);
  CHECK(c.max_unacked_bytes == 256 * 1024);
  CHECK(c.request_every_stanzas == 5);
  CHECK(c.request_after == std::chrono::seconds(5));
  CHECK(c.idle_request_interval == std::chrono::seconds(60));
  CHECK(c.ack_timeout == std::chrono::seconds(30));
  CHECK_FALSE(c.resend_unconfirmed_with_delay);
}

TEST_CASE("max must be positive (XEP-0198 §12 xs:positiveInteger)") {
  StreamManagementConfig c;
  c.max_resume_seconds = 0;
  CHECK(validate(c) == Error::invalid_max_resume);
  c.max_resume_seconds = 1;
  CHECK(validate(c) == Error::ok);
}

TEST_CASE("queue bounds: non-zero, and fewer than 2^31 stanzas") {
  StreamManagementConfig c;
  c.max_unacked_stanzas = 0;
  CHECK(validate(c) == Error::invalid_queue_limits);
  c.max_unacked_stanzas = std::size_t{1} << 31;
  CHECK(validate(c) == Error::invalid_queue_limits);
  c.max_unacked_stanzas = (std::size_t{1} << 31) - 1;
  CHECK(validate(c) == Error::ok);
  c.max_unacked_bytes = 0;
  CHECK(validate(c) == Error::invalid_queue_limits);
}

TEST_CASE("request policy: zero switches a trigger off, the timeout must be positive") {
  StreamManagementConfig c;
  c.request_every_stanzas = 0;
  c.request_after = Duration::zero();
  c.idle_request_interval = Duration::zero();
  CHECK(validate(c) == Error::ok);
  c.request_after = Duration(-1);
  CHECK(validate(c) == Error::invalid_request_policy);
  c.request_after = Duration::zero();
  c.idle_request_interval = Duration(-1);
  CHECK(validate(c) == Error::invalid_request_policy);
  c.idle_request_interval = Duration::zero();
  c.ack_timeout = Duration::zero();
  CHECK(validate(c) == Error::invalid_request_policy);
}

TEST_CASE("error names") {
  CHECK(to_string(Error::ok) == "ok");
  CHECK(to_string(Error::invalid_max_resume) == "invalid_max_resume");
  CHECK(to_string(Error::invalid_queue_limits) == "invalid_queue_limits");
  CHECK(to_string(Error::invalid_request_policy) == "invalid_request_policy");
  CHECK(to_string(Error::missing_wall_clock) == "missing_wall_clock");
}

TEST_CASE("re-sending with a delay stamp needs the application's UTC clock") {
  StreamManagementConfig c;
  c.resend_unconfirmed_with_delay = true;
  CHECK(validate(c) == Error::missing_wall_clock);
  c.wall_clock = [] { return std::chrono::system_clock::time_point{}; };
  CHECK(validate(c) == Error::ok);
}

TEST_CASE("the event payloads hold stanzas by value") {
  event::Acked acked;
  acked.stanzas.push_back(UnackedStanza{1, 2, "id", "<message/>", TimePoint{}});
  const event::Unconfirmed unconfirmed{acked.stanzas, "resumption failed: item-not-found"};
  CHECK(unconfirmed.stanzas == acked.stanzas);
  CHECK(unconfirmed.reason == "resumption failed: item-not-found");
  const event::LinkDead dead{std::chrono::seconds(31)};
  CHECK(dead.silent_for == std::chrono::seconds(31));
}
