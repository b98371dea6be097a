// xmpp::asio_adapter::Client: the thread-safe entry points, each handing its work to the Impl on
// the strand (impl.cpp).
#include <asio/dispatch.hpp>
#include <utility>

#include "impl.hpp"
#include "xmpp/xml/builder.hpp"

namespace xmpp::asio_adapter {

Client::Client(::asio::any_io_executor executor, SessionConfig config, SessionHooks hooks,
               Options options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config), std::move(hooks),
                                   std::move(options))) {}

Client::~Client() {
  // Documented: on the strand or with no thread running the executor, so this is the strand's
  // only activity now.
  impl_->shutdown();
}

Client::executor_type Client::get_executor() const noexcept {
  return impl_->strand();
}

bool Client::start(std::string* error) {
  return impl_->start(error);
}

std::shared_ptr<Client::OwnedElement> Client::own(xml::Element element) {
  auto owned = std::make_shared<OwnedElement>();
  owned->element = xml::clone(element, owned->arena);
  return owned;
}

// Each initiation is posted, never run here: the strand serialises it with everything else, and
// a completion is never invoked from inside the initiating function.
void Client::initiate_run(detail::CompletionPtr<std::error_code, StopReason> done) {
  ::asio::post(impl_->strand(),
               [impl = impl_, done = std::move(done)]() mutable { impl->run(std::move(done)); });
}

void Client::initiate_wait_online(detail::CompletionPtr<std::error_code> done) {
  ::asio::post(impl_->strand(), [impl = impl_, done = std::move(done)]() mutable {
    impl->wait_online(std::move(done));
  });
}

void Client::initiate_send_iq(std::shared_ptr<OwnedElement> iq, IqOptions options,
                              detail::CompletionPtr<std::error_code, IqReply> done) {
  ::asio::post(impl_->strand(),
               [impl = impl_, iq = std::move(iq), options, done = std::move(done)]() mutable {
                 impl->send_iq(iq->element, options, std::move(done));
               });
}

void Client::initiate_close(detail::CompletionPtr<std::error_code, StopReason> done) {
  ::asio::post(impl_->strand(), [impl = impl_, done = std::move(done)]() mutable {
    impl->close_and_wait(std::move(done));
  });
}

void Client::post(std::function<void(Session&)> fn) {
  ::asio::post(impl_->strand(), [impl = impl_, fn = std::move(fn)] { impl->apply(fn); });
}

void Client::drop_transport() {
  ::asio::post(impl_->strand(), [impl = impl_] { impl->drop_transport(); });
}

void Client::close() {
  ::asio::post(impl_->strand(), [impl = impl_] { impl->close(); });
}

Session& Client::session() noexcept {
  return impl_->session();
}

const Session& Client::session() const noexcept {
  return impl_->session();
}

std::string Client::last_transport_error() const {
  return impl_->last_error();
}

}  // namespace xmpp::asio_adapter
