#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_client_sm: stream management sessions in its input format.

usage: fuzz/make_sm_seeds.py [OUTPUT_DIR]   (default: fuzz/corpus/fuzz_client_sm)

Each seed is 3 configuration bytes and a program of operations (see fuzz_client_sm.cpp:
read_config(), the Op enum, negotiate(), h_value()). The numbers below mirror that file; check a
seed with `XMPP_FUZZ_TRACE=1 build-fuzz/fuzz/fuzz_client_sm SEED` after editing either.
"""

from make_client_seeds import write_seeds

# Opcodes (enum Op).
NEGOTIATE, ENABLED, ACK, REQUEST, RESUMED, FAILED, STANZA, FRAGMENT, RAW, SEND, CLOSE, ABANDON, \
    EOF, CONNECT, ADVANCE, TO_DEADLINE, DRAIN_OUTPUT, POLL, DRAIN_ALL, SAVE_RESTORE = range(20)

# negotiate(): features after SASL (bits 0-1), the answer to <resume/> (bits 2-3), no <enabled/>
# (bit 4), the max of <enabled/> (bits 5-7: none, 60, 1, 0, ...).
BIND_SM, BIND_ONLY, BIND_SESSION_SM, SM_ONLY = range(4)
RESUMED_ALL, RESUMED_NONE, RESUME_FAILED, NO_ANSWER = (i << 2 for i in range(4))
NO_ENABLED = 1 << 4
ENABLED_MAX_60 = 1 << 5

# h_value() forms: valid from last_acked by v, everything sent, too high, backwards, v, 2^32-1-v,
# then malformed ones.
H_VALID, H_ALL, H_TOO_HIGH, H_BACKWARDS, H_ABSOLUTE, H_WRAP, H_HOSTILE = range(7)

# send() kinds.
MESSAGE, PRESENCE, IQ, CSI, BIG_MESSAGE, RESERVED, EMPTY_PRESENCE = range(7)

# Indexes into kSteps.
STEP_1S, STEP_5S, STEP_30S, STEP_61S = 5, 7, 11, 14
CLOSE_TAG = 7  # kFragments

# Configuration. c0: request every N (bits 0-1: 5, 1, 2, never), request after (2-3: 5 s, never,
# 1 s, 10 ms), idle probe (4-5: 60 s, never, 1 s, 10 ms), no resume (6), re-send with delay (7).
EVERY_1 = 1
NO_RESUME = 1 << 6
RESEND_WITH_DELAY = 1 << 7
# c1: ack timeout (bits 0-1: 30 s, 1 s, 1 ms, 10 s), max stanzas (2-3: 1000, 1, 3, 8), max set (6).
ACK_TIMEOUT_1S = 1
MAX_3_STANZAS = 2 << 2
MAX_60 = 1 << 6
# c2: small limits (bit 0), ANONYMOUS (1), short timeouts (2), lazy drains (3).
SMALL = 1
ANONYMOUS = 1 << 1
LAZY = 1 << 3


def feed(chunk=0):
    """Feeds what is queued (op_raw with no bytes) in reads of `chunk` bytes."""
    return op(RAW, 0, chunk << 1)


def config(c0=0, c1=0, c2=0):
    return bytes([c0, c1, c2])


def op(code, *args):
    return bytes([code, *args])


def negotiate(how=0, feed=0):
    return op(NEGOTIATE, how, feed)


def send(*kinds):
    return b"".join(op(SEND, k, 4) for k in kinds)


def ack(form, value=0, feed=0):
    return op(ACK, form, value, feed)


SEEDS = {
    # Enabled, three stanzas, a partial and a full <a/>, the server's <r/> and a stanza, the
    # age-based request, close() with the final <a/>.
    "enable-send-ack-close": config() + negotiate() + send(MESSAGE, PRESENCE, IQ) +
    ack(H_VALID, 2) + op(REQUEST, 0) + op(STANZA, 0, 0) + op(ADVANCE, STEP_5S) +
    ack(H_ALL) + send(CSI, MESSAGE) + op(CLOSE) + op(FRAGMENT, CLOSE_TAG, 0),
    # The link is lost; a stanza sent while disconnected; resumed with nothing handled, so
    # everything is re-sent in order, then acknowledged.
    "lost-link-resumed": config(c1=MAX_60) + negotiate(ENABLED_MAX_60) + send(MESSAGE, IQ, MESSAGE) +
    ack(H_VALID, 1) + op(EOF) + send(PRESENCE) + op(ADVANCE, STEP_1S) +
    negotiate(RESUMED_NONE) + ack(H_ALL) + op(STANZA, 1, 0) + op(REQUEST, 0),
    # Resumption fails: Unconfirmed, a fresh bind and <enable/>.
    "failed-resume-handback": config() + negotiate() + send(MESSAGE, MESSAGE) + op(EOF) +
    negotiate(RESUME_FAILED) + send(MESSAGE) + ack(H_ALL),
    # The same with the re-send under a XEP-0203 delay stamp.
    "failed-resume-resend-delay": config(c0=RESEND_WITH_DELAY) + negotiate() +
    send(MESSAGE, PRESENCE, IQ) + op(EOF) + negotiate(RESUME_FAILED) + ack(H_ALL),
    # <r/> unanswered: LinkDead after the ack timeout, then resumption with everything handled.
    "linkdead-resume": config(c0=EVERY_1, c1=ACK_TIMEOUT_1S) + negotiate() + send(MESSAGE) +
    op(TO_DEADLINE, 0) + op(TO_DEADLINE, 1) + op(TO_DEADLINE, 0) + negotiate(RESUMED_ALL),
    # Saved while disconnected, restored into a new engine, resumed.
    "save-restore-resume": config(c1=MAX_60) + negotiate() + send(MESSAGE, IQ) + op(EOF) +
    op(SAVE_RESTORE, 0, 0, 0, 0) + negotiate(RESUMED_NONE) + ack(H_ALL),
    # A byte of the saved state flipped (the checksum fixed), then restored an hour later
    # (beyond max='60'): handed back at once.
    "save-restore-expired-mutated": config(c1=MAX_60) + negotiate(ENABLED_MAX_60) +
    send(MESSAGE) + op(EOF) +
    op(SAVE_RESTORE, 1, 5, 0x40, 0) + op(SAVE_RESTORE, 0, 0, 0, 3) + negotiate(),
    # Hostile values: an h above what was sent.
    "ack-too-high": config() + negotiate() + send(MESSAGE, PRESENCE) + ack(H_TOO_HIGH, 1),
    # An h going backwards after a valid one.
    "ack-backwards": config() + negotiate() + send(MESSAGE, PRESENCE) + ack(H_VALID, 2) +
    ack(H_BACKWARDS),
    # <enabled/> with a long id, then one with a location and max.
    "enabled-attributes": config() + negotiate(NO_ENABLED) + op(ENABLED, 4, 0, 0) +
    negotiate(NO_ENABLED) + send(MESSAGE) + op(ENABLED, 0, 1 | (1 << 3), 0) + ack(H_ALL),
    # A full queue (3 stanzas): would_block, then room again after an ack; <failed/> to <enable/>.
    "queue-full-and-failed-enable": config(c0=NO_RESUME, c1=MAX_3_STANZAS) + negotiate() +
    send(MESSAGE, MESSAGE, MESSAGE, MESSAGE) + ack(H_VALID, 1) + send(MESSAGE) + op(EOF) +
    negotiate(NO_ENABLED) + op(FAILED, 0, 0, 0) + send(MESSAGE),
    # Small limits, lazy drains, server bytes in 7-byte reads, partial drains.
    "small-limits-chunked": config(c2=SMALL | LAZY | ANONYMOUS) + negotiate(0, 7 << 1) +
    op(DRAIN_ALL) + feed(7) + op(DRAIN_OUTPUT, 10) + op(POLL, 1) + op(DRAIN_ALL) + feed(7) +
    send(MESSAGE, BIG_MESSAGE, PRESENCE) + op(STANZA, 4, 1) + op(STANZA, 5, 3 << 1) +
    ack(H_ALL, 0, 5 << 1) + op(DRAIN_ALL) + op(EOF) + op(DRAIN_ALL) +
    negotiate(RESUMED_NONE, 5 << 1) + op(DRAIN_ALL),
    # The server's resumption answer never comes: the negotiation timer fires while resuming,
    # then the session is abandoned.
    "resume-timeout-abandon": config(c2=1 << 2) + negotiate() + send(MESSAGE) + op(EOF) +
    negotiate(NO_ANSWER) + op(ADVANCE, STEP_30S) + op(ABANDON) + negotiate(),
}


if __name__ == "__main__":
    write_seeds(SEEDS, "fuzz_client_sm")
