#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_client_session: complete sessions encoded in its input format.

usage: fuzz/make_client_seeds.py [OUTPUT_DIR]   (default: fuzz/corpus/fuzz_client_session)

Each seed is 7 configuration bytes and a program of operations (see fuzz_client_session.cpp:
read_config(), the Op and Dynamic enums, kFragments). The numbers below mirror that file; a seed
that no longer reaches its goal after a change there only makes the fuzzer start shallower, so
check with `XMPP_FUZZ_TRACE=1 build-fuzz/fuzz/fuzz_client_session SEED` after editing either.
"""

import pathlib
import sys

# Opcodes (enum Op).
CONNECT, FRAGMENT, RAW, DYNAMIC, FEED, ADVANCE, TO_DEADLINE, TLS, SEND, CLOSE, EOF, \
    DRAIN_OUTPUT, POLL, DRAIN_ALL, MISUSE, MEMORY = range(16)

# Dynamic fragments (enum Dynamic).
SCRAM_FIRST, SCRAM_SUCCESS, SCRAM_FINAL_CHALLENGE, BIND_RESULT, REQUEST_RESULT, \
    REQUEST_ERROR, REQUEST_BAD_TYPE = range(7)

# Indexes into kFragments.
HEADER, HEADER2, FEAT_STARTTLS_REQUIRED, FEAT_STARTTLS_MECHS, FEAT_ALL_MECHS, FEAT_SCRAM, \
    FEAT_PLAIN, FEAT_ANONYMOUS, FEAT_BIND_SESSION, FEAT_BIND_SESSION_OPTIONAL, FEAT_BIND, \
    FEAT_EMPTY, PROCEED, TLS_FAILURE, SUCCESS, SUCCESS_EMPTY_DATA, CHALLENGE_EMPTY, \
    FAILURE_NOT_AUTHORIZED, FAILURE_TEMPORARY, FAILURE_ABORTED, MESSAGE, PRESENCE, PING, \
    ERROR_CONFLICT, ERROR_SEE_OTHER_HOST, CLOSE_TAG, WHITESPACE, UNKNOWN, BIND_STATIC, \
    BIG_MESSAGE, FEAT_CB_UNIQUE, FEAT_STARTTLS_SCRAM512, BAD_HEADER, SELF_CLOSING_HEADER, \
    COMMENT, MESSAGE_HEAD, MESSAGE_TAIL, PREFIXED_MESSAGE, PING_RESULT, SM_REQUEST, \
    TWO_MECHANISMS, XML_DECLARATION, HEADER_VERSION_2, HEADER_JABBER_SERVER, FEAT_BIND_EXTRAS = \
    range(45)

# Configuration byte 0: TLS policy and switches.
REQUIRED, DIRECT, OPTIONAL, DISABLED = range(4)
ALLOW_PLAIN = 1 << 2
NO_RESOURCE = 1 << 4
# Byte 1: index of the mechanism list.
MECHS_DEFAULT, MECHS_SHA256, MECHS_SHA1, MECHS_SHA512, MECHS_SHA256_PLUS, MECHS_SHA512_PLUS, \
    MECHS_SHA1_PLUS, MECHS_PLAIN, MECHS_ANONYMOUS = range(9)
# Byte 2: password index (bits 0-1; 3 is the empty password), SCRAM policy (bits 2-3; 0 accepts
# one iteration), cached SCRAM-SHA-256 keys instead of the password (bit 4).
NO_PASSWORD = 3
CACHED_KEYS = 1 << 4
# Byte 6: keepalive (bits 2-3): 2 is one second.
KEEPALIVE_1S = 2 << 2

# TLS flags: bit 0 verified, bits 1-2 version (0 TLS 1.3, 1 TLS 1.2), bit 4 tls-unique data.
TLS13_VERIFIED = 1
TLS12_VERIFIED_UNIQUE = 1 | (1 << 1) | (1 << 4)

FEED_AND_DRAIN = 3  # fragment mode: feed everything now, then drain everything

# Index of one second in kSteps.
STEP_1S = 6


def config(policy=REQUIRED, mechs=MECHS_DEFAULT, creds=0, entropy_seed=0, limits=0,
           limits2=0, timers=0):
    return bytes([policy, mechs, creds, entropy_seed, limits, limits2, timers])


def frag(index, mode=FEED_AND_DRAIN):
    return bytes([FRAGMENT, index, mode])


def dyn(kind, arg=0, mode=FEED_AND_DRAIN):
    return bytes([DYNAMIC, kind, arg, mode])


def op(code, *args):
    return bytes([code, *args])


def frags(*indexes):
    return b"".join(frag(i) for i in indexes)


def starttls():
    """connect, server header and STARTTLS, TLS 1.3 verified."""
    return (op(CONNECT) + op(DRAIN_ALL) + frags(HEADER, FEAT_STARTTLS_REQUIRED, PROCEED) +
            op(TLS, TLS13_VERIFIED) + op(DRAIN_ALL))


def scram(final=SCRAM_SUCCESS):
    """The server's side of SCRAM with one iteration and the right signature."""
    s = dyn(SCRAM_FIRST, 0) + dyn(final, 0)
    if final == SCRAM_FINAL_CHALLENGE:
        s += frag(SUCCESS)
    return s


def bind(session=False):
    features = FEAT_BIND_SESSION if session else FEAT_BIND_SESSION_OPTIONAL
    s = frags(HEADER2, features) + dyn(BIND_RESULT, 0)
    if session:
        s += dyn(REQUEST_RESULT, 1)
    return s


def online_traffic():
    return (frags(MESSAGE, PRESENCE, PING) + op(SEND, 0, 0) + op(SEND, 2, 0) + op(DRAIN_ALL) +
            frag(PREFIXED_MESSAGE))


SEEDS = {
    # Prosody-like: STARTTLS, PLAIN, bind, traffic, close() and the server's closing tag.
    "starttls-plain-online-close": config() + starttls() + frags(HEADER, FEAT_PLAIN, SUCCESS) +
    bind() + online_traffic() + op(CLOSE) + op(DRAIN_ALL) + frag(CLOSE_TAG),
    # SCRAM-SHA-256 with the legacy session, keepalive, then the transport ends.
    "starttls-scram256-session-keepalive-eof":
    config(mechs=MECHS_SHA256, timers=KEEPALIVE_1S) + starttls() + frags(HEADER, FEAT_SCRAM) +
    scram() + bind(session=True) + op(ADVANCE, STEP_1S) + op(DRAIN_ALL) + frag(PING) + op(EOF) +
    op(DRAIN_ALL),
    # Direct TLS 1.3, SCRAM-SHA-512-PLUS with tls-exporter (XEP-0440 list offered).
    "direct-tls13-scram512plus": config(policy=DIRECT, mechs=MECHS_SHA512_PLUS) + op(CONNECT) +
    op(TLS, TLS13_VERIFIED) + op(DRAIN_ALL) + frags(HEADER, FEAT_ALL_MECHS) + scram() + bind() +
    online_traffic() + frag(ERROR_CONFLICT),
    # TLS 1.2, SCRAM-SHA-1-PLUS with tls-unique, the server-final-message in a challenge.
    "starttls-tls12-scram1plus-final-in-challenge":
    config(mechs=MECHS_SHA1_PLUS) + op(CONNECT) + op(DRAIN_ALL) +
    frags(HEADER, FEAT_STARTTLS_REQUIRED, PROCEED) + op(TLS, TLS12_VERIFIED_UNIQUE) +
    op(DRAIN_ALL) + frags(HEADER, FEAT_CB_UNIQUE) + scram(SCRAM_FINAL_CHALLENGE) + bind() +
    frag(MESSAGE) + frag(ERROR_SEE_OTHER_HOST),
    # TLS optional and not offered: SCRAM-SHA-256 in the clear, the server closes.
    "optional-clear-scram256-peer-close": config(policy=OPTIONAL, mechs=MECHS_SHA256) +
    op(CONNECT) + op(DRAIN_ALL) + frags(HEADER, FEAT_SCRAM) + scram() + bind() +
    online_traffic() + frag(CLOSE_TAG),
    # TLS disabled, ANONYMOUS, a server-chosen JID.
    "disabled-anonymous": config(policy=DISABLED | NO_RESOURCE, mechs=MECHS_ANONYMOUS,
                                 creds=NO_PASSWORD) + op(CONNECT) + op(DRAIN_ALL) +
    frags(HEADER, FEAT_ANONYMOUS, SUCCESS, HEADER, FEAT_BIND) + dyn(BIND_RESULT, 8) +
    online_traffic() + op(CLOSE) + frag(MESSAGE) + frag(CLOSE_TAG),
    # PLAIN in the clear (allowed), then close() unanswered until its timer fires.
    "optional-plain-in-clear-close-timeout":
    config(policy=OPTIONAL | ALLOW_PLAIN, mechs=MECHS_PLAIN) + op(CONNECT) + op(DRAIN_ALL) +
    frags(HEADER, FEAT_PLAIN, SUCCESS, HEADER, FEAT_BIND) + dyn(BIND_RESULT, 0) +
    online_traffic() + op(CLOSE) + op(DRAIN_ALL) + op(TO_DEADLINE, 1) + op(TO_DEADLINE, 0) +
    op(DRAIN_ALL),
    # SCRAM with cached keys and no password.
    "starttls-scram256-cached-keys": config(mechs=MECHS_SHA256, creds=NO_PASSWORD | CACHED_KEYS) +
    starttls() + frags(HEADER, FEAT_SCRAM) + scram() + bind() + online_traffic(),
    # No answer to our header: the negotiation timer fires (an early call first).
    "stream-open-timeout": config() + op(CONNECT) + op(DRAIN_ALL) + op(TO_DEADLINE, 1) +
    op(TO_DEADLINE, 0) + op(DRAIN_ALL),
}


def small_limits_seed():
    """Tiny limits (1 pending event, 1-byte output blocks, 64 bytes of event storage, no more
    than 3 KB of output): the whole negotiation in 5-byte reads with partial drains."""
    cfg = config(limits=1, limits2=1 | (1 << 2))

    def slowly(*items):
        s = b""
        for item in items:
            s += item
            for i in range(40):
                # Whole reads stop at the event limit (drain_needed, checked by DRAIN_ALL);
                # 5-byte reads and partial drains go on between them.
                if i % 3 == 0:
                    s += op(FEED, 0, 0) + op(DRAIN_ALL)
                else:
                    s += op(FEED, 0, 5) + op(DRAIN_OUTPUT, 40) + op(POLL, 1)
            s += op(DRAIN_ALL)
        return s

    def queue(index):
        return frag(index, 0)

    return (cfg + op(CONNECT) + op(DRAIN_OUTPUT, 3) + op(DRAIN_ALL) +
            slowly(queue(HEADER), queue(FEAT_STARTTLS_REQUIRED), queue(PROCEED)) +
            op(TLS, TLS13_VERIFIED) + op(DRAIN_ALL) +
            slowly(queue(HEADER), queue(FEAT_PLAIN), queue(SUCCESS), queue(HEADER2),
                   queue(FEAT_BIND), dyn(BIND_RESULT, 0, 0),
                   queue(MESSAGE) + queue(BIG_MESSAGE) + queue(PRESENCE)) + op(SEND, 6, 40) + op(SEND, 0, 0) + op(DRAIN_ALL))


SEEDS["small-limits-chunked"] = small_limits_seed()


def write_seeds(seeds, target):
    """Writes `seeds` (name -> bytes) as NAME.bin into argv[1] or fuzz/corpus/TARGET."""
    here = pathlib.Path(__file__).resolve().parent
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else here / "corpus" / target
    out.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (out / (name + ".bin")).write_bytes(data)
    print(f"{len(seeds)} seeds in {out}")


if __name__ == "__main__":
    write_seeds(SEEDS, "fuzz_client_session")
