#include "server/scram_server.hpp"

#include <array>
#include <utility>

#include "sasl/base64.hpp"

namespace xmpp::testing {
namespace {

// RFC 5802 §7: saslname = 1*(value-safe-char / "=2C" / "=3D"); any other '=' is an error, and
// NUL never occurs (value-safe-char excludes it, as ',' separates attributes).
bool decode_saslname(std::string_view in, std::string& out) {
  if (in.empty()) return false;
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\0') return false;
    if (in[i] != '=') {
      out += in[i];
      continue;
    }
    const std::string_view code = in.substr(i + 1, 2);
    if (code == "2C") {
      out += ',';
    } else if (code == "3D") {
      out += '=';
    } else {
      return false;
    }
    i += 2;
  }
  return true;
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (the characters of a nonce).
bool is_printable(std::string_view s) noexcept {
  for (const char c : s) {
    if (c < 0x21 || c > 0x7E || c == ',') return false;
  }
  return !s.empty();
}

// RFC 5802 §7: cb-name = 1*(ALPHA / DIGIT / "." / "-").
bool is_cb_name(std::string_view s) noexcept {
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-';
    if (!ok) return false;
  }
  return !s.empty();
}

// Cuts the next ','-separated item off `rest` (all of it when there is no ',').
std::string_view take_item(std::string_view& rest) noexcept {
  const std::size_t comma = rest.find(',');
  const std::string_view item = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  return item;
}

}  // namespace

crypto::Hash crypto_hash(sasl::ScramHash hash) noexcept {
  // Indexed by sasl::ScramHash, whose enumerators are sha1, sha256, sha512.
  constexpr std::array<crypto::Hash, 3> kHashes = {crypto::Hash::sha1, crypto::Hash::sha256,
                                                   crypto::Hash::sha512};
  const auto i = static_cast<std::size_t>(hash);
  return i < kHashes.size() ? kHashes[i] : crypto::Hash::sha256;
}

ScramServer::ScramServer(crypto::Hash hash, std::string salt, std::uint32_t iterations)
    : hash_(hash), salt_(std::move(salt)), iterations_(iterations) {}

ScramReply ScramServer::fail(std::string_view server_error) {
  ScramReply reply;
  reply.message = "e=";
  reply.message += server_error;
  return reply;
}

ScramReply ScramServer::first(std::string_view client_first, std::string_view nonce_suffix) {
  if (first_done_) return fail("other-error");
  // gs2-header = gs2-cbind-flag "," [authzid] ","
  const std::size_t first_comma = client_first.find(',');
  if (first_comma == std::string_view::npos) return fail("invalid-encoding");
  const std::size_t second_comma = client_first.find(',', first_comma + 1);
  if (second_comma == std::string_view::npos) return fail("invalid-encoding");
  const std::string_view flag = client_first.substr(0, first_comma);
  const std::string_view authzid =
      client_first.substr(first_comma + 1, second_comma - first_comma - 1);
  if (flag == "n" || flag == "y") {
    gs2_flag_ = flag[0];
  } else if (flag.starts_with("p=") && is_cb_name(flag.substr(2))) {
    gs2_flag_ = 'p';
    cb_name_ = flag.substr(2);
  } else {
    return fail("invalid-encoding");
  }
  if (!authzid.empty() &&
      (!authzid.starts_with("a=") || !decode_saslname(authzid.substr(2), authzid_))) {
    return fail("invalid-encoding");
  }
  gs2_header_ = client_first.substr(0, second_comma + 1);
  client_first_bare_ = client_first.substr(second_comma + 1);
  std::string_view rest = client_first_bare_;

  // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
  const std::string_view user = take_item(rest);
  // RFC 5802 §5.1: "m" announces a mandatory extension, which this server does not know.
  if (user.starts_with("m=")) return fail("extensions-not-supported");
  if (!user.starts_with("n=")) return fail("invalid-encoding");
  if (!decode_saslname(user.substr(2), username_)) return fail("invalid-username-encoding");
  const std::string_view nonce = take_item(rest);
  if (!nonce.starts_with("r=") || !is_printable(nonce.substr(2))) {
    return fail("invalid-encoding");
  }
  // RFC 5802 §5.1: the server appends its own part to the client's nonce.
  nonce_ = nonce.substr(2);
  nonce_ += nonce_suffix;
  server_first_ = "r=" + nonce_ + ",s=" + sasl::base64_encode(salt_) + ",i=";
  server_first_ += std::to_string(iterations_);
  first_done_ = true;
  return {true, server_first_};
}

ScramReply ScramServer::final(std::string_view client_final, std::string_view password,
                              std::string_view channel_binding_data) {
  if (!first_done_) return fail("other-error");
  first_done_ = false;  // one client-final-message per exchange
  // client-final-message = client-final-message-without-proof "," proof, the proof last.
  const std::size_t p = client_final.rfind(",p=");
  if (p == std::string_view::npos) return fail("invalid-encoding");
  const std::string_view without_proof = client_final.substr(0, p);
  std::string_view rest = without_proof;
  const std::string_view c = take_item(rest);
  const std::string_view r = take_item(rest);
  if (!c.starts_with("c=") || !r.starts_with("r=")) return fail("invalid-encoding");
  // RFC 5802 §7: c= is base64(gs2-header + channel-binding data), the data only with "p".
  std::string cbind_input = gs2_header_;
  cbind_input += channel_binding_data;
  if (c.substr(2) != sasl::base64_encode(cbind_input)) {
    return fail("channel-bindings-dont-match");
  }
  if (r.substr(2) != nonce_) return fail("other-error");
  std::string proof;
  if (sasl::base64_decode(client_final.substr(p + 3), proof) != sasl::Base64Error::ok) {
    return fail("invalid-encoding");
  }
  if (proof.size() != crypto::digest_size(hash_)) return fail("invalid-proof");

  // RFC 5802 §3: AuthMessage = client-first-message-bare + "," + server-first-message + "," +
  // client-final-message-without-proof.
  std::string auth_message = client_first_bare_;
  auth_message += ',';
  auth_message += server_first_;
  auth_message += ',';
  auth_message += without_proof;
  const auto auth = crypto::bytes_of(auth_message);

  // SaltedPassword = Hi(password, salt, i); ClientKey = HMAC(SaltedPassword, "Client Key");
  // StoredKey = H(ClientKey); ClientSignature = HMAC(StoredKey, AuthMessage);
  // the proof XOR ClientSignature must give a key whose hash is StoredKey.
  const auto salted =
      crypto::pbkdf2_hmac(hash_, crypto::bytes_of(password), crypto::bytes_of(salt_), iterations_);
  if (!salted) return fail("other-error");
  const auto client_key = crypto::hmac(hash_, salted->bytes(), crypto::bytes_of("Client Key"));
  const auto server_key = crypto::hmac(hash_, salted->bytes(), crypto::bytes_of("Server Key"));
  if (!client_key || !server_key) return fail("other-error");
  const auto stored_key = crypto::digest(hash_, client_key->bytes());
  if (!stored_key) return fail("other-error");
  const auto client_signature = crypto::hmac(hash_, stored_key->bytes(), auth);
  if (!client_signature) return fail("other-error");
  crypto::Digest recovered(hash_);
  for (std::size_t i = 0; i < proof.size(); ++i) {
    recovered.mutable_bytes()[i] = static_cast<std::uint8_t>(proof[i]);
  }
  recovered ^= *client_signature;
  const auto check = crypto::digest(hash_, recovered.bytes());
  if (!check) return fail("other-error");
  if (!crypto::equal_constant_time(check->bytes(), stored_key->bytes())) {
    return fail("invalid-proof");
  }
  // ServerSignature = HMAC(ServerKey, AuthMessage), sent as v= (server-final-message).
  const auto signature = crypto::hmac(hash_, server_key->bytes(), auth);
  if (!signature) return fail("other-error");
  return {true, "v=" + sasl::base64_encode(signature->chars())};
}

}  // namespace xmpp::testing
