// Strict base64 (RFC 4648 §4, RFC 6120 §13.9.1) and the "=" convention of XMPP SASL data.
#include <doctest/doctest.h>

#include <string>

#include "sasl/base64.hpp"
#include "stream_test_util.hpp"

using namespace xmpp::test;
using xmpp::sasl::Base64Error;
namespace sasl = xmpp::sasl;

namespace {

std::string error_name(Base64Error e) {
  return std::string(to_string(e));
}

}  // namespace

TEST_CASE("RFC 4648 §10 test vectors encode and decode") {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& v : vectors) {
    const auto& [plain, encoded] = v;
    INFO("'" << v.first << "'");
    CHECK(sasl::base64_encode(plain) == encoded);
    std::string decoded = "junk";
    CHECK(error_name(sasl::base64_decode(encoded, decoded)) == error_name(Base64Error::ok));
    CHECK(decoded == plain);
  }
}

TEST_CASE("every byte value and embedded NULs round-trip") {
  std::string all;
  for (int i = 0; i < 256; ++i)
    all += static_cast<char>(i);
  for (std::size_t size = 0; size <= all.size(); size += 17) {
    const std::string bytes = all.substr(256 - size) + std::string("\0\0", 2);
    std::string back;
    REQUIRE(sasl::base64_decode(sasl::base64_encode(bytes), back) == Base64Error::ok);
    CHECK(back == bytes);
  }
}

TEST_CASE("base64_encode appends") {
  std::string out = "c=";
  sasl::base64_encode("n,,", out);
  CHECK(out == "c=biws");
}

TEST_CASE("strictness: what RFC 6120 §13.9.1 forbids is refused, output untouched") {
  const std::pair<const char*, Base64Error> cases[] = {
      {"Zg", Base64Error::bad_length},                // padding omitted
      {"Zg=", Base64Error::bad_length},               // padding short
      {"Zm9vY", Base64Error::bad_length},             //
      {"Zm9v\n", Base64Error::bad_length},            // trailing line break
      {"Zm9v\r\nYmFy", Base64Error::bad_length},      // line break inside
      {"Zm 9", Base64Error::bad_character},           // space
      {"Zm9\n", Base64Error::bad_character},          // line break in place of a character
      {"Zm9\t", Base64Error::bad_character},          // tab
      {"Zm9-", Base64Error::bad_character},           // base64url alphabet (RFC 4648 §5)
      {"Zm_v", Base64Error::bad_character},           //
      {"Zm9.", Base64Error::bad_character},           //
      {"\xC3\xA9Zm", Base64Error::bad_character},     // non-ASCII
      {"Z===", Base64Error::bad_padding},             // three '='
      {"====", Base64Error::bad_padding},             //
      {"Zm=v", Base64Error::bad_padding},             // '=' inside
      {"Zg==Zg==", Base64Error::bad_padding},         // padding in the middle
      {"=Zm9", Base64Error::bad_padding},             //
      {"Zh==", Base64Error::non_zero_trailing_bits},  // 'h' leaves bits set after 'f'
      {"Zm9=", Base64Error::non_zero_trailing_bits},  // '9' leaves bits set after "fo"
      {"Zm/=", Base64Error::non_zero_trailing_bits},  //
  };
  for (const auto& c : cases) {
    const auto& [text, expected] = c;
    INFO("input: " << printable(c.first));
    std::string out = "untouched";
    CHECK(error_name(sasl::base64_decode(text, out)) == error_name(expected));
    CHECK(out == "untouched");
  }
  // A NUL inside the text.
  std::string out = "untouched";
  CHECK(error_name(sasl::base64_decode(std::string("Zm\0v", 4), out)) ==
        error_name(Base64Error::bad_character));
  CHECK(out == "untouched");
}

TEST_CASE("error messages are distinct") {
  CHECK(to_string(Base64Error::bad_length) != to_string(Base64Error::bad_character));
  CHECK(to_string(Base64Error::bad_padding) != to_string(Base64Error::non_zero_trailing_bits));
  CHECK(to_string(Base64Error::ok) == "ok");
}

TEST_CASE("initial response: none, empty (\"=\") or base64 (RFC 6120 §6.4.2)") {
  CHECK(sasl::encode_initial_response(std::nullopt).empty());
  CHECK(sasl::encode_initial_response(std::string()) == "=");
  CHECK(sasl::encode_initial_response(std::string("\0user\0pencil", 12)) == "AHVzZXIAcGVuY2ls");
}

TEST_CASE("response: an empty response is an empty element") {
  CHECK(sasl::encode_response("").empty());
  CHECK(sasl::encode_response("abc") == "YWJj");
}

TEST_CASE("challenge and success data: none, \"=\" (zero length) or strict base64") {
  std::optional<std::string> out = std::string("untouched");
  CHECK(sasl::decode_sasl_data("", out) == Base64Error::ok);
  CHECK_FALSE(out.has_value());

  CHECK(sasl::decode_sasl_data("=", out) == Base64Error::ok);
  REQUIRE(out.has_value());
  CHECK(out->empty());

  CHECK(sasl::decode_sasl_data("YWJj", out) == Base64Error::ok);
  REQUIRE(out.has_value());
  CHECK(*out == "abc");

  for (const char* bad : {"==", " =", "= ", "YWJj ", "YW Jj", "YWJ"}) {
    INFO("input: '" << bad << "'");
    out = std::string("untouched");
    CHECK(sasl::decode_sasl_data(bad, out) != Base64Error::ok);
    CHECK(out == std::string("untouched"));
  }
}
