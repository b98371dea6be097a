#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_session_app: Session programs in its input format.

usage: fuzz/make_session_app_seeds.py [OUTPUT_DIR]   (default: fuzz/corpus/fuzz_session_app)

Each seed is 4 configuration bytes and a program of operations (see fuzz_session_app.cpp:
read_config(), the Op enum and the tables kSenders, kSteps, kDowntimes; each operation's
argument bytes are read as its function there says). The numbers below mirror that file; check
a seed with `XMPP_FUZZ_TRACE=1 build-fuzz/fuzz/fuzz_session_app SEED` after editing either.
"""

from make_client_seeds import write_seeds

# Opcodes (enum Op).
SERVER_IQ, ROSTER_PUSH, PRESENCE, MESSAGE, RAW, CUT, ADVANCE, TO_DEADLINE, SEND_IQ, CSI, \
    ROSTER, SUBSCRIPTION, ROUTE_ADD, ROUTE_REMOVE, CLOSE, START, SERVER_MODE, SERVER_END, \
    SERVER_ACK, FROM_IQ = range(20)

# c0: SCRAM (bit 0), SCRAM-SHA-1 (1), keepalive ping (2), short keepalive (3: 5 s / 1 s), no
# automatic answers to unhandled IQs (4), no ping answers (5), no disco#info answers (6),
# software version (7).
SCRAM, SHA1, KEEPALIVE, KEEPALIVE_SHORT, NO_UNHANDLED, NO_PINGS, NO_DISCO, VERSION = \
    (1 << i for i in range(8))
# c1: fetch the roster (0), initial presence (1), no roster pushes (2), on_subscription (3), the
# server offers CSI (4), no resumption (5), 3 pending requests at most (6), on_stanza answers
# requests itself (7).
FETCH_ROSTER, PRESENCE_ON, NO_PUSHES, SUBSCRIPTIONS, CSI_FEATURE, NO_RESUME, FEW_PENDING, \
    ON_STANZA_REPLIES = (1 << i for i in range(8))
# c3: roster items in the server's result (bits 0-1), jitter (2), on_connect sends (3),
# on_stopped starts again (4), 2 s IQ timeout (5), the server's initial mode (6-7).
JITTER, CONNECT_SENDS, RESTART, SHORT_IQ_TIMEOUT = (1 << i for i in range(2, 6))

# Server request types, payloads and senders (kSenders).
GET, SET, RESULT, ERROR = range(4)
PING, DISCO, DISCO_NODE, VERSION_Q, ROSTER_Q, UNKNOWN, NO_PAYLOAD, TWO = range(8)
NOBODY, OWN_BARE, OWN_FULL, DOMAIN, BOB_FULL, BOB_BARE, MALLORY, OWN_OTHER = range(8)
# kSteps indexes.
STEP_1S, STEP_5S, STEP_10S, STEP_30S, STEP_31S, STEP_61S, STEP_600S = 4, 6, 7, 9, 10, 13, 15
# Server modes: right answers, errors, answers from a stranger, silence.
RIGHT, ERRORS, STRANGER, SILENT = range(4)


def config(c0=0, c1=0, c2=0x41, c3=0):
    return bytes([c0, c1, c2, c3])


def op(code, *args):
    return bytes([code, *args])


def server_iq(type_, payload, sender, id_byte=0x11, to_self=False, no_id=False):
    return op(SERVER_IQ, type_ | payload << 2 | sender << 5,
              (id_byte & 0x3F) | (0x40 if to_self else 0) | (0x80 if no_id else 0))


def push(sender, jid=0, items=0, attrs=0):
    """A roster push: kJids[jid], items (0 or 3: one, 1: none, 2: two), attrs (b1)."""
    return op(ROSTER_PUSH, sender | jid << 3 | items << 6, attrs)


def presence(type_, sender, extra=0):
    return op(PRESENCE, type_ | sender << 3, extra)


def message(type_, sender, extra=1):
    return op(MESSAGE, type_ | sender << 3, extra)


def raw(data):
    return op(RAW, len(data)) + data


def send_iq(to=0, payload=PING, set_=False, id_=0, timeout=0):
    return op(SEND_IQ, to | payload << 3 | (0x40 if set_ else 0), id_ | timeout << 3)


def route(kind=0, type_=0, payload=0, from_=0, reply=False, remove_self=False, sends=False,
          when=False, catch_all=False, closes=False):
    b1 = from_ | (4 if reply else 0) | (8 if remove_self else 0) | (0x10 if sends else 0) | \
        (0x20 if when else 0) | (0x40 if catch_all else 0) | (0xC0 if closes else 0)
    return op(ROUTE_ADD, kind | type_ << 2 | payload << 5, b1)


def from_iq(type_, payload, sender):
    data = sender.encode()
    return op(FROM_IQ, type_ | payload << 2, 0x21, len(data)) + data


SEEDS = {
    # Every duty with PLAIN: ping, disco#info (with and without node), version, unknown,
    # malformed requests, results and errors that must never be answered.
    "duties": config(VERSION) + server_iq(GET, PING, DOMAIN) + server_iq(GET, DISCO, BOB_FULL) +
    server_iq(GET, DISCO_NODE, BOB_FULL) + server_iq(GET, VERSION_Q, MALLORY) +
    server_iq(SET, UNKNOWN, NOBODY) + server_iq(GET, NO_PAYLOAD, BOB_FULL) +
    server_iq(SET, TWO, DOMAIN) + server_iq(RESULT, PING, DOMAIN) +
    server_iq(ERROR, NO_PAYLOAD, BOB_FULL) + server_iq(GET, PING, NOBODY, no_id=True),
    # Roster pushes from every sender (CVE-2014-0364), the roster fetched first with SCRAM.
    "roster-pushes": config(SCRAM, FETCH_ROSTER, c3=2) + push(NOBODY, 0, 0, 0x13) +
    push(OWN_BARE, 1, 0, 0x02) + push(OWN_FULL, 0, 0, 0x08) + push(DOMAIN, 1) +
    push(BOB_FULL, 0) + push(MALLORY, 2) + push(OWN_OTHER, 0) + push(OWN_BARE, 3) +
    push(OWN_BARE, 4) + push(NOBODY, 0, 1) + push(NOBODY, 0, 2) + push(OWN_BARE, 0, 0, 0x0A) +
    op(ROSTER, 1),
    # Subscription requests answered by on_subscription, other presence, the commands.
    "subscriptions": config(0, SUBSCRIPTIONS | PRESENCE_ON) + presence(0, BOB_FULL, 2) +
    presence(1, BOB_BARE) + presence(2, MALLORY) + presence(3, BOB_FULL) + presence(4, BOB_FULL) +
    presence(0, NOBODY) + presence(7, DOMAIN) + op(SUBSCRIPTION, 0) + op(SUBSCRIPTION, 1 | 4) +
    op(SUBSCRIPTION, 2 | 8) + op(SUBSCRIPTION, 3 | 12),
    # Routes: an IQ route that answers, a message route, a catch-all; removed again.
    "routes": config(0, ON_STANZA_REPLIES) + route(3, 1, 4, reply=True) +
    route(1, 4, 0, 1) + route(catch_all=True) + server_iq(GET, UNKNOWN, BOB_FULL) +
    server_iq(SET, UNKNOWN, BOB_FULL) + message(0, BOB_FULL) + message(1, MALLORY) +
    op(ROUTE_REMOVE, 2) + server_iq(GET, UNKNOWN, BOB_FULL) + op(ROUTE_REMOVE, 0) +
    server_iq(GET, UNKNOWN, DOMAIN),
    # Unhandled requests without automatic answers: on_stanza answers them itself.
    "no-auto-answers": config(NO_UNHANDLED | NO_PINGS | NO_DISCO, ON_STANZA_REPLIES) +
    server_iq(GET, PING, DOMAIN) + server_iq(GET, DISCO, BOB_FULL) +
    server_iq(GET, NO_PAYLOAD, BOB_FULL) + server_iq(SET, TWO, NOBODY) +
    route(3, 2, 1, reply=True, remove_self=True) + server_iq(SET, ROSTER_Q, MALLORY) +
    server_iq(SET, ROSTER_Q, MALLORY),
    # Application requests answered, refused, from a stranger, unanswered until they time out.
    "send-iq-modes": config(0, 0, c3=SHORT_IQ_TIMEOUT) + send_iq(0) + send_iq(1, DISCO) +
    send_iq(3, VERSION_Q, id_=4) + send_iq(3, VERSION_Q, id_=4) + op(SERVER_MODE, ERRORS) +
    send_iq(4, UNKNOWN, True) + op(SERVER_MODE, STRANGER) + send_iq(5, PING) +
    op(SERVER_MODE, SILENT) + send_iq(2, ROSTER_Q, timeout=3) + send_iq(6) +
    send_iq(0, NO_PAYLOAD) + send_iq(0, TWO) + send_iq(0, timeout=5) + op(ADVANCE, STEP_5S),
    # Too many requests pending.
    "few-pending": config(0, FEW_PENDING, c3=SILENT << 6) + send_iq(1) + send_iq(1) +
    send_iq(1) + send_iq(1) + op(ROSTER, 1) + op(ADVANCE, STEP_31S) + send_iq(1),
    # Keepalive pings answered, then silence: the link is declared dead and the session resumed.
    "keepalive": config(KEEPALIVE | KEEPALIVE_SHORT | SCRAM | SHA1) + op(ADVANCE, STEP_5S) +
    op(TO_DEADLINE) + op(SERVER_MODE, SILENT) + op(TO_DEADLINE) + op(TO_DEADLINE) +
    op(TO_DEADLINE) + op(SERVER_MODE, RIGHT) + server_iq(GET, PING, DOMAIN) + op(TO_DEADLINE),
    # A cut link resumed at once, with requests in flight both ways.
    "cut-resume": config(0, FETCH_ROSTER, c3=1 | SILENT << 6) + send_iq(1) +
    server_iq(GET, DISCO, BOB_FULL) + op(CUT, 0) + op(SERVER_MODE, RIGHT) + send_iq(3) +
    op(SERVER_ACK) + server_iq(GET, PING, DOMAIN) + op(CUT, 1) + op(ROSTER, 0),
    # The link stays down past the server's resumption window: a fresh session, requests
    # replaced, the roster fetched again.
    "cut-expire": config(0, FETCH_ROSTER | PRESENCE_ON, c3=3 | SILENT << 6) + send_iq(1) +
    op(ROSTER, 1) + op(CUT, 7) + op(ADVANCE, STEP_61S) + op(TO_DEADLINE) + op(ADVANCE, STEP_600S) +
    op(TO_DEADLINE) + op(SERVER_MODE, RIGHT) + op(TO_DEADLINE) + op(ROSTER, 1),
    # Without resumption every cut is a fresh session.
    "no-resume": config(SCRAM, NO_RESUME | FETCH_ROSTER, c3=1) + push(OWN_BARE) + op(CUT, 0) +
    push(NOBODY, 1) + op(CUT, 2) + op(ADVANCE, STEP_1S) + op(TO_DEADLINE),
    # CSI (op CSI bit 0: inactive; bit 1: add_disco_feature instead) before and after online,
    # with and without the feature, across a resumption.
    "csi": config(0, CSI_FEATURE) + op(CSI, 1) + op(CSI, 1) + op(CSI, 0) + op(CSI, 1) +
    op(CUT, 0) + op(CSI, 0) + op(CLOSE) + op(CSI, 1) + op(START) + op(CSI, 0),
    "csi-unsupported": config(0, 0, c3=CONNECT_SENDS) + op(CSI, 1) + op(CSI, 0),
    # The server ends streams: closing handshake, system-shutdown, conflict (stop, restarted by
    # on_stopped), see-other-host.
    "server-ends": config(0, 0, c3=RESTART) + op(SERVER_END, 0) + op(SERVER_END, 1) +
    op(SERVER_END, 3) + op(SERVER_END, 2) + server_iq(GET, PING, DOMAIN) + op(SERVER_END, 2),
    # close() and start() at every state, commands while stopped.
    "close-start": config() + op(CLOSE) + op(CLOSE) + send_iq(1) + op(START) + op(START) +
    op(CUT, 4) + op(START) + op(CLOSE) + op(START) + op(ADVANCE, STEP_5S),
    # Raw server XML: stanzas, a nonza, a broken fragment.
    "raw": config() + raw(b"<message from='bob@example.com/x'><body>raw</body></message>") +
    raw(b"<iq type='get' id='r1' from='bob@example.com/x'><ping xmlns='urn:xmpp:ping'/></iq>") +
    raw(b"<iq type='set' id='r2' from='mallory@evil.example'><query xmlns='jabber:iq:roster'>"
        b"<item jid='eve@example.com'/></query></iq>") +
    raw(b"<r xmlns='urn:xmpp:sm:3'/>") + raw(b"<message><body>half") +
    server_iq(GET, PING, DOMAIN),
    # Senders that are not JIDs.
    "odd-senders": config() + from_iq(GET, PING, "not a jid@@") + from_iq(SET, ROSTER_Q, "") +
    from_iq(GET, UNKNOWN, "ALICE@EXAMPLE.COM") + from_iq(SET, ROSTER_Q, "alice@example.com/") +
    from_iq(GET, DISCO, "example.com/x"),
    # Features added to the disco#info answer (and an empty one refused); every route cleared.
    "disco-features": config() + op(CSI, 2 | 5 << 3) + op(CSI, 2 | 4) + op(CSI, 2 | 9 << 3) +
    server_iq(GET, DISCO, BOB_FULL) + route(3) + route(1) + op(ROUTE_REMOVE, 0xFF) +
    server_iq(GET, UNKNOWN, BOB_FULL),
    # Handlers that send, close, and route everything while requests are in flight.
    "handlers": config(KEEPALIVE, SUBSCRIPTIONS, c3=CONNECT_SENDS) +
    route(3, 1, 6, sends=True, when=True) + route(2, 0, 0, 1, reply=True) +
    server_iq(GET, UNKNOWN, BOB_BARE, 0x12) + server_iq(GET, UNKNOWN, BOB_BARE, 0x13) +
    presence(4, BOB_BARE) + route(0, 0, 0, 0, closes=True) + message(0, BOB_FULL) +
    op(ADVANCE, STEP_30S) + op(START),
}


if __name__ == "__main__":
    write_seeds(SEEDS, "fuzz_session_app")
