// The error category of the Asio adapter's operations ("xmpp.asio_adapter").
#include <string>

#include "xmpp/adapters/asio.hpp"

namespace xmpp::asio_adapter {

namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "xmpp.asio_adapter"; }

  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
      case error::not_started:
        return "the client was not started";
      case error::stopped:
        return "the session stopped";
      case error::not_online:
        return "the session is not online";
      case error::would_block:
        return "the session's output is full";
      case error::invalid_request:
        return "the IQ request was refused";
      case error::timeout:
        return "no response within the timeout";
      case error::session_replaced:
        return "the stream of the request ended without resumption";
    }
    return "unknown xmpp.asio_adapter error";
  }
};

}  // namespace

const std::error_category& error_category() noexcept {
  static const Category category;
  return category;
}

std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), error_category()};
}

}  // namespace xmpp::asio_adapter
