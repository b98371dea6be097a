#include "chat_driver.hpp"

#include <utility>

namespace xmpp::chat {

std::unique_ptr<ChatDriver> make_driver(AdapterKind kind, SessionConfig config, SessionHooks hooks,
                                        const adapters::TransportOptions& options) {
  if (!adapter_available(kind)) return nullptr;
  switch (kind) {
    case AdapterKind::posix:
      return make_posix_driver(std::move(config), std::move(hooks), options);
    case AdapterKind::epoll:
#if defined(__linux__)
      return make_epoll_driver(std::move(config), std::move(hooks), options);
#else
      break;  // the epoll adapter exists on Linux only (adapters/meson.build)
#endif
    case AdapterKind::asio:
#if defined(XMPP_CHAT_HAVE_ASIO)
      return make_asio_driver(std::move(config), std::move(hooks), options);
#else
      break;  // built only when Asio is installed (examples/meson.build)
#endif
  }
  return nullptr;
}

}  // namespace xmpp::chat
