// The Asio adapter: one xmpp::Session driven by standalone Asio (Debian's libasio-dev) with
// asio::ssl, behind an asynchronous API that follows Asio's completion-token conventions
// (callbacks, asio::use_awaitable in C++20 coroutines, asio::use_future, and in Asio 1.22
// asio::experimental::deferred and as_tuple):
//
//     asio::io_context io;
//     xmpp::asio_adapter::Client bot(io.get_executor(), std::move(config), hooks);
//     if (!bot.start(&error)) ...;
//     asio::co_spawn(io, [&]() -> asio::awaitable<void> {
//       co_await bot.async_wait_online(asio::use_awaitable);
//       xmpp::asio_adapter::IqReply reply =
//           co_await bot.async_send_iq(ping, asio::use_awaitable);  // throws on error
//       ...
//     }, asio::detached);
//     io.run();
//
// The connection logic is the other adapters' (target resolution over the shared c-ares
// resolver, a connect timeout per address and the next address on failure, STARTTLS and direct
// TLS (XEP-0368) with the shared certificate checks and channel binding, backpressure, the
// graceful close with a linger, reconnection and resumption by the Session's deadlines); only the
// waiting is Asio's. Every protocol decision is the Session's.
#pragma once

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution/outstanding_work.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/strand.hpp>

#include <functional>
#include <memory>
#include <string>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "xmpp/adapters/options.hpp"
#include "xmpp/iq_request.hpp"
#include "xmpp/session.hpp"
#include "xmpp/xml/arena.hpp"

namespace xmpp::asio_adapter {

/// What the adapter itself decides: trust, DNS, timeouts, buffer bounds (the same struct as
/// posix::Options and epoll::Options).
using Options = adapters::TransportOptions;

/// Why an asynchronous operation of a Client did not complete normally (category
/// "xmpp.asio_adapter"). Cancellation by the Client's destruction is asio::error::
/// operation_aborted, as for Asio's own objects.
enum class error : int {
  /// start() was not called (or failed): nothing will ever happen. Call start() first.
  not_started = 1,
  /// The Session stopped before the operation could complete (async_wait_online,
  /// async_send_iq's request ended by close() or a permanent failure). The StopReason is in
  /// Session::reconnect_policy().stop_reason() and in async_run's completion.
  stopped,
  /// async_send_iq: the Session is not online (IqSendStatus::not_online). Wait for
  /// async_wait_online() and retry.
  not_online,
  /// async_send_iq: the engine's bounded output is full (IqSendStatus::would_block): retry
  /// after some traffic was acknowledged.
  would_block,
  /// async_send_iq: the request was refused for another IqSendStatus (invalid request,
  /// duplicate id, too many pending, too large, unserializable): fix the request.
  invalid_request,
  /// async_send_iq: no response within the request's timeout (IqOutcome::timeout).
  timeout,
  /// async_send_iq: the stream the request went out on ended without resumption
  /// (IqOutcome::session_replaced): send it again if it is safe to repeat.
  session_replaced,
};

/// The category of `error` values: name() is "xmpp.asio_adapter".
const std::error_category& error_category() noexcept;
std::error_code make_error_code(error e) noexcept;

/// An IQ response that owns its stanza (Session::send_iq()'s IqResponse is a view valid during
/// the callback only). Copies share the arena.
struct IqReply {
  /// result or error (the other outcomes complete async_send_iq with an error code).
  IqOutcome outcome = IqOutcome::result;
  /// The request's id.
  std::string id;
  /// Owns what `stanza` points into.
  std::shared_ptr<const xml::Arena> arena;
  /// The response `<iq type='result|error'/>`; valid while `arena` lives.
  xml::Element stanza;
};

namespace detail {

/// A completion handler with its signature's arguments erased from the Client's non-template
/// implementation: called exactly once, it posts the handler (moved out) to its associated
/// executor. Work is tracked on that executor from the initiation until then, so an io_context
/// does not run out of work while the operation is pending.
template <class... Args>
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void complete(Args... args) = 0;
};

template <class... Args>
using CompletionPtr = std::unique_ptr<Completion<Args...>>;

template <class Handler, class DefaultExecutor, class... Args>
class HandlerCompletion final : public Completion<Args...> {
 public:
  HandlerCompletion(Handler handler, const DefaultExecutor& fallback)
      : handler_(std::move(handler)),
        work_(::asio::prefer(::asio::get_associated_executor(handler_, fallback),
                             ::asio::execution::outstanding_work.tracked)) {}

  void complete(Args... args) override {
    // Posted, never invoked here: the Impl's state may be mid-change, and Asio's rule is that a
    // completion never runs inside the initiating function (which may be on this stack).
    auto work = std::move(work_);
    ::asio::post(work, [handler = std::move(handler_),
                        arguments = std::make_tuple(std::move(args)...)]() mutable {
      std::apply(std::move(handler), std::move(arguments));
    });
  }

 private:
  using WorkExecutor = std::decay_t<decltype(::asio::prefer(
      ::asio::get_associated_executor(std::declval<Handler&>(), std::declval<DefaultExecutor&>()),
      ::asio::execution::outstanding_work.tracked))>;
  Handler handler_;
  WorkExecutor work_;
};

template <class... Args, class Handler, class DefaultExecutor>
CompletionPtr<Args...> make_completion(Handler&& handler, const DefaultExecutor& fallback) {
  return std::make_unique<HandlerCompletion<std::decay_t<Handler>, DefaultExecutor, Args...>>(
      std::forward<Handler>(handler), fallback);
}

}  // namespace detail

/// Drives one Session over one TCP (+TLS) transport at a time, on an Asio executor.
///
/// ## Threads and the strand
/// Everything that touches the Session (I/O completions, timers, hooks, post()ed functions)
/// runs on one strand over the given executor, get_executor(), so the io_context may be run by
/// any number of threads. Hooks run on the strand; they may call the Session's commands and
/// what they produce is written when they return. Thread-safe: start(), the async_*
/// operations, post(), drop_transport(), close(), last_transport_error(). session() is not
/// (see there).
///
/// ## Asynchronous operations
/// Each takes a completion token (a callback, asio::use_awaitable, asio::use_future,
/// asio::experimental::deferred, ...) and completes exactly once, never inside the initiating
/// call: the handler is posted to its associated executor (the strand when it has none), and
/// that executor counts as having work until then. An operation initiated before start()
/// returned true completes with error::not_started.
///
/// ## Lifetime
/// Destroy the Client on its strand (from a post()ed function or a completion running there,
/// not from one of its own hooks) or while no thread runs its executor. Destruction closes the
/// transport at once (a TCP reset, no closing tag: call close() and wait for async_run first
/// for a clean end), calls no hook, and completes every pending operation with
/// asio::error::operation_aborted through its handler's executor. Handlers of the adapter's own
/// socket and timer operations that are still queued then find the Client gone and do nothing;
/// they keep the internal state alive until they have run (or the io_context is destroyed).
class Client {
 public:
  using executor_type = ::asio::strand<::asio::any_io_executor>;

  /// The Session is built from `config` (with system entropy when it has none, and without the
  /// verified-certificate requirement under Options::tls.insecure) and `hooks`. Nothing runs
  /// until start().
  Client(::asio::any_io_executor executor, SessionConfig config, SessionHooks hooks,
         Options options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  executor_type get_executor() const noexcept;

  /// Creates the TLS context and the resolver, validates the configuration and starts the
  /// Session on the strand (its first attempt follows at once). Returns false, with the reason
  /// in `error`, when one of those fails (unreadable CA file, invalid configuration); nothing
  /// else changes then. May be called again once the Session has stopped, to begin again.
  bool start(std::string* error = nullptr);

  /// Completes with the Session's StopReason when it stops (close(), a permanent failure, the
  /// reconnect policy giving up); at once (posted) when it already has. error::not_started
  /// before start(). Signature: void(std::error_code, StopReason).
  template <class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_run(Token&& token = {}) {
    return ::asio::async_initiate<Token, void(std::error_code, StopReason)>(
        [this](auto handler) {
          initiate_run(detail::make_completion<std::error_code, StopReason>(std::move(handler),
                                                                            get_executor()));
        },
        token);
  }

  /// Completes when the Session is online (at once when it is, else at its next on_connect or
  /// on_resume, after the hook ran); error::stopped when it stops first, error::not_started
  /// before start(). Signature: void(std::error_code).
  template <class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_wait_online(Token&& token = {}) {
    return ::asio::async_initiate<Token, void(std::error_code)>(
        [this](auto handler) {
          initiate_wait_online(
              detail::make_completion<std::error_code>(std::move(handler), get_executor()));
        },
        token);
  }

  /// Sends `iq` (an `<iq type='get|set'/>`, see Session::send_iq()) and completes with its
  /// response: ok with IqReply (outcome result or error), or an `error` (not_online,
  /// would_block, invalid_request when refused; timeout, session_replaced, stopped when the
  /// request ended without a response). The element is copied before this returns: the
  /// caller's tree need not outlive the call. Signature: void(std::error_code, IqReply).
  template <class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_send_iq(xml::Element iq, Token&& token = {}, IqOptions options = {}) {
    auto copy = own(iq);
    return ::asio::async_initiate<Token, void(std::error_code, IqReply)>(
        [this, options](auto handler, std::shared_ptr<OwnedElement> request) {
          initiate_send_iq(std::move(request), options,
                           detail::make_completion<std::error_code, IqReply>(std::move(handler),
                                                                             get_executor()));
        },
        token, std::move(copy));
  }

  /// Ends the Session gracefully (Session::close(): the closing handshake, then on_closed and
  /// on_stopped) and completes with the StopReason once it has stopped; at once when it
  /// already has. error::not_started before start(). Signature: void(std::error_code,
  /// StopReason).
  template <class Token = ::asio::default_completion_token_t<executor_type>>
  auto async_close(Token&& token = {}) {
    return ::asio::async_initiate<Token, void(std::error_code, StopReason)>(
        [this](auto handler) {
          initiate_close(detail::make_completion<std::error_code, StopReason>(std::move(handler),
                                                                              get_executor()));
        },
        token);
  }

  /// Runs `fn` on the strand with the Session (send, send_iq, router(), ...); what it produces
  /// is written when it returns. Not run when the Client is destroyed first.
  void post(std::function<void(Session&)> fn);
  /// Cuts the transport abruptly, as a network failure would: a TCP reset, no closing tag, no
  /// close_notify. The Session sees a lost connection and reconnects (resuming, with stream
  /// management). Does nothing without a transport. Asynchronous (on the strand).
  void drop_transport();
  /// Session::close() on the strand, without waiting (async_close() waits).
  void close();

  /// The Session, for code already on the strand (hooks, post()ed functions, completions
  /// without an executor of their own) or while no thread runs the executor. What a caller off
  /// the strand makes it send is written at the strand's next activity: prefer post(). Valid
  /// while the Client lives. Before start() the idle Session may be prepared through it
  /// (Session::restore_stream_management(), routes). Do not call Session::set_hooks() on it:
  /// the adapter's operations learn of online and stopped through its hooks.
  Session& session() noexcept;
  const Session& session() const noexcept;
  /// Why the latest transport ended on the adapter's side (DNS, connect, TLS), for
  /// diagnostics; empty when it ended because the engine was done with it. A copy (thread-safe).
  std::string last_transport_error() const;

  class Impl;
  /// A copy of a request made by async_send_iq() in the caller's thread (the caller's tree may
  /// be gone before the strand sends it). Internal to the template layer.
  struct OwnedElement {
    xml::Arena arena;
    xml::Element element;
  };

 private:
  static std::shared_ptr<OwnedElement> own(xml::Element element);
  void initiate_run(detail::CompletionPtr<std::error_code, StopReason> done);
  void initiate_wait_online(detail::CompletionPtr<std::error_code> done);
  void initiate_send_iq(std::shared_ptr<OwnedElement> iq, IqOptions options,
                        detail::CompletionPtr<std::error_code, IqReply> done);
  void initiate_close(detail::CompletionPtr<std::error_code, StopReason> done);

  std::shared_ptr<Impl> impl_;
};

}  // namespace xmpp::asio_adapter

template <>
struct std::is_error_code_enum<xmpp::asio_adapter::error> : std::true_type {};
