#include "sasl/scram.hpp"

#include <algorithm>
#include <array>
#include <climits>

#include "sasl/base64.hpp"
#include "sasl/utf8.hpp"

namespace xmpp::sasl {
namespace {

constexpr std::size_t kMinNonceBytes = 12;
constexpr std::size_t kMaxNonceBytes = 96;

crypto::Hash crypto_hash(ScramHash hash) noexcept {
  switch (hash) {
    case ScramHash::sha1:
      return crypto::Hash::sha1;
    case ScramHash::sha256:
      return crypto::Hash::sha256;
    case ScramHash::sha512:
      return crypto::Hash::sha512;
  }
  return crypto::Hash::sha256;
}

void wipe(ScramKey& key) noexcept {
  crypto::cleanse(key.bytes);
}

void wipe(ScramKeyCache& cache) noexcept {
  wipe(cache.salted_password);
  wipe(cache.client_key);
  wipe(cache.server_key);
}

crypto::Digest to_digest(const ScramKey& key, crypto::Hash hash) noexcept {
  crypto::Digest d(hash);
  std::copy_n(key.bytes.begin(), d.size(), d.mutable_bytes().begin());
  return d;
}

// RFC 5802 §5.1: in a saslname, ',' is sent as "=2C" and '=' as "=3D".
void append_saslname(std::string_view name, std::string& out) {
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
}

// RFC 5802 §7: printable = %x21-2B / %x2D-7E (the ',' cannot occur inside an attribute).
bool is_printable(std::string_view s) noexcept {
  for (char c : s) {
    if (c < 0x21 || c > 0x7E) return false;
  }
  return !s.empty();
}

bool is_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// --- Reading messages (RFC 5802 §7) --------------------------------------------------------

struct Attribute {
  char name = 0;
  std::string_view value;
};

// Splits a message into attr-val items: ALPHA "=" value, value = 1*value-char (any UTF-8
// except NUL and ','), separated by single commas.
class AttributeReader {
 public:
  explicit AttributeReader(std::string_view message) noexcept
      : rest_(message), done_(message.empty()) {}

  bool at_end() const noexcept { return done_; }

  /// The next attribute: ok, scram_missing_attribute at the end of the message, or
  /// scram_malformed_attribute.
  Error next(Attribute& out) noexcept {
    if (done_) return Error::scram_missing_attribute;
    const std::size_t comma = rest_.find(',');
    const std::string_view item = rest_.substr(0, comma);
    if (comma == std::string_view::npos) {
      done_ = true;
    } else {
      rest_.remove_prefix(comma + 1);  // a trailing ',' leaves an empty item: malformed
    }
    if (item.size() < 3 || !is_alpha(item[0]) || item[1] != '=') {
      return Error::scram_malformed_attribute;
    }
    out = {item[0], item.substr(2)};
    return detail::is_utf8_without_nul(out.value) ? Error::ok : Error::scram_malformed_attribute;
  }

 private:
  std::string_view rest_;
  bool done_;
};

// The next attribute, which must be `name`.
Error expect(AttributeReader& reader, char name, std::string_view& value) noexcept {
  Attribute a;
  if (Error e = reader.next(a); e != Error::ok) return e;
  // RFC 5802 §5.1: "m" is reserved for mandatory extensions the client must refuse.
  if (a.name == 'm') return Error::scram_mandatory_extension;
  if (a.name != name) return Error::scram_missing_attribute;
  value = a.value;
  return Error::ok;
}

// Whatever follows the defined attributes: extensions (RFC 5802 §7 "extensions"), ignored
// unless malformed, "m=" or one of the names RFC 5802 §5.1 defines (a repeated attribute).
Error check_extensions(AttributeReader& reader) noexcept {
  constexpr std::string_view kDefinedNames = "acemnprsiv";
  Attribute a;
  while (!reader.at_end()) {
    if (Error e = reader.next(a); e != Error::ok) return e;
    if (a.name == 'm') return Error::scram_mandatory_extension;
    if (kDefinedNames.find(a.name) != std::string_view::npos) {
      return Error::scram_malformed_attribute;
    }
  }
  return Error::ok;
}

// RFC 5802 §7: iteration-count = "i=" posit-number; posit-number = %x31-39 *DIGIT.
Error parse_iterations(std::string_view value, const ScramPolicy& policy,
                       std::uint32_t& out) noexcept {
  if (value.empty() || value[0] < '1' || value[0] > '9') return Error::scram_malformed_attribute;
  std::uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return Error::scram_malformed_attribute;
    // Saturate: any value past the cap is simply too high.
    if (n <= policy.max_iterations) n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n < policy.min_iterations) return Error::scram_iterations_too_low;
  if (n > policy.max_iterations) return Error::scram_iterations_too_high;
  out = static_cast<std::uint32_t>(n);
  return Error::ok;
}

bool valid_policy(const ScramPolicy& p) noexcept {
  return p.min_iterations >= 1 && p.min_iterations <= p.max_iterations &&
         p.max_iterations <= INT_MAX && p.nonce_entropy_bytes >= kMinNonceBytes &&
         p.nonce_entropy_bytes <= kMaxNonceBytes;
}

// A cache can serve `hash` when it has a salt, an iteration count, and either the salted
// password or both keys, of the hash's size.
bool valid_cache(const ScramKeyCache& cache, crypto::Hash hash) noexcept {
  const std::size_t size = crypto::digest_size(hash);
  const bool keys = cache.client_key.size == size && cache.server_key.size == size;
  return !cache.salt.empty() && cache.iterations > 0 &&
         (cache.salted_password.size == size || keys);
}

}  // namespace

ScramClient::ScramClient(ScramHash hash, Gs2Flag flag, std::optional<ChannelBindingType> binding,
                         std::string_view binding_data, const ScramPolicy& policy)
    : hash_(crypto_hash(hash)),
      scram_hash_(hash),
      flag_(flag),
      binding_(flag == Gs2Flag::p ? binding : std::nullopt),
      binding_data_(flag == Gs2Flag::p ? binding_data : std::string_view()),
      policy_(policy) {}

ScramClient::~ScramClient() {
  crypto::cleanse(password_);
  wipe(keys_);
  if (cache_) wipe(*cache_);
}

Error ScramClient::start(const Credentials& credentials, const Entropy& entropy,
                         std::optional<std::string>& initial_response, PrepError& prep) {
  if (!valid_policy(policy_)) return Error::invalid_policy;
  if (!entropy) return Error::missing_entropy;
  if (flag_ == Gs2Flag::p && (!binding_ || binding_data_.empty())) {
    return Error::channel_binding_unavailable;
  }
  // Cached keys of another hash are of no use here.
  const bool cache_applies = credentials.scram_keys && credentials.scram_keys->hash == scram_hash_;
  if (cache_applies && !valid_cache(*credentials.scram_keys, hash_)) {
    return Error::invalid_key_cache;
  }
  if (credentials.password.empty() && !cache_applies) return Error::missing_credentials;
  if (!detail::is_utf8_without_nul(credentials.authzid)) return Error::invalid_authzid;

  // RFC 5802 §5.1: the username is prepared as a query string, the password (§2.2 Normalize) as
  // a stored string.
  std::string username, password;
  prep = saslprep(credentials.username, PrepKind::query, username);
  if (prep == PrepError::ok && username.empty()) prep = PrepError::empty;
  if (prep != PrepError::ok) return Error::invalid_username;
  if (!credentials.password.empty()) {
    prep = saslprep(credentials.password, PrepKind::stored, password);
    if (prep == PrepError::ok && password.empty()) prep = PrepError::empty;
    if (prep != PrepError::ok) return Error::invalid_password;
  }

  std::array<std::uint8_t, kMaxNonceBytes> random{};
  const std::span<std::uint8_t> nonce_bytes(random.data(), policy_.nonce_entropy_bytes);
  entropy(nonce_bytes);
  client_nonce_ =
      base64_encode({reinterpret_cast<const char*>(nonce_bytes.data()), nonce_bytes.size()});
  crypto::cleanse(random);

  // gs2-header = gs2-cbind-flag "," [ authzid ] "," (RFC 5802 §7)
  gs2_header_.clear();
  switch (flag_) {
    case Gs2Flag::n:
      gs2_header_ = "n";
      break;
    case Gs2Flag::y:
      gs2_header_ = "y";
      break;
    case Gs2Flag::p:
      gs2_header_.append("p=").append(to_string(*binding_));
      break;
  }
  gs2_header_ += ',';
  if (!credentials.authzid.empty()) {
    gs2_header_ += "a=";
    append_saslname(credentials.authzid, gs2_header_);
  }
  gs2_header_ += ',';

  client_first_bare_ = "n=";
  append_saslname(username, client_first_bare_);
  client_first_bare_.append(",r=").append(client_nonce_);

  password_ = std::move(password);
  if (cache_applies) cache_ = credentials.scram_keys;
  step_ = Step::server_first;
  initial_response = gs2_header_ + client_first_bare_;
  return Error::ok;
}

Error ScramClient::challenge(std::string_view data, std::string& response) {
  switch (step_) {
    case Step::server_first:
      return on_server_first(data, response);
    case Step::server_final: {
      // The server-final-message in a <challenge/> (RFC 6120 §6.3.10 allows either path): the
      // client answers with an empty response and waits for an empty <success/>.
      const Error error = on_server_final(data);
      if (error == Error::ok) response.clear();
      return error;
    }
    case Step::client_first:
    case Step::verified:
      break;
  }
  return Error::unexpected_challenge;
}

Error ScramClient::success(std::optional<std::string_view> additional_data) {
  switch (step_) {
    case Step::server_final:
      if (!additional_data || additional_data->empty()) {
        return Error::scram_missing_server_signature;
      }
      return on_server_final(*additional_data);
    case Step::verified:
      return additional_data && !additional_data->empty() ? Error::unexpected_success_data
                                                          : Error::ok;
    case Step::client_first:
    case Step::server_first:
      break;
  }
  return Error::premature_success;
}

std::optional<ScramKeyCache> ScramClient::keys() const {
  if (step_ != Step::verified) return std::nullopt;
  return keys_;
}

Error ScramClient::on_server_first(std::string_view message, std::string& response) {
  // server-first-message = [reserved-mext ","] nonce "," salt "," iteration-count
  //                        ["," extensions]                             (RFC 5802 §7)
  AttributeReader reader(message);
  std::string_view nonce, salt_b64, iterations_text;
  if (Error e = expect(reader, 'r', nonce); e != Error::ok) return e;
  if (!is_printable(nonce)) return Error::scram_malformed_attribute;
  // RFC 5802 §5.1: the server's nonce starts with the client's and adds its own part.
  if (!nonce.starts_with(client_nonce_) || nonce.size() == client_nonce_.size()) {
    return Error::scram_nonce_mismatch;
  }
  if (Error e = expect(reader, 's', salt_b64); e != Error::ok) return e;
  std::string salt;
  if (base64_decode(salt_b64, salt) != Base64Error::ok || salt.empty()) {
    return Error::scram_invalid_salt;
  }
  std::uint32_t iterations = 0;
  if (Error e = expect(reader, 'i', iterations_text); e != Error::ok) return e;
  if (Error e = parse_iterations(iterations_text, policy_, iterations); e != Error::ok) return e;
  if (Error e = check_extensions(reader); e != Error::ok) return e;

  crypto::Digest client_key, server_key;
  if (Error e = derive_keys(salt, iterations, client_key, server_key); e != Error::ok) return e;

  // RFC 5802 §3:
  //   StoredKey       := H(ClientKey)
  //   AuthMessage     := client-first-message-bare + "," + server-first-message + "," +
  //                      client-final-message-without-proof
  //   ClientSignature := HMAC(StoredKey, AuthMessage)
  //   ClientProof     := ClientKey XOR ClientSignature
  //   ServerSignature := HMAC(ServerKey, AuthMessage)
  // channel-binding = "c=" base64(gs2-header [cbind-data])        (RFC 5802 §7, cbind-data
  // only with "p=")
  std::string final_message = "c=";
  base64_encode(gs2_header_ + binding_data_, final_message);
  final_message.append(",r=").append(nonce);
  std::string auth_message;
  auth_message.reserve(client_first_bare_.size() + message.size() + final_message.size() + 2);
  auth_message.append(client_first_bare_).append(1, ',').append(message).append(1, ',');
  auth_message.append(final_message);

  const auto stored_key = crypto::digest(hash_, client_key.bytes());
  if (!stored_key) return Error::crypto_failure;
  auto proof = crypto::hmac(hash_, stored_key->bytes(), crypto::bytes_of(auth_message));
  auto server_signature = crypto::hmac(hash_, server_key.bytes(), crypto::bytes_of(auth_message));
  if (!proof || !server_signature) return Error::crypto_failure;
  *proof ^= client_key;
  server_signature_ = *server_signature;

  final_message += ",p=";
  base64_encode(proof->chars(), final_message);
  response = std::move(final_message);
  step_ = Step::server_final;
  return Error::ok;
}

Error ScramClient::derive_keys(const std::string& salt, std::uint32_t iterations,
                               crypto::Digest& client_key, crypto::Digest& server_key) {
  keys_.hash = scram_hash_;
  keys_.salt = salt;
  keys_.iterations = iterations;
  const bool cache_fits = cache_ && cache_->salt == salt && cache_->iterations == iterations;
  const std::size_t size = crypto::digest_size(hash_);
  if (cache_fits && cache_->client_key.size == size && cache_->server_key.size == size) {
    // The application kept ClientKey and ServerKey: no PBKDF2, no password.
    client_key = to_digest(cache_->client_key, hash_);
    server_key = to_digest(cache_->server_key, hash_);
    keys_.salted_password = cache_->salted_password;
  } else {
    std::optional<crypto::Digest> salted;
    if (cache_fits) {
      salted = to_digest(cache_->salted_password, hash_);
    } else if (!password_.empty()) {
      // RFC 5802 §3: SaltedPassword := Hi(Normalize(password), salt, i)
      salted = crypto::pbkdf2_hmac(hash_, crypto::bytes_of(password_), crypto::bytes_of(salt),
                                   iterations);
      if (!salted) return Error::crypto_failure;
    } else {
      return Error::scram_key_cache_mismatch;
    }
    // ClientKey := HMAC(SaltedPassword, "Client Key"); ServerKey := HMAC(SaltedPassword,
    // "Server Key")
    auto client = crypto::hmac(hash_, salted->bytes(), crypto::bytes_of("Client Key"));
    auto server = crypto::hmac(hash_, salted->bytes(), crypto::bytes_of("Server Key"));
    if (!client || !server) return Error::crypto_failure;
    client_key = *client;
    server_key = *server;
    keys_.salted_password = ScramKey::from(salted->bytes());
  }
  keys_.client_key = ScramKey::from(client_key.bytes());
  keys_.server_key = ScramKey::from(server_key.bytes());
  crypto::cleanse(password_);
  password_.clear();
  return Error::ok;
}

Error ScramClient::on_server_final(std::string_view message) {
  // server-final-message = (server-error / verifier) ["," extensions]     (RFC 5802 §7)
  AttributeReader reader(message);
  Attribute first;
  if (Error e = reader.next(first); e != Error::ok) return e;
  if (first.name == 'e') {
    // server-error = "e=" server-error-value: authentication failed on the server's side.
    server_error_ = first.value;
    return Error::scram_server_error;
  }
  if (first.name != 'v') return Error::scram_missing_attribute;
  std::string signature;
  if (base64_decode(first.value, signature) != Base64Error::ok) {
    return Error::scram_malformed_attribute;
  }
  if (Error e = check_extensions(reader); e != Error::ok) return e;
  // RFC 5802 §5.1: the client verifies ServerSignature; a constant-time comparison leaks
  // nothing about how much of a forged value was right.
  if (!crypto::equal_constant_time(crypto::bytes_of(signature), server_signature_.bytes())) {
    return Error::scram_server_signature_mismatch;
  }
  step_ = Step::verified;
  return Error::ok;
}

}  // namespace xmpp::sasl
