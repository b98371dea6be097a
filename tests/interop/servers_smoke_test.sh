#!/usr/bin/env bash
# interop_servers_smoke: with-servers.sh starts working Prosody and ejabberd instances, hands
# their coordinates to the command, and leaves nothing behind however the run ends.
#
#   servers_smoke_test.sh PATH/TO/with-servers.sh
#
# What "working" means here: the c2s port accepts TCP and offers STARTTLS; STARTTLS and direct
# TLS verify against XMPP_*_CA for the name localhost; each of alice, bob, carol and dave
# authenticates (SASL PLAIN over direct TLS); the component port accepts the XEP-0114
# handshake for component.localhost with secret s3cret-component.
set -euo pipefail

wrapper=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
here=$(dirname "$wrapper")
. "$here/lib.sh"

fail() { echo "FAIL: $*" >&2; exit 1; }

# Everything with-servers.sh creates goes below $parent, so that leftovers can be told apart
# from those of other tests running at the same time.
parent=$(mktemp -d /tmp/xmpp-sansio-smoke.XXXXXX)
chmod 755 "$parent"
trap 'rm -rf "$parent"' EXIT
export WITH_SERVERS_TMPDIR=$parent

epmd_was_open=
port_open 4369 && epmd_was_open=1

# nothing_left WHAT: no process mentions $parent, no server directory remains, no epmd.
nothing_left() {
    local pids left
    pids=$(pids_with_cmdline "$parent" | tr '\n' ' ')
    [ -z "$pids" ] || fail "$1: processes left: $pids"
    left=$(find "$parent" -mindepth 1 -maxdepth 1 ! -name 'marker*' | head -1)
    [ -z "$left" ] || fail "$1: $left was not removed"
    [ -n "$epmd_was_open" ] || ! port_open 4369 || fail "$1: an epmd is listening on 4369"
}

# The checks run inside with-servers.sh (exported so that `bash -c` sees them).
check_servers() {
    local server var value
    for server in PROSODY EJABBERD; do
        for var in C2S TLS COMPONENT; do
            value=$(printenv "XMPP_${server}_$var") || fail "XMPP_${server}_$var is not set"
            [[ $value =~ ^127\.0\.0\.1:[0-9]+$ ]] || fail "XMPP_${server}_$var='$value'"
            (exec 3<>"/dev/tcp/127.0.0.1/${value#*:}") 2>/dev/null \
                || fail "XMPP_${server}_$var: $value does not accept TCP"
        done
        value=$(printenv "XMPP_${server}_CA") || fail "XMPP_${server}_CA is not set"
        [ -r "$value" ] || fail "XMPP_${server}_CA: cannot read $value"
        value=$(printenv "XMPP_${server}_SM_TIMEOUT") || fail "XMPP_${server}_SM_TIMEOUT unset"
        [ "$value" = 3 ] || fail "XMPP_${server}_SM_TIMEOUT=$value, wanted 3"
        value=$(printenv "XMPP_${server}_DIR") || fail "XMPP_${server}_DIR is not set"
        [ -d "$value" ] || fail "XMPP_${server}_DIR: no directory $value"
        check_xmpp "$server"
    done
    echo "both servers answer"
}

stream_header="<?xml version='1.0'?><stream:stream to='localhost' version='1.0' \
xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"

# read_until FD PATTERN: read from FD until the text read matches PATTERN (a bash regex),
# for at most 10 s; prints what was read.
read_until() {
    local fd=$1 pattern=$2 text= chunk deadline=$((SECONDS + 10))
    while [[ ! $text =~ $pattern ]]; do
        [ $SECONDS -lt $deadline ] || { echo "$text"; return 1; }
        IFS= read -r -t 2 -d '>' -u "$fd" chunk || { echo "$text"; return 1; }
        text+="$chunk>"
    done
    echo "$text"
}

# tls_session CA ARGS...: an openssl s_client coprocess (fds TLS[0], TLS[1]) verifying the
# server against CA for the name localhost.
tls_session() {
    local ca=$1; shift
    coproc TLS { exec timeout 20 openssl s_client -quiet -verify_return_error \
        -CAfile "$ca" -verify_hostname localhost "$@" 2>/dev/null; }
}

check_xmpp() {
    local server=$1 c2s tls component ca out user id digest
    c2s=$(printenv "XMPP_${server}_C2S")
    tls=$(printenv "XMPP_${server}_TLS")
    component=$(printenv "XMPP_${server}_COMPONENT")
    ca=$(printenv "XMPP_${server}_CA")

    # Plain TCP: the stream opens and STARTTLS is offered.
    exec 3<>"/dev/tcp/127.0.0.1/${c2s#*:}"
    printf '%s' "$stream_header" >&3
    out=$(read_until 3 '</stream:features>') || fail "$server c2s: no features: $out"
    [[ $out == *urn:ietf:params:xml:ns:xmpp-tls* ]] || fail "$server c2s: no STARTTLS: $out"
    exec 3>&-

    # STARTTLS verified against the CA file; SCRAM is offered afterwards.
    tls_session "$ca" -starttls xmpp -xmpphost localhost -connect "$c2s"
    printf '%s' "$stream_header" >&"${TLS[1]}"
    out=$(read_until "${TLS[0]}" '</stream:features>') \
        || fail "$server STARTTLS (verified with $ca): no features: $out"
    [[ $out == *'<mechanism>SCRAM-SHA-1</mechanism>'* ]] || fail "$server: no SCRAM-SHA-1: $out"
    kill "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null || true

    # Direct TLS, verified; every account authenticates.
    for user in alice bob carol dave; do
        tls_session "$ca" -connect "$tls" -servername localhost
        printf '%s' "$stream_header" >&"${TLS[1]}"
        out=$(read_until "${TLS[0]}" '</stream:features>') \
            || fail "$server direct TLS (verified with $ca): no features: $out"
        printf "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>" \
            "$(printf '\0%s\0s3cret' "$user" | base64 -w0)" >&"${TLS[1]}"
        out=$(read_until "${TLS[0]}" '<success|</failure>') || fail "$server $user: $out"
        [[ $out == *'<success'* ]] || fail "$server: $user/s3cret rejected: $out"
        kill "$TLS_PID" 2>/dev/null; wait "$TLS_PID" 2>/dev/null || true
    done

    # XEP-0114: handshake = hex SHA-1 of stream id + secret.
    exec 3<>"/dev/tcp/127.0.0.1/${component#*:}"
    printf "<stream:stream xmlns='jabber:component:accept' \
xmlns:stream='http://etherx.jabber.org/streams' to='component.localhost'>" >&3
    out=$(read_until 3 '<stream:stream[^>]*>') || fail "$server component: no stream: $out"
    [[ $out =~ [[:space:]]id=[\'\"]([^\'\"]+) ]] || fail "$server component: no id: $out"
    id=${BASH_REMATCH[1]}
    digest=$(printf '%s%s' "$id" s3cret-component | sha1sum | cut -d' ' -f1)
    printf '<handshake>%s</handshake>' "$digest" >&3
    out=$(read_until 3 '<handshake/>|</stream:error>|<handshake></handshake>') \
        || fail "$server component: handshake unanswered: $out"
    [[ $out != *stream:error* ]] || fail "$server component: handshake refused: $out"
    exec 3>&-
}
export -f check_servers check_xmpp read_until tls_session fail
export stream_header

elapsed() { echo "$(((${EPOCHREALTIME/./} - $1) / 1000)) ms"; }

# 1. Both servers, checked from inside; the command's status is passed through.
t0=${EPOCHREALTIME/./}
status=0
"$wrapper" --prosody --ejabberd --sm-timeout 3 -- \
    bash -c 'check_servers && touch "$1/marker.ran" && exit 42' _ "$parent" || status=$?
echo "prosody + ejabberd: $(elapsed "$t0") (start, checks, stop)"
[ -e "$parent/marker.ran" ] || fail "the checks inside with-servers.sh failed"
[ "$status" = 42 ] || fail "with-servers.sh exited $status, the command 42"
nothing_left "normal run"

# 2. A server that cannot start is a failure (1, not 77), the command does not run, and the
# other server - still starting at that moment - is stopped too.
fake=$parent/marker.fakebin
mkdir -p "$fake"
printf '#!/bin/sh\necho "fake prosody: broken on purpose" >&2\nexit 3\n' > "$fake/prosody"
chmod 755 "$fake/prosody"
t0=${EPOCHREALTIME/./}
status=0
PATH=$fake:$PATH "$wrapper" --ejabberd --prosody -- touch "$parent/marker.failed-ran" \
    2>"$parent/marker.stderr" || status=$?
echo "failed start: $(elapsed "$t0")"
[ "$status" = 1 ] || fail "with a broken prosody with-servers.sh exited $status, wanted 1"
[ ! -e "$parent/marker.failed-ran" ] || fail "the command ran although prosody did not start"
grep -q "prosody failed to start" "$parent/marker.stderr" \
    || fail "no clear message: $(cat "$parent/marker.stderr")"
grep -q "broken on purpose" "$parent/marker.stderr" || fail "the server's output is not shown"
nothing_left "failed start"

# 3. SIGTERM (what `timeout` and meson send) while the command runs: prompt clean-up, 143.
"$wrapper" --prosody -- bash -c 'touch "$1/marker.up"; exec sleep 60' _ "$parent" &
pid=$!
for _ in $(seq 1 100); do [ -e "$parent/marker.up" ] && break; sleep 0.1; done
[ -e "$parent/marker.up" ] || fail "SIGTERM case: the command never ran"
t0=${EPOCHREALTIME/./}
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
echo "SIGTERM to stopped: $(elapsed "$t0")"
[ "$status" = 143 ] || fail "after SIGTERM with-servers.sh exited $status, wanted 143"
nothing_left "SIGTERM"

# 4. SIGTERM while the servers are still starting: the half-started ones are stopped too.
"$wrapper" --ejabberd --prosody -- true &
pid=$!
sleep 0.8
kill -TERM "$pid"
status=0
wait "$pid" || status=$?
[ "$status" = 143 ] || fail "SIGTERM during start: exit status $status, wanted 143"
nothing_left "SIGTERM during start"

# 5. SIGKILL (meson's last word on a timeout): the watchdog stops both servers.
rm -f "$parent/marker.up"
"$wrapper" --prosody --ejabberd -- bash -c 'echo $$ >"$1/marker.up"; exec sleep 60' _ "$parent" &
pid=$!
for _ in $(seq 1 200); do [ -s "$parent/marker.up" ] && break; sleep 0.1; done
[ -s "$parent/marker.up" ] || fail "SIGKILL case: the command never ran"
cmd_pid=$(cat "$parent/marker.up")
t0=${EPOCHREALTIME/./}
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
# The command is not the watchdog's business (meson kills the whole process group).
kill -KILL "$cmd_pid" 2>/dev/null || true
for _ in $(seq 1 100); do
    [ -z "$(find "$parent" -mindepth 1 -maxdepth 1 -name 'xmpp-sansio-servers.*')" ] && break
    sleep 0.1
done
for _ in $(seq 1 50); do [ -z "$(pids_with_cmdline "$parent")" ] && break; sleep 0.1; done
echo "SIGKILL to cleaned up by the watchdog: $(elapsed "$t0")"
nothing_left "SIGKILL"

echo "PASS"
