#include "sasl/authenticator.hpp"

namespace xmpp::sasl {
namespace {

std::variant<ScramClient, SingleMessageClient> make_impl(const Selection& selection,
                                                         const TlsChannel* tls,
                                                         const ScramPolicy& policy) {
  if (const auto hash = scram_hash(selection.mechanism)) {
    const std::string_view data = tls != nullptr && selection.channel_binding
                                      ? tls->data(*selection.channel_binding)
                                      : std::string_view();
    return std::variant<ScramClient, SingleMessageClient>(std::in_place_type<ScramClient>, *hash,
                                                          selection.gs2_flag,
                                                          selection.channel_binding, data, policy);
  }
  return std::variant<ScramClient, SingleMessageClient>(std::in_place_type<SingleMessageClient>,
                                                        selection.mechanism);
}

}  // namespace

Authenticator::Authenticator(const Selection& selection, const TlsChannel* tls,
                             const ScramPolicy& policy)
    : mechanism_(selection.mechanism), impl_(make_impl(selection, tls, policy)) {}

Error Authenticator::finish(Error error) noexcept {
  if (error != Error::ok && origin(error) != ErrorOrigin::caller) state_ = State::failed;
  return error;
}

Error Authenticator::start(const Credentials& credentials, const Entropy& entropy,
                           std::optional<std::string>& initial_response) {
  if (state_ != State::idle) return Error::invalid_state;
  prep_error_ = PrepError::ok;
  std::optional<std::string> initial;
  const Error error = std::visit(
      [&](auto& impl) {
        if constexpr (std::is_same_v<std::decay_t<decltype(impl)>, ScramClient>) {
          return impl.start(credentials, entropy, initial, prep_error_);
        } else {
          return impl.start(credentials, initial, prep_error_);
        }
      },
      impl_);
  if (error != Error::ok) return finish(error);
  initial_response = std::move(initial);
  state_ = State::running;
  return Error::ok;
}

Error Authenticator::challenge(std::string_view data, std::string& response) {
  if (state_ != State::running) return Error::invalid_state;
  std::string out;
  const Error error = std::visit([&](auto& impl) { return impl.challenge(data, out); }, impl_);
  if (error == Error::ok) response = std::move(out);
  return finish(error);
}

Error Authenticator::success(std::optional<std::string_view> additional_data) {
  if (state_ != State::running) return Error::invalid_state;
  const Error error = std::visit([&](auto& impl) { return impl.success(additional_data); }, impl_);
  if (error == Error::ok) state_ = State::succeeded;
  return finish(error);
}

std::string_view Authenticator::server_error() const noexcept {
  const auto* scram = std::get_if<ScramClient>(&impl_);
  return scram != nullptr ? scram->server_error() : std::string_view();
}

std::optional<ScramKeyCache> Authenticator::scram_keys() const {
  const auto* scram = std::get_if<ScramClient>(&impl_);
  if (scram == nullptr || state_ != State::succeeded) return std::nullopt;
  return scram->keys();
}

}  // namespace xmpp::sasl
