#!/usr/bin/env bash
# Run a command against private Prosody and/or ejabberd instances.
#
# Usage:
#   tests/interop/with-servers.sh [--prosody] [--ejabberd] [--sm-timeout SECONDS]
#                                 -- COMMAND ARGS...
#
# Starts the requested servers side by side (prosody.sh / ejabberd.sh, on free loopback ports
# picked by `--ports auto`, in a fresh mktemp -d directory under /tmp), runs COMMAND with
#
#   XMPP_PROSODY_C2S        127.0.0.1:PORT  STARTTLS (c2s_require_encryption)
#   XMPP_PROSODY_TLS        127.0.0.1:PORT  direct TLS (XEP-0368)
#   XMPP_PROSODY_COMPONENT  127.0.0.1:PORT  XEP-0114, component.localhost / s3cret-component
#   XMPP_PROSODY_CA         the server's self-signed certificate (SAN localhost and
#                           component.localhost), to be used as the CA file
#   XMPP_PROSODY_SM_TIMEOUT seconds a detached XEP-0198 session stays resumable
#   XMPP_PROSODY_DIR        the instance's directory (configuration, logs)
#
# and the same XMPP_EJABBERD_* set in its environment (only for the servers requested),
# then stops the servers, removes the directory and exits with COMMAND's status. Accounts on
# both: alice, bob, carol, dave @localhost, password s3cret. --sm-timeout defaults to 5.
#
# A server that does not start is an error (exit 1, with its log on stderr), never a skip:
# the servers are what is being tested against. Needs root (ejabberdctl su's to the ejabberd
# user, which must be able to traverse the directory: hence /tmp; WITH_SERVERS_TMPDIR
# overrides the parent directory, which must be traversable by that user too).
#
# Clean-up happens however the run ends: normal exit, COMMAND failing, a server failing to
# start, SIGINT/SIGTERM/SIGHUP (COMMAND, run in the background so that a signal is handled at
# once, is sent SIGTERM), and even SIGKILL: a watchdog in a session of its own stops the
# servers when this script disappears without having done so. That covers `meson test`
# timeouts, which SIGTERM the test's process group and SIGKILL it 0.5 s later; the servers are
# not in that group (they run under setsid, and su puts ejabberd in a session of its own).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd -P)
. "$here/lib.sh"

usage() {
    echo "usage: $0 [--prosody] [--ejabberd] [--sm-timeout SECONDS] -- COMMAND ARGS..." >&2
    exit 2
}

servers=()
sm_timeout=5
while [ $# -gt 0 ]; do
    case $1 in
        --prosody) servers+=(prosody); shift;;
        --ejabberd) servers+=(ejabberd); shift;;
        --sm-timeout) [ $# -ge 2 ] || usage; sm_timeout=$2; shift 2;;
        --) shift; break;;
        *) usage;;
    esac
done
[ ${#servers[@]} -gt 0 ] && [ $# -gt 0 ] || usage

work=
cmd_pid=
watchdog_pid=
declare -A start_pids=()

# Each server's start script and stop script run in the background, so both servers start
# (and stop) side by side.
stop_servers() {
    local name log pids=()
    for name in "${servers[@]}"; do
        log=/dev/null
        [ -d "$work" ] && log=$work/$name.stop.log
        "$here/$name.sh" stop "$work/$name" >>"$log" 2>&1 &
        pids+=($!)
    done
    [ ${#pids[@]} -eq 0 ] || wait "${pids[@]}"
}

cleanup() {
    local status=$?
    trap '' INT TERM HUP  # a second Ctrl-C must not leave the servers half stopped
    if [ -n "$cmd_pid" ] && alive "$cmd_pid"; then
        kill -TERM "$cmd_pid" 2>/dev/null
        wait_gone 50 "$cmd_pid" || kill -KILL "$cmd_pid" 2>/dev/null
    fi
    # A start script still running would launch its server after we stopped it; its process
    # group (see below) includes what it runs at the moment (openssl, prosodyctl, sleep).
    local name
    for name in "${!start_pids[@]}"; do
        stop_group 20 "${start_pids[$name]}"
    done
    [ ${#start_pids[@]} -eq 0 ] || wait "${start_pids[@]}" 2>/dev/null
    if [ -n "$work" ]; then
        stop_servers
        rm -rf "$work"
    fi
    # The watchdog leads its own process group (setsid); the group includes its `sleep`.
    [ -z "$watchdog_pid" ] || kill -TERM -- "-$watchdog_pid" 2>/dev/null
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

work=$(mktemp -d "${WITH_SERVERS_TMPDIR:-/tmp}/xmpp-sansio-servers.XXXXXX") \
    || { echo "$0: mktemp failed" >&2; exit 1; }
chmod 755 "$work"  # user ejabberd must traverse it

# The watchdog: polls for this script; once it is gone, stops what is still starting (process
# groups in $work/*.start.pgid) and the servers, and removes $work - all no-ops after a normal
# clean-up, which ends by killing the watchdog anyway. Its stdio is /dev/null so that it does
# not hold the pipes of whoever reads our output (meson waits for EOF on them).
setsid bash -c '
    . "$3/lib.sh"
    while alive "$1"; do sleep 0.5; done
    for f in "$2"/*.start.pgid; do
        [ -s "$f" ] && stop_group 20 "$(cat "$f")"
    done
    for s in $4; do "$3/$s.sh" stop "$2/$s"; done
    rm -rf "$2"
' with-servers-watchdog "$$" "$work" "$here" "${servers[*]}" </dev/null >/dev/null 2>&1 &
watchdog_pid=$!

# Each start script leads a process group of its own (setsid), so that an interrupted start
# can be stopped together with whatever it runs at that moment.
declare -A server_of=()
for name in "${servers[@]}"; do
    setsid "$here/$name.sh" start "$work/$name" --ports auto --sm-timeout "$sm_timeout" \
        >"$work/$name.start.log" 2>&1 </dev/null &
    start_pids[$name]=$!
    server_of[$!]=$name
    echo "$!" >"$work/$name.start.pgid"
done

# In the order they finish, so that the first failure ends the run at once (cleanup stops the
# other server, whether it is up or still starting).
while [ ${#start_pids[@]} -gt 0 ]; do
    wait -n -p done_pid "${start_pids[@]}"
    status=$?
    name=${server_of[$done_pid]}
    unset "start_pids[$name]"
    rm -f "$work/$name.start.pgid"
    [ "$status" -eq 0 ] && continue
    {
        echo "with-servers.sh: $name failed to start (status $status):"
        sed 's/^/  /' "$work/$name.start.log"
        for log in "$work/$name/prosody.stdout" "$work/$name/prosody.log" \
            "$work/$name/ejabberd.stdout" "$work/$name/logs/ejabberd.log" \
            "$work/$name/logs/error.log"; do
            [ -s "$log" ] || continue
            echo "--- last lines of $log:"
            tail -n 25 "$log" | sed 's/^/  /'
        done
    } >&2
    exit 1
done

for name in "${servers[@]}"; do
    # shellcheck disable=SC1090
    . "$work/$name/ports.env"
    prefix=XMPP_${name^^}
    export "${prefix}_C2S=127.0.0.1:$C2S_PORT"
    export "${prefix}_TLS=127.0.0.1:$TLS_PORT"
    export "${prefix}_COMPONENT=127.0.0.1:$COMPONENT_PORT"
    export "${prefix}_CA=$work/$name/certs/localhost.crt"
    export "${prefix}_SM_TIMEOUT=$sm_timeout"
    export "${prefix}_DIR=$work/$name"
done
unset C2S_PORT TLS_PORT COMPONENT_PORT DIST_PORT

# In the background, so that a signal to this script is acted on at once rather than when
# COMMAND ends. Background commands of a non-interactive shell ignore SIGINT, so on Ctrl-C
# cleanup sends COMMAND SIGTERM; stdin is passed on explicitly (it would be /dev/null).
"$@" <&0 &
cmd_pid=$!
wait "$cmd_pid"
status=$?
cmd_pid=
exit "$status"
