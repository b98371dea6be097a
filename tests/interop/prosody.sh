#!/usr/bin/env bash
# Private Prosody 0.12 instance for interop tests / transcript recording.
#
# Usage:
#   tests/interop/prosody.sh start DIR [--c2s-port N] [--tls-port N]
#                                      [--component-port N] [--ports auto]
#                                      [--sm-timeout SECONDS]
#                                      [--conflict-resolve POLICY]
#   tests/interop/prosody.sh stop  DIR
#   tests/interop/prosody.sh status DIR
#
# Ports may also come from the environment: C2S_PORT (STARTTLS, default
# 15222), TLS_PORT (direct TLS, XEP-0368, default 15223), COMPONENT_PORT
# (XEP-0114, default 15347).  Everything binds to 127.0.0.1 only.
# `--ports auto` picks three free ports instead (tests/interop/lib.sh), for
# several instances at once.  Either way `start` writes the ports used to
# DIR/ports.env (C2S_PORT=... TLS_PORT=... COMPONENT_PORT=...), for callers
# to source.  `--sm-timeout` (or SM_TIMEOUT, default 10) is how long a
# session that lost its connection stays resumable (XEP-0198 hibernation).
#
# `start` writes DIR/prosody.cfg.lua, a self-signed certificate
# (DIR/certs/localhost.{crt,key}, SAN localhost + component.localhost; it is
# its own trust anchor, usable as a CA file), registers alice, bob, carol and
# dave (password s3cret), launches prosody in the background
# (foreground process, not daemonised, own pid file DIR/prosody.pid, logs
# DIR/prosody.log + DIR/prosody.stdout) and prints "ready" once the c2s port
# accepts TCP connections.  `stop` sends SIGTERM to that pid and waits.
#
# Facts verified with Debian's prosody 0.12.3-1+deb12u1:
#  * `prosody --version` is NOT a version query: unknown options are ignored
#    and it starts the system instance.  Use `dpkg -s prosody`.
#  * As root Prosody switches to the `prosody` user (startup.lua) unless
#    `run_as_root = true`; mod_posix also refuses root without it.
#  * The pid file is written by mod_posix (auto-loaded as the "platform"
#    module) also when daemonize = false.
#  * `prosodyctl --config FILE register USER HOST PASS` writes straight into
#    data_path; the server does not have to be running.
#  * conflict_resolve (per host, default "kick_old") decides what a second
#    bind of the same resource does: kick_old closes the old session with a
#    <conflict/> stream error; kick_new answers the new bind with an
#    <iq type='error'> <conflict/>; also "random" and "increment".
#  * smacks_hibernation_time is the resumption timeout; the <enabled/> answer
#    carries it as max='N'.
#  * Direct TLS (c2s_direct_tls_ports) uses the same certificate; over TLS 1.2
#    SCRAM-SHA-1-PLUS is offered (channel binding tls-unique), over TLS 1.3
#    it is not (0.12 has no tls-exporter).
#  * SIGTERM: prosody closes its sessions and exits within ~0.1 s.  It is
#    then a zombie until init reaps it (the start script that launched it has
#    exited), which some container inits take a second or more to do: so
#    "gone" means alive() in lib.sh, not kill -0.
#  * Start-up takes ~0.5 s (certificate, four prosodyctl, the server).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

die() { echo "prosody.sh: $*" >&2; exit 1; }

mode=${1:-}; dir=${2:-}
[ -n "$mode" ] && [ -n "$dir" ] || die "usage: $0 start|stop|status DIR [options]"
shift 2
C2S_PORT=${C2S_PORT:-15222}
TLS_PORT=${TLS_PORT:-15223}
COMPONENT_PORT=${COMPONENT_PORT:-15347}
CONFLICT_RESOLVE=${CONFLICT_RESOLVE:-kick_old}
SM_TIMEOUT=${SM_TIMEOUT:-10}
auto_ports=
while [ $# -gt 0 ]; do
    case $1 in
        --c2s-port) C2S_PORT=$2; shift 2;;
        --tls-port) TLS_PORT=$2; shift 2;;
        --component-port) COMPONENT_PORT=$2; shift 2;;
        --ports) [ "$2" = auto ] || die "--ports takes only 'auto'"; auto_ports=1; shift 2;;
        --sm-timeout) SM_TIMEOUT=$2; shift 2;;
        --conflict-resolve) CONFLICT_RESOLVE=$2; shift 2;;
        *) die "unknown option $1";;
    esac
done
case $SM_TIMEOUT in ''|*[!0-9]*|0) die "--sm-timeout wants whole seconds > 0, not '$SM_TIMEOUT'";; esac

command -v prosody >/dev/null || die "prosody not installed (apt-get install -y prosody)"
# `stop` must also work when DIR is gone (removed under a running server): it then finds the
# server processes by the paths on their command lines, so the path is kept as given.
[ "$mode" = start ] && mkdir -p "$dir"
[ -d "$dir" ] && dir=$(cd "$dir" && pwd -P)
cfg=$dir/prosody.cfg.lua
pidfile=$dir/prosody.pid

running_pid() {
    [ -s "$pidfile" ] || return 1
    local pid; pid=$(cat "$pidfile")
    alive "$pid" && echo "$pid"
}

make_cert() {
    mkdir -p "$dir/certs"
    [ -s "$dir/certs/localhost.crt" ] && return 0
    # An explicit config rather than the system openssl.cnf, whose v3_ca section would
    # otherwise decide the extensions. CA:TRUE is not needed for OpenSSL to accept the
    # certificate as its own trust anchor (CA:FALSE or none verify too) but keeps it usable
    # as a CA file by stricter verifiers.
    cat > "$dir/certs/openssl.cnf" <<'CNF'
[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
CN = localhost
[ext]
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
basicConstraints = critical, CA:TRUE
subjectAltName = DNS:localhost, DNS:component.localhost
CNF
    openssl req -x509 -config "$dir/certs/openssl.cnf" -newkey rsa:2048 -sha256 -nodes \
        -days 3650 -keyout "$dir/certs/localhost.key" -out "$dir/certs/localhost.crt" \
        2>"$dir/certs/openssl.err" || { cat "$dir/certs/openssl.err" >&2; die "openssl req failed"; }
    chmod 600 "$dir/certs/localhost.key"
}

write_config() {
    mkdir -p "$dir/data"
    cat > "$cfg" <<CFG
-- generated by tests/interop/prosody.sh
run_as_root = true
daemonize = false
pidfile = "$pidfile"
data_path = "$dir/data"
log = {
    { levels = { min = "debug" }, to = "file", filename = "$dir/prosody.log" };
}
admins = { }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { $C2S_PORT }
c2s_direct_tls_ports = { $TLS_PORT }
component_ports = { $COMPONENT_PORT }
component_interface = "127.0.0.1"
s2s_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = {
    "roster"; "saslauth"; "tls"; "disco"; "ping"; "smacks"; "posix";
}
modules_disabled = { "s2s" }
c2s_require_encryption = true
authentication = "internal_hashed"
storage = "internal"
smacks_hibernation_time = $SM_TIMEOUT
conflict_resolve = "$CONFLICT_RESOLVE"
ssl = {
    certificate = "$dir/certs/localhost.crt";
    key = "$dir/certs/localhost.key";
}
c2s_direct_tls_ssl = {
    certificate = "$dir/certs/localhost.crt";
    key = "$dir/certs/localhost.key";
}

VirtualHost "localhost"
    ssl = {
        certificate = "$dir/certs/localhost.crt";
        key = "$dir/certs/localhost.key";
    }

Component "component.localhost"
    component_secret = "s3cret-component"
CFG
}

case $mode in
start)
    if pid=$(running_pid); then die "already running (pid $pid)"; fi
    if [ -n "$auto_ports" ]; then
        read -r C2S_PORT TLS_PORT COMPONENT_PORT < <(pick_free_ports 3) \
            && [ -n "$COMPONENT_PORT" ] || die "could not pick free ports"
    fi
    for p in "$C2S_PORT" "$TLS_PORT" "$COMPONENT_PORT"; do
        port_open "$p" && die "port $p already in use"
    done
    printf 'C2S_PORT=%s\nTLS_PORT=%s\nCOMPONENT_PORT=%s\n' \
        "$C2S_PORT" "$TLS_PORT" "$COMPONENT_PORT" > "$dir/ports.env"
    make_cert
    write_config
    # One prosodyctl (a Lua start-up, ~0.1 s) per account, run side by side.
    regpids=()
    for u in alice bob carol dave; do
        prosodyctl --config "$cfg" register "$u" localhost s3cret >"$dir/register-$u.out" 2>&1 &
        regpids+=($!)
    done
    for pid in "${regpids[@]}"; do
        wait "$pid" || { cat "$dir/register-"*.out >&2; die "register failed"; }
    done
    rm -f "$dir/register-"*.out "$pidfile"
    setsid prosody --config "$cfg" -F >"$dir/prosody.stdout" 2>&1 </dev/null &
    echo $! > "$dir/prosody.launcher.pid"
    for _ in $(seq 1 100); do
        if port_open "$C2S_PORT" && port_open "$TLS_PORT" && port_open "$COMPONENT_PORT" \
            && [ -s "$pidfile" ]; then
            echo ready
            exit 0
        fi
        alive "$(cat "$dir/prosody.launcher.pid")" \
            || { cat "$dir/prosody.stdout" >&2; die "prosody exited"; }
        sleep 0.1
    done
    die "prosody did not come up; see $dir/prosody.log"
    ;;
stop)
    pids=()
    pid=$(running_pid) && pids+=("$pid")
    lpid=$( [ -s "$dir/prosody.launcher.pid" ] && cat "$dir/prosody.launcher.pid" ) || true
    [ -n "$lpid" ] && alive "$lpid" && pids+=("$lpid")
    [ ${#pids[@]} -eq 0 ] || stop_pids 50 "${pids[@]}"
    # A prosody whose pid was never recorded (start interrupted) is found by its config path.
    stop_stragglers "--config $cfg -F"
    rm -f "$pidfile" "$dir/prosody.launcher.pid"
    echo stopped
    ;;
status)
    if pid=$(running_pid); then echo "running (pid $pid)"; else echo stopped; exit 1; fi
    ;;
*) die "unknown mode $mode" ;;
esac
