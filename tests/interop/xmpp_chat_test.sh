#!/usr/bin/env bash
# The public command-line contract of xmpp-chat, against a private Prosody:
#
#   tests/interop/with-servers.sh --prosody -- bash tests/interop/xmpp_chat_test.sh PATH/TO/xmpp-chat
#
# XMPP_CHAT_ADAPTER=epoll (or asio) runs every client-mode run with --adapter epoll (asio)
# (default: posix, the default adapter, without --adapter): the contract is the same whatever the
# adapter, so the same checks run for each (meson: xmpp_chat_contract, xmpp_chat_contract_epoll,
# xmpp_chat_contract_asio). Component mode has no --adapter.
#
# Usage errors and --help; messages between two running xmpp-chat processes; end of input
# waiting for acknowledgements; {"cmd":"drop"} and XEP-0198 resumption; a wrong password; bad
# input lines; raw stanzas; XEP-0199 pings and refused IQs; component mode (XEP-0114);
# --traffic-log; --sm-state across a SIGTERM and a restart; direct TLS, --password-file and
# --no-sm; standard input from a regular file; the adapter's own event mechanism in use; every
# stdout line valid JSON.
#
# Each check prints "ok - NAME" or "not ok - NAME: DETAILS" (followed by "#" lines showing what
# the processes printed); a summary at the end; exit status 1 when any check failed, 2 when the
# script cannot run at all. Every xmpp-chat runs under `timeout`, fed through a fifo that this
# script holds open, so that it stays up exactly as long as a check needs it.
# XMPP_CHAT_TEST_KEEP=1 keeps the runs' files (stdout, stderr, traffic logs) in the temporary
# directory, which is then named on stderr.
#
# The numbered groups of checks run side by side (a run that ends within 5 s of coming online
# waits for its stanzas' acknowledgement, which the client requests after 5 s at the latest), so
# they never share a full JID: each has resources of its own, and the groups exchanging
# messages between two accounts use distinct pairs of resources. Their output is printed in
# order once all are done.
set -uo pipefail

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 PATH/TO/xmpp-chat (inside with-servers.sh --prosody)" >&2
    exit 2
fi
chat=$(cd "$(dirname "$1")" && pwd -P)/$(basename "$1")
for var in XMPP_PROSODY_C2S XMPP_PROSODY_TLS XMPP_PROSODY_COMPONENT XMPP_PROSODY_CA \
    XMPP_PROSODY_SM_TIMEOUT; do
    if [ -z "${!var:-}" ]; then
        echo "$0: $var is not set: run under tests/interop/with-servers.sh --prosody" >&2
        exit 2
    fi
done
command -v python3 >/dev/null || { echo "$0: python3 is needed" >&2; exit 2; }
adapter=${XMPP_CHAT_ADAPTER:-posix}
case $adapter in
    posix | epoll | asio) ;;
    *)
        echo "$0: XMPP_CHAT_ADAPTER=$adapter: expected posix, epoll or asio" >&2
        exit 2
        ;;
esac

c2s=$XMPP_PROSODY_C2S
ca=$XMPP_PROSODY_CA
export PW=s3cret BADPW=wrong-password SECRET=s3cret-component BADSECRET=not-the-secret

tmp=$(mktemp -d /tmp/xmpp-chat-test.XXXXXX)
# Per group (each a subshell of its own): the runs' pids, the fds of their input fifos, their
# exit statuses, start and end times and durations.
declare -A pid_of=() fd_of=() status_of=() started_at=() ended_at=() took_ms=()
group_pids=()
groups_started=()

# A group that is told to stop stops its runs (timeout passes SIGTERM on to xmpp-chat).
stop_runs() {
    local name
    for name in "${!pid_of[@]}"; do kill -TERM "${pid_of[$name]}" 2>/dev/null; done
}
cleanup() {
    local pid
    trap '' INT TERM
    for pid in "${group_pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    stop_runs
    wait 2>/dev/null
    if [ -n "${XMPP_CHAT_TEST_KEEP:-}" ]; then
        echo "# kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# A run that is gone must not kill the script when it is written to: send() reports it instead.
trap '' PIPE

# ---------------------------------------------------------------------------------------------
# JSON lines: ev.py loads a run's stdout (the lines that parse as JSON objects) as `ev` and
# evaluates a Python expression over it, with a few helpers:
#   has(ev, event="acked", id="m1")   some event has all these fields
#   count(ev, **fields)               how many do
#   first(ev, **fields)               index of the first that does, -1 if none
#   after(ev, a, b)                   some event matching dict b comes after one matching a
cat >"$tmp/ev.py" <<'EOF'
import json, sys, time

def load(path):
    events = []
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except FileNotFoundError:
        return events
    for line in text.splitlines():
        try:
            e = json.loads(line)
        except ValueError:
            continue
        if isinstance(e, dict):
            events.append(e)
    return events

def match(e, fields):
    return all(e.get(k) == v for k, v in fields.items())

def has(ev, **fields):
    return any(match(e, fields) for e in ev)

def count(ev, **fields):
    return sum(1 for e in ev if match(e, fields))

def first(ev, **fields):
    return next((i for i, e in enumerate(ev) if match(e, fields)), -1)

def after(ev, a, b):
    i = next((i for i, e in enumerate(ev) if match(e, a)), -1)
    return i >= 0 and any(match(e, b) for e in ev[i + 1:])

helpers = dict(has=has, count=count, first=first, after=after, match=match, json=json)
complained = False

def evaluate(expr, ev):
    # Parenthesised so that an expression may span lines; a broken one is a failed check.
    try:
        return eval("(" + expr + "\n)", dict(helpers, ev=ev))
    except Exception as why:
        global complained
        if not complained:
            print(f"# cannot evaluate: {type(why).__name__}: {why}")
            complained = True
        return False

cmd = sys.argv[1]
if cmd == "wait":            # wait FILE SECONDS EXPR: until EXPR holds (exit 0) or time is up
    path, limit, expr = sys.argv[2], float(sys.argv[3]), sys.argv[4]
    end = time.monotonic() + limit
    while True:
        if evaluate(expr, load(path)):
            sys.exit(0)
        if time.monotonic() > end:
            sys.exit(1)
        time.sleep(0.05)
elif cmd == "check":         # check FILE EXPR
    sys.exit(0 if evaluate(sys.argv[3], load(sys.argv[2])) else 1)
elif cmd == "valid":         # valid FILE...: every line a JSON object with a string "event"
    bad = []
    lines = 0
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        if data and not data.endswith(b"\n"):
            bad.append(f"{path}: last line not terminated")
        for n, raw in enumerate(data.splitlines(), 1):
            lines += 1
            try:
                e = json.loads(raw.decode("utf-8"))
                if not isinstance(e, dict) or not isinstance(e.get("event"), str):
                    raise ValueError("not an object with an event")
            except ValueError as why:
                bad.append(f"{path}:{n}: {why}: {raw[:200]!r}")
    for b in bad[:10]:
        print(b)
    print(f"{lines} lines checked")
    sys.exit(1 if bad else 0)
elif cmd == "traffic":       # traffic FILE sent|received: those bytes of a --traffic-log
    data = open(sys.argv[2], "rb").read()
    out, pos = [], 0
    while pos < len(data):
        eol = data.index(b"\n", pos)
        direction, size = data[pos:eol].decode().split()[1:3]
        start = eol + 1
        if direction == sys.argv[3]:
            out.append(data[start:start + int(size)])
        pos = start + int(size) + 1
    sys.stdout.buffer.write(b"".join(out))
EOF
ev() { python3 "$tmp/ev.py" "$@"; }

# ---------------------------------------------------------------------------------------------
# Reporting. Groups write "ok - " / "not ok - " lines to their logs; the main script counts them.

ok() { echo "ok - $1"; }
not_ok() {
    echo "not ok - $1: $2"
    echo "$1" >>"$tmp/failed.list"
}

# show RUN...: what the runs printed, as comment lines (after a failure).
show() {
    local name
    for name in "$@"; do
        if [ -s "$tmp/$name.out" ]; then
            sed -n '1,40s/^/#   '"$name"' stdout: /p' "$tmp/$name.out"
        fi
        if [ -s "$tmp/$name.err" ]; then
            sed -n '1,10s/^/#   '"$name"' stderr: /p' "$tmp/$name.err"
        fi
        if [ -n "${status_of[$name]:-}" ]; then
            echo "#   $name exit status ${status_of[$name]}, ${took_ms[$name]:-?} ms"
        fi
    done
}

# expect CHECK-NAME RUN EXPR: EXPR (ev.py) holds for the stdout of RUN (or the file RUN, when
# it has a slash).
expect() {
    local why file=$tmp/$2.out
    [[ $2 != */* ]] || file=$2
    if why=$(ev check "$file" "$3"); then
        ok "$1"
    else
        not_ok "$1" "expected $(echo "$3" | tr -s ' \n' ' ') (in ${2##*/})${why:+ — $why}"
        if [[ $2 == */* ]]; then sed -n '1,40s/^/#   /p' "$2"; else show "$2"; fi
    fi
}

# expect_status CHECK-NAME RUN STATUS
expect_status() {
    if [ "${status_of[$2]:-}" = "$3" ]; then
        ok "$1"
    else
        not_ok "$1" "$2 exited with status ${status_of[$2]:-unknown}, wanted $3"
        show "$2"
    fi
}

now_ms() { date +%s%3N; }

# ---------------------------------------------------------------------------------------------
# Runs.

# with_adapter ARGS...: ARGS, with --adapter for a client run under XMPP_CHAT_ADAPTER (posix, the
# default, is run without it, as most users run it).
with_adapter() {
    if [ "$adapter" != posix ] && [[ " $* " == *" --jid "* ]]; then
        printf '%s\0' "$@" --adapter "$adapter"
    else
        printf '%s\0' "$@"
    fi
}

# start RUN SECONDS ARGS...: starts xmpp-chat ARGS (with_adapter) under `timeout SECONDS`,
# standard input a fifo held open by this script (send, end_input), stdout and stderr in
# $tmp/RUN.out and .err.
start() {
    local name=$1 limit=$2 fd args
    shift 2
    mapfile -d '' -t args < <(with_adapter "$@")
    set -- "${args[@]}"
    mkfifo "$tmp/$name.in"
    : >"$tmp/$name.out"
    (
        # Other runs' fifo ends must not stay open in this one, or they would never see EOF.
        for fd in "${fd_of[@]}"; do exec {fd}>&-; done
        exec timeout "$limit" "$chat" "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err"
    ) &
    pid_of[$name]=$!
    started_at[$name]=$(now_ms)
    exec {fd}>"$tmp/$name.in"
    fd_of[$name]=$fd
}

# client RUN ACCOUNT RESOURCE [ARGS...]: start RUN as ACCOUNT@localhost/RESOURCE (20 s at most).
client() {
    local name=$1 account=$2 resource=$3
    shift 3
    start "$name" 20 --jid "$account@localhost" --resource "$resource" --password-env PW \
        --server "$c2s" --ca-file "$ca" "$@"
}

# send RUN LINE: one line on RUN's standard input.
send() {
    local fd=${fd_of[$1]:-}
    if [ -n "$fd" ]; then
        printf '%s\n' "$2" >&"$fd" 2>/dev/null ||
            echo "# $1 no longer reads its input; not sent: $2"
    else
        echo "# send to $1 after its input was closed: $2"
    fi
}

# end_input RUN: end of RUN's standard input.
end_input() {
    local fd=${fd_of[$1]:-}
    if [ -n "$fd" ]; then
        exec {fd}>&-
        unset 'fd_of[$1]'
    fi
}

# finish RUN...: ends their input (if still open), waits for each to exit, records its status
# and how long it ran.
finish() {
    local name status
    for name in "$@"; do end_input "$name"; done
    for name in "$@"; do
        [ -n "${pid_of[$name]:-}" ] || continue
        status=0
        wait "${pid_of[$name]}" || status=$?
        ended_at[$name]=$(now_ms)
        status_of[$name]=$status
        took_ms[$name]=$((${ended_at[$name]} - ${started_at[$name]}))
        unset 'pid_of[$name]'
    done
}

# reap RUN: waits for RUN to exit with its input still open (after a signal), records its
# status, then closes its input.
reap() {
    local status=0
    [ -n "${pid_of[$1]:-}" ] || return 0
    wait "${pid_of[$1]}" || status=$?
    ended_at[$1]=$(now_ms)
    status_of[$1]=$status
    took_ms[$1]=$((${ended_at[$1]} - ${started_at[$1]}))
    unset 'pid_of[$1]'
    end_input "$1"
}

# wait_for RUN SECONDS EXPR: true once RUN's stdout satisfies EXPR.
wait_for() { ev wait "$tmp/$1.out" "$2" "$3"; }

# online RUN CHECK-NAME: waits for RUN's "online" event; a failed check when it does not come.
online() {
    if wait_for "$1" 10 'has(ev, event="online")'; then
        return 0
    fi
    not_ok "$2" "$1 did not come online within 10 s"
    show "$1"
    return 1
}

# run_times: the durations of this group's runs, as a comment line.
run_times() {
    local name line=
    for name in $(printf '%s\n' "${!took_ms[@]}" | sort); do line+=" $name=${took_ms[$name]}"; done
    [ -z "$line" ] || echo "#   run times (ms):$line"
}

# group NAME FUNCTION: runs FUNCTION in a subshell of its own, output to $tmp/NAME.log.
# XMPP_CHAT_TEST_GROUPS="g4 g11" runs only those groups (and the JSON check), to debug one.
group() {
    if [ -n "${XMPP_CHAT_TEST_GROUPS:-}" ] && [[ " $XMPP_CHAT_TEST_GROUPS " != *" $1 "* ]]; then
        : >"$tmp/$1.log"
        return
    fi
    (
        trap 'stop_runs; exit 143' TERM
        trap - EXIT INT
        "$2"
        run_times
        : >"$tmp/$1.done"
    ) >"$tmp/$1.log" 2>&1 &
    group_pids+=($!)
    groups_started+=("$1")
}

# ---------------------------------------------------------------------------------------------
# 1. Usage errors: exit status 2, a message on stderr, nothing on stdout. --help: status 0, the
# usage on stdout.
usage_case() {
    local name=$1 status=0
    shift
    timeout 5 "$chat" "$@" </dev/null >"$tmp/$name.out" 2>"$tmp/$name.err" || status=$?
    status_of[$name]=$status
    if [ "$status" != 2 ]; then
        not_ok "1: usage: $name" "exit status $status, wanted 2 (args: $*)"
        show "$name"
    elif [ ! -s "$tmp/$name.err" ]; then
        not_ok "1: usage: $name" "nothing on stderr (args: $*)"
    elif [ -s "$tmp/$name.out" ]; then
        not_ok "1: usage: $name" "something on stdout (args: $*)"
        show "$name"
    else
        ok "1: usage: $name exits 2 ($(head -1 "$tmp/$name.err"))"
    fi
}

check_usage() {
    usage_case no-jid --password-env PW --server "$c2s"
    usage_case no-arguments
    usage_case env-and-file --jid alice@localhost --password-env PW --password-file /dev/null \
        --server "$c2s"
    usage_case adapter-unknown --jid alice@localhost --password-env PW --adapter kqueue
    # Every adapter checks the rest of the command line the same way.
    usage_case adapter-epoll-tls-bogus --jid alice@localhost --password-env PW --adapter epoll \
        --tls bogus
    usage_case adapter-asio-tls-bogus --jid alice@localhost --password-env PW --adapter asio \
        --tls bogus
    usage_case tls-bogus --jid alice@localhost --password-env PW --tls bogus
    usage_case component-no-server --component component.localhost --secret-env SECRET
    usage_case unknown-flag --jid alice@localhost --password-env PW --bogus
    usage_case stray-argument --jid alice@localhost --password-env PW stray

    local status=0
    timeout 5 "$chat" --help </dev/null >"$tmp/help.txt" 2>"$tmp/help.err" || status=$?
    if [ "$status" = 0 ] && grep -q '^usage: xmpp-chat --jid JID' "$tmp/help.txt" &&
        grep -q -- '--component DOMAIN --secret-env VAR --server HOST:PORT' "$tmp/help.txt" &&
        [ ! -s "$tmp/help.err" ]; then
        ok "1: --help exits 0 with the usage on stdout"
    else
        not_ok "1: --help exits 0 with the usage on stdout" "status $status"
        sed 's/^/#   /' "$tmp/help.txt" "$tmp/help.err" | head -20
    fi
}

# ---------------------------------------------------------------------------------------------
# 2. A message between two running processes.
check_message() {
    client bob2 bob b2
    if online bob2 "2: bob online"; then
        check_event_mechanism bob2
        client alice2 alice a2
        send alice2 '{"to":"bob@localhost/b2","body":"hello bob ☃ <&> \"q\"","id":"m1"}'
        wait_for bob2 10 'has(ev, event="message", id="m1")'
        wait_for alice2 10 'has(ev, event="acked", id="m1")'
    fi
    finish alice2 bob2
    expect "2: bob gets the message from alice's full JID, id m1, type chat, body" bob2 \
        'has(ev, event="message", **{"from": "alice@localhost/a2"}, id="m1", type="chat",
             body="hello bob ☃ <&> \"q\"")'
    expect "2: alice's first event is online, resumed false, with her full JID" alice2 \
        'len(ev) > 0 and match(ev[0], dict(event="online", jid="alice@localhost/a2", resumed=False))'
    expect "2: alice gets acked m1" alice2 'count(ev, event="acked", id="m1") == 1'
    expect "2: nothing unconfirmed" alice2 'not has(ev, event="unconfirmed")'
    expect "2: alice's last event is disconnected local_close" alice2 \
        'len(ev) > 0 and match(ev[-1], dict(event="disconnected", reason="local_close"))'
    expect_status "2: alice exits 0" alice2 0
    expect_status "2: bob exits 0" bob2 0
}

# check_event_mechanism RUN: RUN (online) waits the way its adapter does: an epoll instance among
# its descriptors with --adapter epoll, none with posix (poll(); neither OpenSSL nor c-ares makes
# one), so the epoll runs of this script cannot silently fall back to another driver. Asio's
# io_context on Linux is an epoll instance too, with a timerfd for its timers (the epoll loop
# has none).
check_event_mechanism() {
    local chat_pid epoll_fds timer_fds
    chat_pid=$(ps -o pid= --ppid "${pid_of[$1]}" | tr -d ' ' | head -1)
    epoll_fds=$(find "/proc/$chat_pid/fd" -lname 'anon_inode:\[eventpoll\]' 2>/dev/null | wc -l)
    timer_fds=$(find "/proc/$chat_pid/fd" -lname 'anon_inode:\[timerfd\]' 2>/dev/null | wc -l)
    if { [ "$adapter" = epoll ] && [ "$epoll_fds" = 1 ]; } ||
        { [ "$adapter" = asio ] && [ "$epoll_fds" = 1 ] && [ "$timer_fds" -ge 1 ]; } ||
        { [ "$adapter" = posix ] && [ -n "$chat_pid" ] && [ -d "/proc/$chat_pid" ] &&
            [ "$epoll_fds" = 0 ]; }; then
        ok "2: the $adapter adapter drives the run ($epoll_fds epoll instance(s))"
    else
        not_ok "2: the $adapter adapter drives the run" \
            "pid '${chat_pid}' has $epoll_fds epoll instance(s)"
    fi
}

# ---------------------------------------------------------------------------------------------
# 3. End of input waits for the acknowledgements (also: --traffic-log, checked in 10, and a
# message without id, which gets no acked event). The messages go to the sender's own resource,
# which is online, so nothing lands in offline storage.
check_drain() {
    local i
    client alice3 alice a3 --traffic-log "$tmp/alice3.traffic"
    for i in 1 2 3 4 5; do
        send alice3 '{"to":"alice@localhost/a3","body":"n'$i'","id":"e'$i'"}'
    done
    send alice3 '{"to":"alice@localhost/a3","body":"no id"}'
    finish alice3
    expect "3: all 5 acked before exit" alice3 \
        'all(count(ev, event="acked", id="e%d" % i) == 1 for i in range(1, 6))'
    expect "3: no acked event for the message without id" alice3 \
        'count(ev, event="acked") == 5'
    expect "3: nothing unconfirmed" alice3 'not has(ev, event="unconfirmed")'
    expect "3: closed gracefully (disconnected local_close last)" alice3 \
        'len(ev) > 0 and match(ev[-1], dict(event="disconnected", reason="local_close"))'
    expect_status "3: exit 0" alice3 0
    check_traffic_log
}

# 10. --traffic-log (written by the run of check 3).
check_traffic_log() {
    local log=$tmp/alice3.traffic
    if [ -s "$log" ] && grep -q '^-- sent [0-9]' "$log" && grep -q '^-- received [0-9]' "$log"; then
        ok "10: --traffic-log has -- sent and -- received headers"
    else
        not_ok "10: --traffic-log has -- sent and -- received headers" \
            "$(head -c 300 "$log" 2>/dev/null | tr '\n' ' ')"
    fi
    if ev traffic "$log" sent 2>/dev/null | grep -q "^<?xml version='1.0'?><stream:stream " &&
        ev traffic "$log" received 2>/dev/null | grep -q "^<?xml version='1.0'?><stream:stream "; then
        ok "10: --traffic-log has the stream headers, both ways"
    else
        not_ok "10: --traffic-log has the stream headers, both ways" \
            "$(head -c 300 "$log" 2>/dev/null | tr '\n' ' ')"
    fi
    if ev traffic "$log" sent 2>/dev/null | grep -q "id='e3'><body>n3</body>"; then
        ok "10: --traffic-log has the stanzas sent"
    else
        not_ok "10: --traffic-log has the stanzas sent" "no message e3 in the sent bytes of $log"
    fi
}

# ---------------------------------------------------------------------------------------------
# 4. {"cmd":"drop"}: the client resumes by itself; nothing lost, nothing doubled. The drop comes
# as soon as the peer has the first message, probably before its acknowledgement: resumption
# must neither lose nor repeat it.
check_drop() {
    client dave4 dave d4
    if online dave4 "4: dave online"; then
        client carol4 carol c4
        if online carol4 "4: carol online"; then
            send carol4 '{"to":"dave@localhost/d4","body":"before drop","id":"d4-1"}'
            wait_for dave4 10 'has(ev, event="message", id="d4-1")'
            send carol4 '{"cmd":"drop"}'
            send carol4 '{"to":"dave@localhost/d4","body":"after drop","id":"d4-2"}'
            wait_for carol4 15 'has(ev, event="online", resumed=True)
                                and has(ev, event="acked", id="d4-2")'
            wait_for dave4 10 'has(ev, event="message", id="d4-2")'
        fi
    fi
    finish carol4
    sleep 0.3  # a late duplicate would arrive now
    finish dave4
    expect "4: disconnected connection_lost, then reconnecting, then online resumed true" carol4 \
        'after(ev, dict(event="disconnected", reason="connection_lost"), dict(event="reconnecting"))
         and after(ev, dict(event="reconnecting"), dict(event="online", resumed=True))'
    expect "4: reconnecting has a number in_ms" carol4 \
        'all(type(e.get("in_ms")) is int and e["in_ms"] >= 0 for e in ev
             if e["event"] == "reconnecting")'
    expect "4: the message after the drop is acked" carol4 'count(ev, event="acked", id="d4-2") == 1'
    expect "4: the message before the drop is acked, nothing unconfirmed" carol4 \
        'count(ev, event="acked", id="d4-1") == 1 and not has(ev, event="unconfirmed")'
    expect "4: one fresh online only, and a resumed one" carol4 \
        'count(ev, event="online", resumed=False) == 1 and count(ev, event="online", resumed=True) == 1'
    expect "4: the peer receives every message exactly once" dave4 \
        'all(count(ev, event="message", id=i) == 1 for i in ("d4-1", "d4-2"))'
    expect_status "4: carol exits 0" carol4 0
    expect_status "4: dave exits 0" dave4 0
}

# ---------------------------------------------------------------------------------------------
# 5. A wrong password is a permanent failure: no reconnection, exit 1, quickly. The input stays
# open, so only the failure can end the run.
check_bad_password() {
    start alice5 15 --jid alice@localhost --resource a5 --password-env BADPW --server "$c2s" \
        --ca-file "$ca"
    wait_for alice5 6 'has(ev, event="disconnected")'
    echo "#   disconnected event seen $(($(now_ms) - ${started_at[alice5]})) ms after the start"
    sleep 0.2
    if kill -0 "${pid_of[alice5]}" 2>/dev/null; then
        not_ok "5: the run ends after the failure" "still running 0.2 s after the disconnection"
        show alice5
        kill -TERM "${pid_of[alice5]}" 2>/dev/null
    fi
    finish alice5
    expect_status "5: wrong password exits 1" alice5 1
    expect "5: an error event, condition not-authorized" alice5 \
        'has(ev, event="error", condition="not-authorized")'
    expect "5: exactly one disconnected, no reconnecting" alice5 \
        'count(ev, event="disconnected") == 1 and not has(ev, event="reconnecting")'
    expect "5: never online" alice5 'not has(ev, event="online")'
    # Not a performance check: a run that retried or hung would be killed at its 15 s timeout
    # (exit 124). The bound leaves room for a loaded CI machine (logins took 5.5 s at load 13).
    if [ "${took_ms[alice5]}" -lt 12000 ]; then
        ok "5: ends by itself, well before its 15 s timeout (${took_ms[alice5]} ms)"
    else
        not_ok "5: ends by itself, well before its 15 s timeout" "took ${took_ms[alice5]} ms"
    fi
}

# ---------------------------------------------------------------------------------------------
# 6. Bad input lines: an error event each, and the session goes on.
check_bad_input() {
    client alice6 alice a6
    send alice6 'this is not json'
    send alice6 '{"to":"bad@@jid","body":"x","id":"bad1"}'
    send alice6 "{\"raw\":\"<message to='alice@localhost/a6'/><message/>\"}"
    send alice6 '{"cmd":"dance"}'
    send alice6 '{"to":"alice@localhost/a6","body":"x","id":"bad2","Body":"y"}'
    send alice6 "{\"raw\":\"<iq type='get' id='bad3'/>\"}"
    send alice6 "{\"raw\":\"<stream:features xmlns:stream='http://etherx.jabber.org/streams'/>\"}"
    send alice6 '{"to":"alice@localhost/a6","body":"still here","id":"good6"}'
    wait_for alice6 10 'has(ev, event="acked", id="good6")'
    finish alice6
    expect "6: not JSON gives bad-json" alice6 \
        'count(ev, event="error", condition="bad-json") == 1'
    expect "6: a bad JID in \"to\" gives bad-jid" alice6 \
        'count(ev, event="error", condition="bad-jid") == 1'
    expect "6: raw XML of two elements gives bad-xml" alice6 \
        'count(ev, event="error", condition="bad-xml") == 1'
    expect "6: an unknown cmd and an unknown key give bad-request" alice6 \
        'count(ev, event="error", condition="bad-request") == 2'
    expect "6: a raw iq get without child gives bad-stanza" alice6 \
        'count(ev, event="error", condition="bad-stanza") == 1'
    expect "6: a raw non-stanza gives not-a-stanza" alice6 \
        'count(ev, event="error", condition="not-a-stanza") == 1'
    expect "6: every error event has a text" alice6 \
        'all(isinstance(e.get("text"), str) and e["text"] for e in ev if e["event"] == "error")'
    expect "6: a valid message after them is acked (and received)" alice6 \
        'has(ev, event="acked", id="good6") and has(ev, event="message", id="good6")'
    expect "6: nothing of the bad lines was sent" alice6 \
        'not any(has(ev, id=i) for i in ("bad1", "bad2", "bad3"))'
    expect_status "6: exit 0" alice6 0
}

# ---------------------------------------------------------------------------------------------
# 7. A raw stanza is sent as given, acked by its id.
check_raw() {
    client bob7 bob x
    if online bob7 "7: bob online"; then
        client alice7 alice a7
        send alice7 "{\"raw\":\"<message to='bob@localhost/x' id='r1'><body>raw</body></message>\"}"
        wait_for bob7 10 'has(ev, event="message", id="r1")'
    fi
    finish alice7 bob7
    expect "7: the raw stanza is acked as r1" alice7 'count(ev, event="acked", id="r1") == 1'
    expect "7: the peer receives it (no type: normal)" bob7 \
        'has(ev, event="message", **{"from": "alice@localhost/a7"}, id="r1", type="normal",
             body="raw")'
    expect_status "7: alice exits 0" alice7 0
    expect_status "7: bob exits 0" bob7 0
}

# ---------------------------------------------------------------------------------------------
# 8. Pings are answered and not shown; other IQ requests are refused with service-unavailable
# and shown.
check_ping() {
    client alice8 alice a8
    if online alice8 "8: alice online"; then
        client bob8 bob b8
        if online bob8 "8: bob online"; then
            send bob8 "{\"raw\":\"<iq type='get' id='ping1' to='alice@localhost/a8'><ping xmlns='urn:xmpp:ping'/></iq>\"}"
            send bob8 "{\"raw\":\"<iq type='get' id='ver1' to='alice@localhost/a8'><query xmlns='jabber:iq:version'/></iq>\"}"
            wait_for bob8 10 'sum(1 for e in ev if e["event"] == "stanza" and "<iq" in e["xml"]
                                  and "from=\x27alice@localhost/a8\x27" in e["xml"]) >= 2'
        fi
    fi
    finish bob8 alice8
    expect "8: the pinger gets an iq result with id ping1" bob8 \
        'any(e["event"] == "stanza" and e["xml"].startswith("<iq")
             and "type=\x27result\x27" in e["xml"] and "id=\x27ping1\x27" in e["xml"] for e in ev)'
    expect "8: the ping is not shown by the pinged" alice8 \
        'not any("ping1" in json.dumps(e) for e in ev)'
    expect "8: another iq get is refused with service-unavailable" bob8 \
        'any(e["event"] == "stanza" and "type=\x27error\x27" in e["xml"]
             and "id=\x27ver1\x27" in e["xml"] and "service-unavailable" in e["xml"] for e in ev)'
    expect "8: the refused iq is shown as a stanza event" alice8 \
        'any(e["event"] == "stanza" and "id=\x27ver1\x27" in e["xml"]
             and "jabber:iq:version" in e["xml"] for e in ev)'
    expect_status "8: alice exits 0" alice8 0
    expect_status "8: bob exits 0" bob8 0
}

# ---------------------------------------------------------------------------------------------
# 9. Component mode (XEP-0114).
check_component() {
    client alice9 alice a9
    if online alice9 "9: alice online"; then
        start comp9 20 --component component.localhost --secret-env SECRET \
            --server "$XMPP_PROSODY_COMPONENT"
        if online comp9 "9: component online"; then
            send comp9 '{"to":"alice@localhost/a9","body":"from component","id":"c1","from":"bot@component.localhost"}'
            send comp9 '{"to":"alice@localhost/a9","body":"from the domain","id":"c2"}'
            send comp9 '{"cmd":"drop"}'
            send comp9 '{"to":"alice@localhost/a9","body":"x","from":"bot@elsewhere.localhost"}'
            wait_for alice9 10 'has(ev, event="message", id="c1") and has(ev, event="message", id="c2")'
        fi
    fi
    finish comp9 alice9
    expect "9: the component prints online with jid component.localhost" comp9 \
        'len(ev) > 0 and match(ev[0], dict(event="online", jid="component.localhost", resumed=False))'
    expect "9: alice receives the message from bot@component.localhost" alice9 \
        'has(ev, event="message", **{"from": "bot@component.localhost"}, id="c1", type="chat",
             body="from component")'
    expect "9: without \"from\" the message comes from the component's domain" alice9 \
        'has(ev, event="message", **{"from": "component.localhost"}, id="c2")'
    expect "9: {\"cmd\":\"drop\"} is refused in component mode (bad-request)" comp9 \
        'count(ev, event="error", condition="bad-request") == 1'
    expect "9: a \"from\" outside the component's domain is refused (bad-jid)" comp9 \
        'count(ev, event="error", condition="bad-jid") == 1'
    expect_status "9: the component exits 0" comp9 0

    start comp9bad 15 --component component.localhost --secret-env BADSECRET \
        --server "$XMPP_PROSODY_COMPONENT"
    wait_for comp9bad 6 'has(ev, event="disconnected")'
    finish comp9bad
    expect_status "9: a wrong secret exits 1" comp9bad 1
    expect "9: a wrong secret never gets online" comp9bad 'not has(ev, event="online")'
}

# ---------------------------------------------------------------------------------------------
# 11. --sm-state: SIGTERM saves the session and leaves without closing the stream; a restart
# within the server's SM timeout (XMPP_PROSODY_SM_TIMEOUT) resumes it, gets what was sent to it
# in between, and learns the fate of what the first run sent. Timing matters here: the restart
# comes as soon as the first run is gone, and everything else waits until it is up.
check_sm_state() {
    local state=$tmp/dave.sm gap state_written=
    client dave11 dave d11 --sm-state "$state" --traffic-log "$tmp/dave11.traffic"
    client carol11 carol c11
    if online dave11 "11: dave online" && online carol11 "11: carol online"; then
        send dave11 '{"to":"dave@localhost/d11","body":"to myself","id":"s1"}'
        wait_for dave11 10 'has(ev, event="message", id="s1")'
        sleep 0.5  # more than the 200 ms between two saves of the state
        # The input stays open until the run is gone: an end of input could close the stream
        # gracefully before the signal (passed on by timeout) arrives.
        kill -TERM "${pid_of[dave11]}"
        reap dave11
    fi
    [ -s "$state" ] && state_written=1
    # While dave's session is detached, carol writes to it: the message arrives either queued by
    # the server for the detached session or, if the restart is quicker, live; once either way.
    send carol11 '{"to":"dave@localhost/d11","body":"while you were away","id":"w1"}'
    client dave11b dave d11 --sm-state "$state"
    gap=$(($(now_ms) - ${ended_at[dave11]:-0}))
    wait_for dave11b 10 'has(ev, event="online")'
    wait_for dave11b 5 'has(ev, event="message", id="w1")'
    finish dave11b carol11
    finish dave11

    expect_status "11: SIGTERM with --sm-state exits 0" dave11 0
    if [ -n "$state_written" ]; then
        ok "11: the state file is written"
    else
        not_ok "11: the state file is written" "$state is missing or empty after the SIGTERM"
    fi
    if [ -s "$tmp/dave11.traffic" ] &&
        ! ev traffic "$tmp/dave11.traffic" sent | grep -q '</stream:stream>'; then
        ok "11: the stream is not closed on SIGTERM"
    else
        not_ok "11: the stream is not closed on SIGTERM" "</stream:stream> sent (or no traffic log)"
        show dave11
    fi
    expect "11: no disconnected event on SIGTERM with --sm-state" dave11 \
        'not has(ev, event="disconnected")'
    echo "#   restarted ${gap} ms after the SIGTERM run ended (server SM timeout: ${XMPP_PROSODY_SM_TIMEOUT} s)"
    expect "11: the restart prints online, resumed true (and no fresh online)" dave11b \
        'has(ev, event="online", jid="dave@localhost/d11", resumed=True)
         and not has(ev, event="online", resumed=False)'
    expect "11: the message sent to the detached session arrives once" dave11b \
        'count(ev, event="message", id="w1") == 1'
    expect "11: what the first run received is not received again" dave11b \
        'not has(ev, event="message", id="s1")'
    cat "$tmp/dave11.out" "$tmp/dave11b.out" >"$tmp/dave11-both.joined"
    expect "11: the message the first run sent is acked once, by one of the runs" \
        "$tmp/dave11-both.joined" \
        'count(ev, event="acked", id="s1") == 1 and not has(ev, event="unconfirmed")'
    expect_status "11: the restarted run exits 0" dave11b 0
    expect_status "11: carol exits 0" carol11 0
}

# 12. Other ways to connect: direct TLS (XEP-0368) with the password from a file, and a session
# without stream management (no acked events; end of input ends it once everything is written).
check_options() {
    printf 's3cret\n' >"$tmp/password"
    start alice12 20 --jid alice@localhost/a12 --password-file "$tmp/password" --tls direct \
        --server "$XMPP_PROSODY_TLS" --ca-file "$ca"
    client alice12n alice a12n --no-sm
    send alice12 '{"to":"alice@localhost/a12","body":"direct","id":"t1"}'
    send alice12n '{"to":"alice@localhost/a12n","body":"no sm","id":"n1"}'
    wait_for alice12n 10 'has(ev, event="message", id="n1")'
    finish alice12n
    wait_for alice12 10 'has(ev, event="acked", id="t1")'
    finish alice12
    expect "12: --tls direct with --password-file: online with the resource of --jid" alice12 \
        'len(ev) > 0 and match(ev[0], dict(event="online", jid="alice@localhost/a12", resumed=False))'
    expect "12: --tls direct: the message is received and acked" alice12 \
        'has(ev, event="message", id="t1", body="direct") and count(ev, event="acked", id="t1") == 1'
    expect_status "12: --tls direct exits 0" alice12 0
    expect "12: --no-sm: the message goes through" alice12n 'has(ev, event="message", id="n1")'
    expect "12: --no-sm: no acked or unconfirmed events" alice12n \
        'not has(ev, event="acked") and not has(ev, event="unconfirmed")'
    expect "12: --no-sm: a graceful close at end of input" alice12n \
        'len(ev) > 0 and match(ev[-1], dict(event="disconnected", reason="local_close"))'
    expect_status "12: --no-sm exits 0" alice12n 0
    # Not a performance check: with SM xmpp-chat may wait up to its 30 s drain limit for acks at
    # end of input; without SM there is nothing to wait for. 20 s separates the two even on a
    # loaded CI machine.
    if [ "${took_ms[alice12n]:-99999}" -lt 20000 ]; then
        ok "12: --no-sm: end of input ends the run without waiting (${took_ms[alice12n]} ms)"
    else
        not_ok "12: --no-sm: end of input ends the run without waiting" \
            "took ${took_ms[alice12n]:-?} ms from the start"
    fi
}

# 14. Standard input from a regular file (not a pipe: epoll cannot wait for one, poll() reports it
# always readable): every line is read, the messages acked, end of file ends the run.
check_file_input() {
    local status=0 started args
    printf '%s\n' '{"to":"alice@localhost/a14","body":"from a file","id":"f1"}' \
        '{"to":"alice@localhost/a14","body":"again","id":"f2"}' >"$tmp/input14.jsonl"
    mapfile -d '' -t args < <(with_adapter --jid alice@localhost --resource a14 \
        --password-env PW --server "$c2s" --ca-file "$ca")
    started=$(now_ms)
    timeout 20 "$chat" "${args[@]}" <"$tmp/input14.jsonl" >"$tmp/alice14.out" \
        2>"$tmp/alice14.err" || status=$?
    status_of[alice14]=$status
    took_ms[alice14]=$(($(now_ms) - started))
    expect "14: input from a file: both messages received and acked" alice14 \
        'all(has(ev, event="message", id=i) and count(ev, event="acked", id=i) == 1
             for i in ("f1", "f2"))'
    expect "14: input from a file: a graceful close at end of file" alice14 \
        'len(ev) > 0 and match(ev[-1], dict(event="disconnected", reason="local_close"))'
    expect_status "14: input from a file: exit 0" alice14 0
}

# ---------------------------------------------------------------------------------------------
script_start=$(now_ms)
echo "# adapter: $adapter"

group g1 check_usage
group g2 check_message
group g3 check_drain
group g4 check_drop
group g5 check_bad_password
group g6 check_bad_input
group g7 check_raw
group g8 check_ping
group g9 check_component
group g11 check_sm_state
group g12 check_options
group g14 check_file_input
for pid in "${group_pids[@]}"; do wait "$pid"; done
group_pids=()
for g in "${groups_started[@]}"; do
    [ -e "$tmp/$g.done" ] || not_ok "group $g ran to its end" "it stopped early" >>"$tmp/$g.log"
done

# 13. Every line every run printed on stdout is a JSON object with an "event".
outs=("$tmp"/*.out)
if result=$(ev valid "${outs[@]}"); then
    ok "13: every stdout line of all ${#outs[@]} runs is valid JSON ($result)" >"$tmp/g13.log"
else
    not_ok "13: every stdout line of all runs is valid JSON" \
        "$(echo "$result" | tr '\n' ';')" >"$tmp/g13.log"
fi

for g in 1 2 3 4 5 6 7 8 9 11 12 14 13; do cat "$tmp/g$g.log"; done
passed=$(cat "$tmp"/g*.log | grep -c '^ok - ')
failed=$(cat "$tmp"/g*.log | grep -c '^not ok - ')
elapsed=$(($(now_ms) - script_start))
echo "# $passed passed, $failed failed, $((passed + failed)) checks in $((elapsed / 1000)).$(((elapsed % 1000) / 100)) s"
if [ "$failed" -gt 0 ]; then
    sort -s -n "$tmp/failed.list" | sed 's/^/# failed: /'
    exit 1
fi
exit 0
