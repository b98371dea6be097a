// What c-ares hands the resolver's callbacks, turned into this library's types. c-ares parses
// the DNS wire format; nothing here reads a DNS message itself.
#pragma once

#include <ares.h>

#include <string>
#include <vector>

#include "xmpp/adapters/dns.hpp"

namespace xmpp::dns::detail {

/// An SRV answer before ordering (ordering asks the caller's RandomUpTo, which runs when the
/// result is delivered, outside c-ares).
struct SrvAnswer {
  /// found here means "records to order"; srv_result() decides found, no_records or
  /// not_offered from them.
  SrvOutcome outcome = SrvOutcome::no_records;
  std::vector<SrvRecord> records;
  std::string error;
};

/// From the status and reply of ares_query(name, C_IN, T_SRV).
SrvAnswer srv_answer(int status, const unsigned char* reply, int length);

/// From the status and result of ares_getaddrinfo().
AddressResult address_answer(int status, const ares_addrinfo* result);

}  // namespace xmpp::dns::detail
