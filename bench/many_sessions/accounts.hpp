// Accounts created on demand for the benchmark server: the test server checks SASL against
// ServerConfig::users, and copying a map of 100,000 accounts into every connection's Server
// would cost more than the sessions themselves. So each connection's Server gets exactly one
// account, the one the client names in its <auth/>, provided it is one of the benchmark's
// ("<prefix><digits>"), just before that <auth/> is handed to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace xmpp::bench {

/// The SASL username in the first complete <auth/> element of `bytes` (PLAIN: authcid; SCRAM:
/// the n= attribute of the client-first-message). nullopt when there is no <auth/> yet.
/// `incomplete` is set when `bytes` hold the start of an <auth/> but not its end: the caller
/// waits for more bytes before giving them to the Server.
std::optional<std::string> sasl_username(std::string_view bytes, bool* incomplete);

/// Whether `user` is one of the benchmark's accounts: `prefix` followed by decimal digits.
bool is_bench_account(std::string_view user, std::string_view prefix);

}  // namespace xmpp::bench
