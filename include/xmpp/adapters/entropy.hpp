// The operating system's randomness for the engines' injected entropy: adapters pass it when the
// application gave none. The engines themselves never draw randomness.
#pragma once

#include "xmpp/adapters/dns.hpp"
#include "xmpp/sasl.hpp"

namespace xmpp::adapters {

/// Fills buffers from OpenSSL's CSPRNG (RAND_bytes, seeded by the kernel). Aborts the process
/// when the CSPRNG fails: SCRAM nonces must never be predictable, and there is no safe fallback.
sasl::Entropy system_entropy();

/// Uniform integers in [0, bound] from the same CSPRNG, for RFC 2782 SRV ordering.
dns::RandomUpTo system_random();

}  // namespace xmpp::adapters
