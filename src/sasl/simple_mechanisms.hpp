// The mechanisms made of a single client message: PLAIN (RFC 4616), EXTERNAL (RFC 4422
// Appendix A) and ANONYMOUS (RFC 4505).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "xmpp/sasl.hpp"

namespace xmpp::sasl {

/// Client side of PLAIN, EXTERNAL or ANONYMOUS as a pure state object. The whole exchange is
/// the initial response; the server then answers <success/> or <failure/>. Authenticator
/// checks the order of calls; this class only computes.
class SingleMessageClient {
 public:
  /// `mechanism` is plain, external or anonymous.
  explicit SingleMessageClient(Mechanism mechanism) noexcept : mechanism_(mechanism) {}

  /// The initial response (always present, possibly empty):
  /// - PLAIN: [authzid] NUL authcid NUL passwd (RFC 4616 §2), authcid and passwd prepared with
  ///   SASLprep as query strings as servers prepare them, and both non-empty (1*SAFE);
  /// - EXTERNAL: the authzid, empty to use the identity the TLS layer established;
  /// - ANONYMOUS: the trace (RFC 4505 §2), usually empty.
  /// `prep` tells why SASLprep refused a credential.
  Error start(const Credentials& credentials, std::optional<std::string>& initial_response,
              PrepError& prep) const;
  /// None of these mechanisms has challenges (the initial response was sent).
  Error challenge(std::string_view, std::string&) const noexcept {
    return Error::unexpected_challenge;
  }
  /// None of these mechanisms defines additional data with success; data of zero length ("=")
  /// carries nothing and is accepted.
  Error success(std::optional<std::string_view> additional_data) const noexcept {
    return additional_data && !additional_data->empty() ? Error::unexpected_success_data
                                                        : Error::ok;
  }

 private:
  Mechanism mechanism_;
};

}  // namespace xmpp::sasl
