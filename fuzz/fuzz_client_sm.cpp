// Fuzzes xmpp::Client with stream management (XEP-0198) across connections. A scripted server
// gets the client online cheaply (no TLS, PLAIN or ANONYMOUS, canned fragments, the bind result
// for the client's real request id); then the input chooses what happens: the server's
// <enabled/>, <a h/>, <r/>, <resumed/> and <failed/> with fuzzed attributes (valid and hostile h
// values, ids, max, location), stanzas and raw bytes, cut in chosen chunks; the application's
// tagged sends, close() and abandon_session(); the clock (ack_request and ack_timeout timers,
// keepalive, negotiation timeouts); the end of the transport and connect() again (resumption);
// save_stream_management() and a restore into a fresh Client, also from mutated bytes.
//
// Input (fuzz_client_sm_input.hpp): 3 configuration bytes (read_config()), then a program of
// operations, each an opcode byte (modulo kOpCount) and its argument bytes (the Op enum);
// missing bytes read as zero.
// Server operations end with a feed byte: bit 0 queues the bytes only, bits 1-7 are the chunk
// size of the reads (0: one read). fuzz/make_sm_seeds.py writes seeds in this format.
//
// Invariants (a broken one traps; XMPP_FUZZ_TRACE=1 prints every operation and event):
// - Accounting: a stanza whose send() returned ok and that entered the unacknowledged queue
//   (always, while stream management is enabled or a resumption is pending) is reported at most
//   once across Acked and Unconfirmed, with the bytes it was sent as (or with a XEP-0203 delay
//   stamp added); after every full drain the stanzas not yet reported are exactly those of
//   stream_management().unacked(). So when the session ends for good (Closed and not
//   resumption_pending()) or after abandon_session(), each was reported exactly once; the run
//   ends that way. Save and restore carry exactly the queue (and lose nothing).
// - The queue: within max_unacked_stanzas and max_unacked_bytes, unacked_bytes() their sum,
//   consecutive sequences ending at outbound_count(), at most distance(last_acked,
//   outbound_count) of them; resumable() implies enabled() and an id. An <a h/> fed alone to an
//   enabled session sets last_acked() to h and leaves only later stanzas queued, or (too high,
//   backwards, malformed) ends the session; an Acked event lists consecutive sequences.
// - Resumption: at most one <enable/> and one <resume/> per connection; after <resume/> nothing
//   goes out until the answer; after <resumed/> the queued stanzas are written again first, in
//   order; Online{resumed} only after our <resume/>, with the JID bound before.
// - Events: at most one Online per connection; StreamErrorSent/Received and LinkDead are followed
//   by Closed (only Unconfirmed in between); after Closed nothing but the Unconfirmed of
//   abandon_session() until connect(); after Closed no deadline and no more output.
// - Commands succeed exactly when the API says (send() by phase, resumption_pending() and kind;
//   close(), abandon_session(), connect(), receive_eof(), receive()); refusals change nothing.
// - output() never exceeds max_output_bytes; after handle_timeout(now) no deadline is at or
//   before now, and an early call changes nothing.
// - Save/restore: restore(save(now)) at the same now saves the same bytes again; the client's
//   restore_stream_management() accepts exactly what StreamManagementState::restore() accepts.
// - Chunking: a shadow client given the same bytes in one read per feed and drained after every
//   operation has the same phase, deadline and stream management state after every operation,
//   and the same output, events and saved state.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_client_common.hpp"
#include "fuzz_client_sm_input.hpp"
#include "sm/sequence.hpp"
#include "sm/sm_elements.hpp"
#include "xmpp/client.hpp"
#include "xmpp/xml.hpp"

namespace {

using namespace std::chrono_literals;
using fuzz::check;
using xmpp::Client;
using xmpp::ClientConfig;
using xmpp::ClientPhase;
using xmpp::CommandStatus;
using xmpp::Duration;
using xmpp::Event;
using xmpp::ReceiveStatus;
using xmpp::SendStatus;
using xmpp::TimePoint;
using xmpp::UnackedStanza;
namespace event = xmpp::event;
namespace sm = xmpp::sm;
namespace xml = xmpp::xml;

using namespace fuzz::sm_input;
using fuzz::Input;

const char* name(ClientPhase p) {
  return xmpp::to_string(p).data();
}

class Session {
 public:
  explicit Session(Setup setup)
      : config_(setup.config), lazy_(setup.lazy), shadow_(setup.config), client_(setup.config) {
    check(xmpp::validate(config_) == xmpp::ConfigError::ok, "the harness's configuration");
  }

  void run(Input& in) {
    while (!in.done()) {
      ++step_;
      step(in);
      if (!lazy_) drain_all();
      after_op();
    }
    finish();
  }

 private:
  // What a refused command must leave alone.
  struct Snapshot {
    ClientPhase phase;
    std::size_t out_size;
    std::optional<TimePoint> deadline;
    bool pending;
    std::uint32_t outbound, last_acked, inbound;
    std::size_t queued;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot snapshot() const {
    const auto& s = client_.stream_management();
    return {client_.phase(),     client_.output().size(), client_.next_deadline(),
            pending(),           s.outbound_count(),      s.last_acked(),
            s.inbound_handled(), s.unacked().size()};
  }
  void trace(const char* fmt, auto... args) const {
    if (!fuzz::trace_enabled()) return;
    std::fprintf(stderr, "[%zu %s] ", step_, name(client_.phase()));
    std::fprintf(stderr, fmt, args...);
    std::fputc('\n', stderr);
  }

  bool pending() const { return client_.resumption_pending(); }
  bool is(ClientPhase p) const { return client_.phase() == p; }
  bool over() const { return is(ClientPhase::idle) || is(ClientPhase::closed); }

  void step(Input& in) {
    const auto op = static_cast<Op>(in.byte() % kOpCount);
    std::uint8_t a = 0, b = 0;
    switch (op) {
      case op_negotiate:
        a = in.byte();
        negotiate(a, in.byte());
        break;
      case op_enabled:
        a = in.byte(), b = in.byte();
        emit(enabled_element(a, b), in.byte());
        break;
      case op_ack:
        a = in.byte(), b = in.byte();
        ack(h_value(a, b), in.byte());
        break;
      case op_request:
        emit("<r xmlns='urn:xmpp:sm:3'/>", in.byte());
        break;
      case op_resumed:
        a = in.byte(), b = in.byte();
        resumed(a, b, in.byte());
        break;
      case op_failed:
        a = in.byte(), b = in.byte();
        emit(failed(a, b), in.byte());
        break;
      case op_stanza:
        a = in.byte();
        whole_ = whole_ && a % std::size(kStanzas) < 4;
        emit(kStanzas[a % std::size(kStanzas)], in.byte());
        break;
      case op_fragment:
        a = in.byte();
        whole_ = whole_ && a % std::size(kFragments) != 0;  // a header may open an element
        emit(kFragments[a % std::size(kFragments)], in.byte());
        break;
      case op_raw: {
        const std::string bytes(in.bytes(in.byte()));
        whole_ = whole_ && bytes.empty();
        emit(bytes, in.byte());
        break;
      }
      case op_send:
        a = in.byte();
        send(a, in.byte());
        break;
      case op_close:
        close();
        break;
      case op_abandon:
        abandon();
        break;
      case op_eof:
        eof();
        break;
      case op_connect:
        connect();
        break;
      case op_advance:
        advance_to(now_ + kSteps[in.byte() % std::size(kSteps)]);
        break;
      case op_to_deadline:
        a = in.byte() % 3;
        if (const auto deadline = client_.next_deadline()) {
          // The engine's clock never runs backwards.
          advance_to(std::max(now_, *deadline + (a == 1 ? -1ms : a == 2 ? 1ms : 0ms)));
        }
        break;
      case op_drain_output:
        a = in.byte();
        drain_output(a == 0 ? SIZE_MAX : a);
        break;
      case op_poll:
        a = in.byte();
        poll(a == 0 ? SIZE_MAX : a);
        break;
      case op_drain_all:
        drain_all();
        break;
      case op_save_restore:
        a = in.byte(), b = in.byte();
        save_restore(a, b, in.byte(), in.byte());
        break;
      case kOpCount:
        break;
    }
  }

  // -- The scripted server ---------------------------------------------------------------------

  // The bytes of this connection the client wrote or is about to write (the front of output(),
  // the first of its blocks).
  std::string seen() const { return written_.substr(conn_start_) + std::string(client_.output()); }
  // Everything the client wrote on this connection: the server reads it.
  std::string_view read_all() {
    drain_output(SIZE_MAX);
    return std::string_view(written_).substr(conn_start_);
  }

  std::string request_id() {
    const std::string_view s = read_all();
    const std::size_t at = s.rfind("<iq ");
    if (at == std::string_view::npos) return "none";
    return std::string(fuzz::attribute_in(s.substr(at, s.find('>', at) - at), "id"));
  }

  // Brings the client to online (or resuming) the shortest way; each step only in its phase.
  void negotiate(std::uint8_t how, std::uint8_t feed) {
    if (over()) connect();
    whole_ = whole_ && !(feed & 1);  // queued steps may repeat a header
    const auto at = [&](ClientPhase p, std::string_view bytes) {
      if (is(p)) emit(bytes, feed);
    };
    at(ClientPhase::awaiting_stream, kFragments[0]);
    if (!client_.authenticated()) at(ClientPhase::awaiting_features, kFragments[1]);
    at(ClientPhase::authenticating, kFragments[2]);
    at(ClientPhase::awaiting_stream, kFragments[0]);
    at(ClientPhase::awaiting_features, kFragments[3 + (how & 3)]);
    if (is(ClientPhase::resuming)) {
      const std::uint8_t answer = (how >> 2) & 3;
      if (answer == 3) return;
      if (answer == 2) emit(failed(0, 0), feed);
      if (answer < 2) resumed(0, answer == 0 ? 1 : 0, feed);  // every stanza handled, or none
    }
    at(ClientPhase::binding, "<iq type='result' id='" + request_id() +
                                 "'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>"
                                 "alice@example.com/sansio</jid></bind></iq>");
    at(ClientPhase::establishing_session, "<iq type='result' id='" + request_id() + "'/>");
    if (is(ClientPhase::online) && !((how >> 4) & 1) && server_.empty() &&
        !client_.stream_management().enabled() &&
        read_all().find("<enable ") != std::string_view::npos) {
      emit(enabled_element(0, how >> 5), feed);  // id='sm-1' resume='true', max chosen
    }
  }

  // The server's view: it received what was written, not what was queued while parked.
  std::string h_value(std::uint8_t form, std::uint8_t v) const {
    return h_attribute(form, v, client_.stream_management().last_acked(), written_count_);
  }
  std::string failed(std::uint8_t a, std::uint8_t b) const {
    return failed_element(a, (a >> 3) & 1 ? h_value(a >> 4, b) : std::string());
  }

  void resumed(std::uint8_t a, std::uint8_t b, std::uint8_t feed) {
    static const std::string kLong(1025, 'x');
    const std::string ids[] = {client_.stream_management().id(), "other", "", kLong};
    const bool alone = whole_ && server_.empty() && feed == 0 && is(ClientPhase::resuming);
    emit("<resumed xmlns='urn:xmpp:sm:3' previd='" + ids[a & 3] + "'" + h_value(a >> 2, b) + "/>",
         feed);
    if (!alone || !server_.empty() || !is(ClientPhase::online)) return;
    // XEP-0198 §5: what the server did not handle goes out again first, in order.
    std::string resend;
    for (const UnackedStanza& u : client_.stream_management().unacked())
      resend += u.bytes;
    const std::string_view s = read_all();
    const std::size_t at = s.rfind("<resume ");
    check(at != std::string_view::npos, "resumed without a <resume/>");
    const std::string_view after = s.substr(s.find("/>", at) + 2);
    check(after.substr(0, resend.size()) == resend.substr(0, after.size()),
          "after <resumed/> the unacknowledged stanzas are not re-sent first, in order");
  }

  // An <a/> fed alone to an enabled session: its h is checked against the client's counters.
  void ack(const std::string& h, std::uint8_t feed) {
    const auto& s = client_.stream_management();
    // (Enabled and online or closing, not resuming: acknowledgements are counted.)
    const bool alone = whole_ && server_.empty() && feed == 0 && s.enabled() && !pending() &&
                       (is(ClientPhase::online) || is(ClientPhase::closing));
    const std::uint32_t last = s.last_acked(), sent = s.outbound_count();
    trace("<a%s/>: last_acked %u, sent %u", h.c_str(), last, sent);
    emit("<a xmlns='urn:xmpp:sm:3'" + h + "/>", feed);
    if (!alone || !server_.empty()) return;
    const auto value = sm::parse_h(fuzz::attribute_in(h, "h"));
    if (h.empty() || !value || sm::distance(last, *value) > sm::distance(last, sent)) {
      check(is(ClientPhase::closed), "a malformed, too high or backwards h was accepted");
      return;
    }
    check(!is(ClientPhase::closed) && s.last_acked() == *value,
          "an acceptable h did not become last_acked()");
    for (const UnackedStanza& u : s.unacked()) {
      check(sm::is_after(u.sequence, *value), "a stanza an h acknowledged is still queued");
    }
  }

  // Queues server bytes; unless bit 0 of `feed` says to wait, feeds every queued byte in reads of
  // feed >> 1 bytes (0: one read).
  void emit(std::string_view bytes, std::uint8_t feed) {
    trace("server: %.*s", static_cast<int>(std::min<std::size_t>(bytes.size(), 160)), bytes.data());
    server_ += bytes;
    if (feed & 1) return;
    const std::size_t chunk = feed >> 1;
    std::size_t offset = 0;
    bool drop = false;
    std::string consumed, tail;
    ReceiveStatus last = ReceiveStatus::all_consumed;
    while (offset < server_.size()) {
      const std::size_t length =
          chunk == 0 ? server_.size() - offset : std::min(chunk, server_.size() - offset);
      std::string piece = server_.substr(offset, length);
      const ClientPhase pre = client_.phase();
      const Snapshot before = snapshot();
      const auto r = client_.receive(piece, now_);
      trace("receive %zu: consumed %zu, %s", length, r.consumed, xmpp::to_string(r.status).data());
      check(r.consumed <= length, "receive() consumed more than it was given");
      if (r.status == ReceiveStatus::invalid_state) {
        check(pre == ClientPhase::idle || pre == ClientPhase::closed,
              "receive() refused in a phase that takes bytes");
        check(r.consumed == 0 && snapshot() == before, "a refused receive() changed the engine");
        break;
      }
      check(pre != ClientPhase::idle && pre != ClientPhase::closed,
            "receive() accepted before connect() or after Closed");
      consumed.append(piece, 0, r.consumed);
      offset += r.consumed;
      if (r.status != ReceiveStatus::all_consumed) last = r.status;
      if (r.status == ReceiveStatus::all_consumed) {
        check(r.consumed == length, "all_consumed without consuming everything");
        continue;
      }
      check(r.status != ReceiveStatus::tls_handoff, "a TLS hand-off without STARTTLS");
      if (r.status == ReceiveStatus::drain_needed) break;
      check(is(ClientPhase::closed), "receive() said closed, the phase is not");
      tail = piece.substr(r.consumed);
      drop = true;  // the rest is not XMPP any more
      break;
    }
    server_.erase(0, drop ? server_.size() : offset);
    if (!consumed.empty() || !tail.empty()) shadow_.mirror_receive(consumed, tail, last, now_);
  }

  // -- The application -------------------------------------------------------------------------

  void send(std::uint8_t kind, std::uint8_t size) {
    xml::Arena arena(256);
    const std::uint64_t tag = ++next_tag_;
    const auto [element, expect] = outgoing(kind, size, "m" + std::to_string(tag), arena);
    const ClientPhase pre = client_.phase();
    const bool was_pending = pending(), was_enabled = client_.stream_management().enabled();
    const Snapshot before = snapshot();
    const SendStatus status = client_.send(element, tag);
    trace("send %d tag %llu: %s", kind % 7, static_cast<unsigned long long>(tag),
          xmpp::to_string(status).data());
    const auto& s = client_.stream_management();
    if (status != SendStatus::ok) {
      check(snapshot() == before, "a refused send() changed the engine");
    } else {
      check(shadow_.client.send(element, tag) == SendStatus::ok, "the shadow refused send()");
    }
    if (pre == ClientPhase::online) {
      check(expect == Kind::reserved
                ? status == SendStatus::reserved_element
                : status == SendStatus::ok || status == SendStatus::would_block ||
                      (expect == Kind::stanza && status == SendStatus::too_large),
            "send() while online answered wrongly");
    } else if (was_pending && expect == Kind::stanza) {
      check(status == SendStatus::ok || status == SendStatus::would_block ||
                status == SendStatus::too_large,
            "send() of a stanza refused while a resumption is pending");
    } else {
      check(status == SendStatus::not_online, "send() accepted while not online");
    }
    if (status != SendStatus::ok) return;
    const bool tracked = s.outbound_count() != before.outbound;
    check(!tracked || expect == Kind::stanza, "a nonza entered the unacknowledged queue");
    check(tracked || !(expect == Kind::stanza && (was_pending || was_enabled)),
          "a stanza sent with stream management enabled was not tracked");
    if (!tracked) return;
    std::string bytes;
    check(xml::write(element, bytes, fuzz::client_stream_scope()) == xml::WriteStatus::ok,
          "a sent stanza cannot be written");
    check(s.outbound_count() == sm::next(before.outbound) && s.unacked().back().tag == tag &&
              s.unacked().back().bytes == bytes &&
              s.unacked().back().sequence == s.outbound_count(),
          "the queue does not end with the stanza just sent");
    outstanding_.emplace(tag, bytes);
  }

  void close() {
    const bool allowed = !over() && !is(ClientPhase::closing);
    const Snapshot before = snapshot();
    const CommandStatus status = client_.close(now_);
    trace("close: %s", xmpp::to_string(status).data());
    if (!allowed) {
      check(status == CommandStatus::invalid_state && snapshot() == before,
            "close() accepted in idle, closing or closed");
      return;
    }
    check(status == CommandStatus::ok && shadow_.client.close(now_) == CommandStatus::ok,
          "close() refused while the session runs");
  }

  void abandon() {
    const bool allowed = pending() && over();
    const Snapshot before = snapshot();
    const CommandStatus status = client_.abandon_session();
    trace("abandon_session: %s", xmpp::to_string(status).data());
    if (!allowed) {
      check(status == CommandStatus::invalid_state && snapshot() == before,
            "abandon_session() accepted without a kept session");
      return;
    }
    check(status == CommandStatus::ok && !pending() &&
              shadow_.client.abandon_session() == CommandStatus::ok,
          "abandon_session() refused with a kept session");
    // Its Unconfirmed is the one event allowed after Closed; everything is reported now.
    abandoning_ = true;
    drain_all();
    abandoning_ = false;
    check(outstanding_.empty(), "abandon_session() did not hand back every stanza");
  }

  void eof() {
    const bool allowed = !over();
    const Snapshot before = snapshot();
    const CommandStatus status = client_.receive_eof(now_);
    trace("receive_eof: %s", xmpp::to_string(status).data());
    if (!allowed) {
      check(status == CommandStatus::invalid_state && snapshot() == before,
            "receive_eof() accepted before connect() or after Closed");
      return;
    }
    check(status == CommandStatus::ok && is(ClientPhase::closed) &&
              shadow_.client.receive_eof(now_) == CommandStatus::ok,
          "receive_eof() did not end the connection");
    server_.clear();
  }

  // A new transport. The adapter writes out and polls what the old one left first.
  void connect() {
    drain_all();
    const bool allowed = over();
    check(!is(ClientPhase::closed) || conn_closed_, "phase closed without a Closed event");
    const Snapshot before = snapshot();
    const CommandStatus status = client_.connect(now_);
    trace("connect: %s", xmpp::to_string(status).data());
    if (!allowed) {
      check(status == CommandStatus::invalid_state && snapshot() == before, "connect() twice");
      return;
    }
    check(status == CommandStatus::ok && shadow_.client.connect(now_) == CommandStatus::ok,
          "connect() refused in idle or closed");
    new_connection();
  }

  void new_connection() {
    server_.clear();
    conn_start_ = scanned_ = written_.size();
    enables_ = resumes_ = 0;
    conn_closed_ = closed_drained_ = expect_closed_ = false;
    whole_ = true;
    onlines_ = 0;
  }

  void advance_to(TimePoint t) {
    now_ = t;
    const auto deadline = client_.next_deadline();
    const Snapshot before = snapshot();
    client_.handle_timeout(now_);
    shadow_.client.handle_timeout(now_);
    trace("handle_timeout at %lld ms",
          static_cast<long long>(
              std::chrono::duration_cast<Duration>(now_.time_since_epoch()).count()));
    const auto next = client_.next_deadline();
    check(!next || *next > now_, "a timer due at handle_timeout(now) did not fire");
    if (!deadline || *deadline > now_) {
      check(snapshot() == before, "an early handle_timeout() changed the engine");
    }
  }

  // save_stream_management(), then a new process: a fresh Client restored from the bytes (mode
  // bit 0: damaged by mutate()), `kDowntime[down]` later by the wall clock.
  void save_restore(std::uint8_t mode, std::uint8_t at, std::uint8_t flip, std::uint8_t down) {
    drain_all();
    std::string saved = client_.save_stream_management(now_);
    check(saved == shadow_.client.save_stream_management(now_),
          "chunking: the saved state depends on chunking");
    const sm::QueueLimits limits = sm::QueueLimits::of(config_.stream_management);
    const auto again = sm::StreamManagementState::restore(saved, {now_, 0ms, limits});
    check(again && again->save(now_) == saved, "restore(save(now)) does not save the same bytes");
    if (mode & 1) mutate(saved, mode, at, flip);
    const Duration downtime = kDowntime[down & 3];
    sm::RestoreError expected_error{}, error{};
    const auto expected =
        sm::StreamManagementState::restore(saved, {now_, downtime, limits}, &expected_error);
    Client fresh(config_);
    fuzz::Shadow fresh_shadow(config_);
    const CommandStatus status = fresh.restore_stream_management(saved, downtime, now_, &error);
    trace("restore (mode %d, downtime %lld ms): %s, %s", mode & 7,
          static_cast<long long>(downtime.count()), xmpp::to_string(status).data(),
          sm::to_string(error).data());
    check(status == (expected ? CommandStatus::ok : CommandStatus::invalid_input) &&
              error == expected_error,
          "restore_stream_management() disagrees with StreamManagementState::restore()");
    check(fresh_shadow.client.restore_stream_management(saved, downtime, now_) == status,
          "the shadow's restore disagrees");
    if (!expected) {
      check(!fresh.poll_event() && fresh.stream_management() == Client(config_).stream_management(),
            "a refused restore changed the engine");
      return;  // the application keeps the engine it has
    }
    if (!(mode & 1)) {
      // The whole queue travels; none is left behind in the old process.
      check(tags(expected->unacked()) == unreported(),
            "save_stream_management() loses unreported stanzas");
    }
    client_ = std::move(fresh);
    shadow_.client = std::move(fresh_shadow.client);
    outstanding_.clear();
    for (const UnackedStanza& u : expected->unacked())
      outstanding_.emplace(u.tag, u.bytes);
    written_count_ = expected->outbound_count();  // a restored queue counts as written
    new_connection();
  }

  // -- Drains and events -----------------------------------------------------------------------

  void drain_output(std::size_t limit) {
    std::size_t total = 0;
    for (std::string_view out = client_.output(); !out.empty() && total < limit;
         out = client_.output()) {
      const std::size_t n = std::min(out.size(), limit - total);
      written_.append(out.substr(0, n));
      check(client_.consume_output(n) == CommandStatus::ok, "consume_output(output().size())");
      total += n;
    }
    // Counted in what is new: a tag (8 bytes) starting in the last 7 bytes scanned was not whole.
    const std::string_view fresh = std::string_view(written_).substr(
        std::max(conn_start_, scanned_ - std::min(scanned_, std::size_t{7})));
    enables_ += fuzz::count(fresh, "<enable ");
    resumes_ += fuzz::count(fresh, "<resume ");
    scanned_ = written_.size();
    check(enables_ <= 1 && resumes_ <= 1, "<enable/> or <resume/> twice on one connection");
  }

  void poll(std::size_t limit) {
    for (std::size_t n = 0; n < limit; ++n) {
      auto e = client_.poll_event();
      if (!e) break;
      on_event(*e);
    }
  }

  void on_event(const Event& e) {
    trace("event %s", fuzz::describe(e).c_str());
    events_.push_back(fuzz::semantics(e));
    const auto* unconfirmed = std::get_if<event::Unconfirmed>(&e);
    check(!conn_closed_ || (abandoning_ && unconfirmed), "an event after Closed");
    check(!expect_closed_ || unconfirmed || std::holds_alternative<event::Closed>(e),
          "a stream error or LinkDead not followed by Closed");
    if (std::holds_alternative<event::Closed>(e)) {
      check(is(ClientPhase::closed), "Closed polled while the phase is not closed");
      conn_closed_ = true;
      expect_closed_ = false;
    } else if (std::holds_alternative<event::StreamErrorSent>(e) ||
               std::holds_alternative<event::StreamErrorReceived>(e) ||
               std::holds_alternative<event::LinkDead>(e)) {
      expect_closed_ = true;
    } else if (const auto* online = std::get_if<event::Online>(&e)) {
      check(++onlines_ == 1, "Online twice on one connection");
      check(client_.bound_jid() && *client_.bound_jid() == online->jid, "Online without its JID");
      check(!online->resumed || (read_all().find("<resume ") != std::string_view::npos &&
                                 (client_.stream_management().bound_jid().empty() ||
                                  online->jid.str() == client_.stream_management().bound_jid())),
            "Online{resumed} without a <resume/>, or with another JID");
    } else if (const auto* acked = std::get_if<event::Acked>(&e)) {
      report(acked->stanzas, true);
    } else if (unconfirmed) {
      report(unconfirmed->stanzas, false);
    }
  }

  void report(const std::vector<UnackedStanza>& stanzas, bool acked) {
    check(!stanzas.empty(), "an empty Acked or Unconfirmed");
    for (std::size_t i = 0; i < stanzas.size(); ++i) {
      const UnackedStanza& u = stanzas[i];
      check(!acked || i == 0 || u.sequence == sm::next(stanzas[i - 1].sequence),
            "an Acked event with a gap in its sequences");
      auto [first, end] = outstanding_.equal_range(u.tag);
      auto match = end;
      for (auto it = first; it != end; ++it) {
        if (it->second == u.bytes) match = it;
      }
      // A stanza re-sent after a failed resumption carries a XEP-0203 delay stamp.
      if (match == end && first != end && config_.stream_management.resend_unconfirmed_with_delay &&
          u.bytes.find("<delay xmlns='urn:xmpp:delay' stamp='") != std::string::npos) {
        match = first;
      }
      check(match != end, "a stanza reported twice, or one never sent");
      outstanding_.erase(match);
    }
  }

  template <class Stanzas>
  static std::multiset<std::uint64_t> tags(const Stanzas& stanzas) {
    std::multiset<std::uint64_t> out;
    for (const UnackedStanza& u : stanzas)
      out.insert(u.tag);
    return out;
  }
  std::multiset<std::uint64_t> unreported() const {
    std::multiset<std::uint64_t> out;
    for (const auto& entry : outstanding_)
      out.insert(entry.first);
    return out;
  }

  void drain_all() {
    drain_output(SIZE_MAX);
    poll(SIZE_MAX);
    // Stanzas waiting to be re-sent with a delay stamp are held outside the queue from a failed
    // <resume/> to the <enable/> after binding.
    const bool held = config_.stream_management.resend_unconfirmed_with_delay &&
                      (is(ClientPhase::binding) || is(ClientPhase::establishing_session));
    const auto queued = tags(client_.stream_management().unacked());
    if (held) {
      check(queued.size() <= outstanding_.size(), "more stanzas queued than were sent");
    } else {
      check(queued == unreported(), "the stanzas not yet reported are not those queued");
    }
    if (is(ClientPhase::closed) && !pending()) {
      check(outstanding_.empty(), "a session ended for good without reporting every stanza");
    }
  }

  // -- After every operation -------------------------------------------------------------------

  void after_op() {
    if (!pending()) written_count_ = client_.stream_management().outbound_count();
    shadow_.drain();
    const Client& sh = shadow_.client;
    check(sh.phase() == client_.phase() && sh.next_deadline() == client_.next_deadline() &&
              sh.resumption_pending() == pending() &&
              sh.stream_management() == client_.stream_management(),
          "chunking: the shadow fed the same bytes in one piece is in another state");
    check(client_.output().size() <= config_.limits.max_output_bytes,
          "output() exceeds max_output_bytes");
    check_queue();
    if (is(ClientPhase::resuming)) {
      // (Only what is visible without draining: the <resume/> may be in a later output block.)
      const std::string s = seen();
      const std::size_t at = s.find("<resume ");
      check(at == std::string::npos || s.find("/>", at) + 2 == s.size(),
            "something went out after <resume/> before the answer");
    }
    if (is(ClientPhase::closed)) {
      check(!client_.next_deadline(), "a timer is armed after Closed");
      if (!closed_drained_) drain_output(SIZE_MAX);
      closed_drained_ = true;
      check(client_.output().empty(), "output after Closed");
    }
  }

  void check_queue() {
    const auto& s = client_.stream_management();
    const auto& m = config_.stream_management;
    check(s.unacked().size() <= m.max_unacked_stanzas && s.unacked_bytes() <= m.max_unacked_bytes,
          "the unacknowledged queue exceeds its bounds");
    check(s.unacked().size() <= sm::distance(s.last_acked(), s.outbound_count()),
          "more stanzas queued than are unacknowledged");
    check(!s.resumable() || (s.enabled() && !s.id().empty()), "resumable without an id");
    std::size_t bytes = 0;
    std::uint32_t sequence = s.outbound_count() - static_cast<std::uint32_t>(s.unacked().size());
    for (const UnackedStanza& u : s.unacked()) {
      bytes += u.bytes.size();
      sequence = sm::next(sequence);
      check(u.sequence == sequence, "queued sequences are not consecutive up to outbound_count()");
    }
    check(bytes == s.unacked_bytes(), "unacked_bytes() is not the sum of the queued stanzas");
  }

  // The end of the run: the session ends for good, and every stanza has been reported.
  void finish() {
    step_ = 0;  // traced as the end
    drain_all();
    if (!over()) eof();
    drain_all();
    if (pending()) abandon();
    after_op();
    check(outstanding_.empty(), "stanzas never reported");
    check(!client_.poll_event(), "events left after a full drain");
    shadow_.expect_same(written_, events_);
  }

  const ClientConfig config_;
  const bool lazy_;
  fuzz::Shadow shadow_;
  Client client_;
  TimePoint now_{std::chrono::hours(1000)};
  std::size_t step_ = 0;
  std::string server_;   // server bytes queued, not yet received
  std::string written_;  // everything consumed from output(), in order
  std::vector<std::string> events_;
  std::multimap<std::uint64_t, std::string> outstanding_;  // tag -> bytes, not yet reported
  std::uint64_t next_tag_ = 0;
  std::uint32_t written_count_ = 0;  // outbound_count() when not parked (the server may have it)
  std::size_t conn_start_ = 0;       // where this connection's output starts in written_
  std::size_t scanned_ = 0;          // written_ searched for <enable/> and <resume/> up to here
  int enables_ = 0, resumes_ = 0;
  int onlines_ = 0;
  bool conn_closed_ = false;     // this connection's Closed was polled
  bool closed_drained_ = false;  // the output left at Closed was written
  bool expect_closed_ = false;   // a stream error or LinkDead was polled
  bool abandoning_ = false;
  bool whole_ = true;  // the server sent only whole elements on this connection (top level)
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(std::string_view(reinterpret_cast<const char*>(data), size));
  Session session(read_config(in));
  session.run(in);
  return 0;
}
