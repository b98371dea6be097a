#include "sasl/simple_mechanisms.hpp"

#include "crypto/crypto.hpp"
#include "sasl/utf8.hpp"

namespace xmpp::sasl {
namespace {

// RFC 4505 §2: the trace is at most 255 characters.
constexpr std::size_t kMaxTraceCharacters = 255;

Error plain_message(const Credentials& credentials, std::string& message, PrepError& prep) {
  if (credentials.password.empty()) return Error::missing_credentials;
  if (!detail::is_utf8_without_nul(credentials.authzid)) return Error::invalid_authzid;
  std::string authcid, password;
  prep = saslprep(credentials.username, PrepKind::query, authcid);
  if (prep == PrepError::ok && authcid.empty()) prep = PrepError::empty;
  if (prep != PrepError::ok) return Error::invalid_username;
  prep = saslprep(credentials.password, PrepKind::query, password);
  if (prep == PrepError::ok && password.empty()) prep = PrepError::empty;
  if (prep != PrepError::ok) return Error::invalid_password;
  // RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd
  message.reserve(credentials.authzid.size() + authcid.size() + password.size() + 2);
  message.append(credentials.authzid).append(1, '\0').append(authcid).append(1, '\0');
  message.append(password);
  crypto::cleanse(password);
  return Error::ok;
}

}  // namespace

Error SingleMessageClient::start(const Credentials& credentials,
                                 std::optional<std::string>& initial_response,
                                 PrepError& prep) const {
  std::string message;
  switch (mechanism_) {
    case Mechanism::plain: {
      const Error error = plain_message(credentials, message, prep);
      if (error != Error::ok) return error;
      break;
    }
    case Mechanism::external:
      // RFC 4422 Appendix A.1: the message is the authorization identity, possibly empty.
      if (!detail::is_utf8_without_nul(credentials.authzid)) return Error::invalid_authzid;
      message = credentials.authzid;
      break;
    case Mechanism::anonymous: {
      const auto length = detail::utf8_length_without_nul(credentials.anonymous_trace);
      if (!length || *length > kMaxTraceCharacters) return Error::invalid_trace;
      message = credentials.anonymous_trace;
      break;
    }
    default:
      return Error::invalid_state;
  }
  initial_response = std::move(message);
  return Error::ok;
}

}  // namespace xmpp::sasl
