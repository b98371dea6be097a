#include "peer_name.hpp"

#include <openssl/x509v3.h>

#include "openssl_errors.hpp"

namespace xmpp::tls::detail {
namespace {

// A JID domainpart may be an IP literal, IPv6 in brackets (RFC 7622 §3.2, RFC 3986 §3.2.2).
std::string_view strip_brackets(std::string_view name) {
  if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
    return name.substr(1, name.size() - 2);
  }
  return name;
}

bool is_ip_literal(const std::string& address) {
  ASN1_OCTET_STRING* parsed = a2i_IPADDRESS(address.c_str());
  if (parsed == nullptr) return false;
  ASN1_OCTET_STRING_free(parsed);
  return true;
}

}  // namespace

std::string configure_peer_name(SSL* ssl, std::string_view verify_name) {
  if (verify_name.empty()) return {};
  if (verify_name.find('\0') != std::string_view::npos) return "the server name contains NUL";

  const std::string address(strip_brackets(verify_name));
  if (is_ip_literal(address)) {
    // RFC 6066 §3: a literal IP address is not a valid SNI HostName, so none is sent. The
    // certificate must carry it as an iPAddress subjectAltName (RFC 6125 §1.7.2 leaves IP-IDs
    // to the application protocol; RFC 6120 §13.7.2.1 checks the domain as given).
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), address.c_str()) != 1) {
      return "cannot check the IP address '" + address + "': " + take_openssl_errors();
    }
    return {};
  }

  // RFC 6066 §3: the HostName is sent without a trailing dot; the certificate's DNS-ID never has
  // one either (RFC 6125 §6.2.1).
  std::string host(verify_name);
  if (host.size() > 1 && host.back() == '.') host.pop_back();
  // SSL_set_tlsext_host_name spelled out: the macro casts its argument C-style.
  if (SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, host.data()) != 1) {
    return "cannot send '" + host + "' as SNI: " + take_openssl_errors();
  }
  // RFC 6125 §6.4.3: a wildcard only as the complete left-most label ("*.example.com", never
  // "f*o.example.com"). The subject's CN is consulted only when the certificate has no DNS
  // subjectAltName (RFC 6125 §6.4.4).
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (SSL_set1_host(ssl, host.c_str()) != 1) {
    return "cannot check the name '" + host + "': " + take_openssl_errors();
  }
  return {};
}

}  // namespace xmpp::tls::detail
