#include "component/handshake_digest.hpp"

#include "core/hex.hpp"
#include "crypto/crypto.hpp"

namespace xmpp {

std::optional<std::string> component_handshake_digest(std::string_view stream_id,
                                                      std::string_view secret) {
  std::string input;
  input.reserve(stream_id.size() + secret.size());
  input.append(stream_id);
  input.append(secret);
  const auto digest = crypto::digest(crypto::Hash::sha1, crypto::bytes_of(input));
  crypto::cleanse(input);  // it holds the secret
  if (!digest) return std::nullopt;
  return hex_lower(digest->bytes());
}

}  // namespace xmpp
