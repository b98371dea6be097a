// session::IqTracker and answers_request() alone: who may answer a request, deadlines.
#include <doctest/doctest.h>

#include "session/iq_tracker.hpp"
#include "stream_test_util.hpp"

namespace xmpp::test {
namespace {

using namespace std::chrono_literals;
using session::answers_request;
using session::IqTracker;
using session::PendingIq;

Jid jid(std::string_view s) {
  return *Jid::parse(s);
}

PendingIq request(std::string id, std::optional<Jid> to, TimePoint deadline) {
  return {std::move(id), std::move(to), [](Session&, const IqResponse&) {}, deadline};
}

}  // namespace

TEST_CASE("iq tracker: a request with `to` is answered by that address only") {
  const Jid account = jid("alice@example.com");
  const std::optional<Jid> bob = jid("bob@example.com/phone");
  CHECK(answers_request(bob, "bob@example.com/phone", account));
  CHECK(answers_request(bob, "BOB@EXAMPLE.COM/phone", account));
  CHECK_FALSE(answers_request(bob, "bob@example.com/Phone", account));  // resource: exact
  CHECK_FALSE(answers_request(bob, "bob@example.com", account));
  CHECK_FALSE(answers_request(bob, std::nullopt, account));  // no from: the account
  CHECK_FALSE(answers_request(bob, "example.com", account));
  CHECK_FALSE(answers_request(bob, "", account));
  // To the account's own bare JID: the server answers for it with or without `from`.
  const std::optional<Jid> self = account;
  CHECK(answers_request(self, std::nullopt, account));
  CHECK(answers_request(self, "alice@example.com", account));
  CHECK_FALSE(answers_request(self, "example.com", account));
}

TEST_CASE("iq tracker: a request without `to` is answered by the account or its server") {
  const Jid account = jid("alice@example.com");
  CHECK(answers_request(std::nullopt, std::nullopt, account));
  CHECK(answers_request(std::nullopt, "alice@example.com", account));
  CHECK(answers_request(std::nullopt, "Example.COM", account));
  CHECK_FALSE(answers_request(std::nullopt, "alice@example.com/other", account));
  CHECK_FALSE(answers_request(std::nullopt, "example.net", account));
  CHECK_FALSE(answers_request(std::nullopt, "mallory@example.com", account));
  CHECK_FALSE(answers_request(std::nullopt, "@@", account));
}

TEST_CASE("iq tracker: only result and error responses with a pending id are taken") {
  const Jid account = jid("alice@example.com");
  const TimePoint t{100s};
  IqTracker tracker;
  tracker.add(request("a", jid("example.com"), t));
  tracker.add(request("b", std::nullopt, t));
  OpenStream stream;
  CHECK_FALSE(
      tracker.take_response(stream.element("<iq type='get' id='a' from='example.com'/>"), account));
  CHECK_FALSE(tracker.take_response(stream.element("<iq type='result' id='z'/>"), account));
  CHECK_FALSE(
      tracker.take_response(stream.element("<iq type='result' from='example.com'/>"), account));
  CHECK_FALSE(tracker.take_response(
      stream.element("<message type='result' id='a' from='example.com'/>"), account));
  CHECK(tracker.size() == 2);
  auto error = tracker.take_response(
      stream.element("<iq type='error' id='a' from='example.com'><error type='cancel'/></iq>"),
      account);
  REQUIRE(error);
  CHECK(error->request.id == "a");
  CHECK(error->outcome == IqOutcome::error);
  auto result = tracker.take_response(stream.element("<iq type='result' id='b'/>"), account);
  REQUIRE(result);
  CHECK(result->outcome == IqOutcome::result);
  CHECK(tracker.size() == 0);
}

TEST_CASE("iq tracker: deadlines, expiry in order, take_all") {
  IqTracker tracker;
  CHECK_FALSE(tracker.next_deadline());
  tracker.add(request("late", std::nullopt, TimePoint{30s}));
  tracker.add(request("early", std::nullopt, TimePoint{10s}));
  tracker.add(request("mid", std::nullopt, TimePoint{20s}));
  CHECK(tracker.next_deadline() == TimePoint{10s});
  CHECK(tracker.take_expired(TimePoint{9s}).empty());
  const auto expired = tracker.take_expired(TimePoint{20s});
  REQUIRE(expired.size() == 2);
  CHECK(expired[0].id == "early");
  CHECK(expired[1].id == "mid");
  CHECK(tracker.contains("late"));
  CHECK_FALSE(tracker.contains("mid"));
  CHECK(tracker.next_deadline() == TimePoint{30s});
  CHECK(tracker.take_all().size() == 1);
  CHECK(tracker.size() == 0);
}

}  // namespace xmpp::test
