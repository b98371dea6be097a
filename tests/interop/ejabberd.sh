#!/usr/bin/env bash
# Private ejabberd 23.01 instance for interop tests / transcript recording.
#
# Usage:
#   tests/interop/ejabberd.sh start DIR [--c2s-port N] [--tls-port N]
#                                       [--component-port N] [--dist-port N]
#                                       [--ports auto] [--sm-timeout SECONDS]
#   tests/interop/ejabberd.sh stop   DIR
#   tests/interop/ejabberd.sh status DIR
#   tests/interop/ejabberd.sh ctl    DIR ARGS...   (any ejabberdctl command)
#
# Ports may also come from the environment: C2S_PORT (STARTTLS, default
# 16222), TLS_PORT (direct TLS, default 16223), COMPONENT_PORT (XEP-0114,
# default 16347), DIST_PORT (Erlang distribution, default 16369).  Every
# listener binds to 127.0.0.1 only; no epmd is started or used.  `--ports
# auto` picks four free ports instead (tests/interop/lib.sh), for several
# instances at once.  Either way `start` writes the ports used to
# DIR/ports.env (C2S_PORT=... TLS_PORT=... COMPONENT_PORT=... DIST_PORT=...)
# for callers to source.  `--sm-timeout` (or SM_TIMEOUT, default 10) is
# mod_stream_mgmt's resume_timeout.
#
# `start` writes DIR/ejabberd.yml + DIR/ejabberdctl.cfg + DIR/inetrc, a
# self-signed certificate (SAN localhost + component.localhost, DIR/certs/
# localhost.crt is usable as a CA file), starts `ejabberdctl ... foreground`
# in the background (logs in DIR/logs, mnesia spool in DIR/spool, pid file
# DIR/ejabberd.pid), registers alice, bob, carol and dave (password s3cret)
# and prints "ready".  `stop` sends SIGTERM to the beam process and waits for
# it to exit (SIGKILL after 15 s).
#
# What running ejabberd privately takes (Debian ejabberd 23.01-1, OTP 25):
#  * /usr/sbin/ejabberdctl, when run as root, always re-executes the VM via
#    `su ejabberd` (INSTALLUSER is hard-coded, checked before the options are
#    parsed), after `cd SPOOL_DIR`.  So DIR is chown'ed to ejabberd and every
#    parent directory must be traversable by that user (/tmp is fine).
#  * `--config-dir DIR` makes it read DIR/ejabberd.yml, DIR/ejabberdctl.cfg
#    (a shell fragment that is sourced, so it can set ERLANG_NODE,
#    ERL_DIST_PORT, ERL_OPTIONS, EJABBERD_PID_PATH ...) and DIR/inetrc
#    (ERL_INETRC).  --logs and --spool set the log and mnesia directories.
#  * ERL_DIST_PORT=N makes ejabberdctl pass `-erl_epmd_port N -start_epmd
#    false` to the node and `-dist_listen false` to the ctl client, so the
#    node listens on a fixed port and no epmd is needed.  (Without it, even
#    `service ejabberd stop` on a stopped system instance spawns a system
#    epmd on 0.0.0.0:4369 that stays behind.)
#  * `-kernel inet_dist_use_interface {127,0,0,1}` in ERL_OPTIONS binds the
#    distribution listener to loopback; `-setcookie` avoids depending on
#    /var/lib/ejabberd/.erlang.cookie (su keeps HOME=/var/lib/ejabberd).
#  * Node name: short name sansio_ejabberd@localhost, unique per DIST port.
#  * Listener `backlog` is an option of every listener (default 128 in
#    23.01; raised to 1024 here).
#  * `auth_password_format: plain` keeps clear-text passwords so ejabberd can
#    offer SCRAM-SHA-1/256/512 (+ -PLUS) as well as PLAIN; with the default
#    `scram` format only the SCRAM hash the password was stored with is
#    offered.
#  * ejabberdctl commands (register, status, stop) need the node up; the ctl
#    client is itself an Erlang VM (~0.5 s each).
#  * The VM handles SIGTERM as init:stop(): ejabberd stops cleanly in ~0.1 s,
#    whereas `ejabberdctl stop` first boots a ctl VM and takes ~4 s overall.
#  * resume_timeout accepts small values: with 3 the <enabled/> answer
#    carries max='3' (checked with an SM-enabling client).
#  * Every ejabberdctl command boots a client VM (~0.5 s, more when several
#    run at once on few CPUs), and the client's node name is "XYZ-ctl-<node>"
#    with XYZ only 3 random hex digits, so parallel calls can clash.  So the
#    accounts are not registered through ejabberdctl but by the server VM
#    itself, through EJABBERD_OPTS (see write_config).
#  * ejabberdctl passes ERL_OPTIONS and DIR/vm.args (-args_file) to its
#    client VMs as well: anything put there to run in the server (`-s`,
#    `-eval`) also runs in every ejabberdctl command.  EJABBERD_OPTS from
#    ejabberdctl.cfg reaches the server only.
#  * Start-up to "ready" takes ~2 s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

die() { echo "ejabberd.sh: $*" >&2; exit 1; }

mode=${1:-}; dir=${2:-}
[ -n "$mode" ] && [ -n "$dir" ] || die "usage: $0 start|stop|status|ctl DIR [options]"
shift 2
C2S_PORT=${C2S_PORT:-16222}
TLS_PORT=${TLS_PORT:-16223}
COMPONENT_PORT=${COMPONENT_PORT:-16347}
DIST_PORT=${DIST_PORT:-16369}
SM_TIMEOUT=${SM_TIMEOUT:-10}
auto_ports=
if [ "$mode" = start ]; then
    while [ $# -gt 0 ]; do
        case $1 in
            --c2s-port) C2S_PORT=$2; shift 2;;
            --tls-port) TLS_PORT=$2; shift 2;;
            --component-port) COMPONENT_PORT=$2; shift 2;;
            --dist-port) DIST_PORT=$2; shift 2;;
            --ports) [ "$2" = auto ] || die "--ports takes only 'auto'"; auto_ports=1; shift 2;;
            --sm-timeout) SM_TIMEOUT=$2; shift 2;;
            *) die "unknown option $1";;
        esac
    done
    case $SM_TIMEOUT in ''|*[!0-9]*|0) die "--sm-timeout wants whole seconds > 0, not '$SM_TIMEOUT'";; esac
fi

command -v ejabberdctl >/dev/null || die "ejabberd not installed (apt-get install -y ejabberd)"
getent passwd ejabberd >/dev/null || die "no ejabberd system user"
# `stop` must also work when DIR is gone (removed under a running server): it then finds the
# server processes by the paths on their command lines, so the path is kept as given.
[ "$mode" = start ] && mkdir -p "$dir"
[ -d "$dir" ] && dir=$(cd "$dir" && pwd -P)
pidfile=$dir/ejabberd.pid

running_pid() {
    [ -s "$pidfile" ] || return 1
    local pid; pid=$(cat "$pidfile")
    alive "$pid" && echo "$pid"
}
ctl() {
    ejabberdctl --config-dir "$dir" --logs "$dir/logs" --spool "$dir/spool" "$@"
}

make_cert() {
    mkdir -p "$dir/certs"
    [ -s "$dir/certs/localhost.pem" ] && return 0
    # The same certificate profile as prosody.sh (see there): explicit, self-signed, CA:TRUE.
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
    cat "$dir/certs/localhost.crt" "$dir/certs/localhost.key" > "$dir/certs/localhost.pem"
    chmod 600 "$dir/certs/localhost.key" "$dir/certs/localhost.pem"
}

write_config() {
    mkdir -p "$dir/logs" "$dir/spool"
    # Persisted so that stop/status/ctl use the same ports as start.
    if [ "$mode" = start ]; then
        cat > "$dir/ejabberdctl.cfg" <<CFG
# generated by tests/interop/ejabberd.sh (sourced by /usr/sbin/ejabberdctl)
ERLANG_NODE=sansio_ejabberd@localhost
ERL_DIST_PORT=$DIST_PORT
ERL_EPMD_ADDRESS=127.0.0.1
ERL_OPTIONS="-setcookie sansio_interop_cookie -kernel inet_dist_use_interface {127,0,0,1} -env ERL_CRASH_DUMP_BYTES 0"
EJABBERD_PID_PATH=$pidfile
EJABBERD_BYPASS_WARNINGS=true
CONTRIB_MODULES_PATH=$dir/contrib
CONTRIB_MODULES_CONF_DIR=$dir/contrib/conf
CFG
        # The accounts are registered by the server VM itself, saving a client VM per account
        # (see the header). ejabberdctl starts the server with
        #   erl ... -mnesia dir "SPOOL" -ejabberd $EJABBERD_OPTS log_rotate_count 0 -s ejabberd
        # (unquoted, so split at blanks but with quotes kept literally). The value below
        # closes that -ejabberd (application environment) list with a -s ejabberd of its own,
        # so that ejabberd runs before the -eval - ejabberd:start/0 is
        # application:ensure_all_started(ejabberd), which makes the later -s ejabberd a no-op
        # - and then reopens -ejabberd for the log_rotate_count pair that follows.
        # try_register/3 answers ok or {error,exists} (when DIR is started again); the list
        # of answers goes to DIR/accounts.result, which `start` waits for.
        local users='<<"alice">>,<<"bob">>,<<"carol">>,<<"dave">>'
        local register="[ejabberd_auth:try_register(U,<<\"localhost\">>,<<\"s3cret\">>)||U<-[$users]]"
        local eval="file:write_file(\"$dir/accounts.result\",io_lib:format(\"~w.~n\",[$register]))"
        echo "EJABBERD_OPTS='-s ejabberd -eval $eval -ejabberd'" >> "$dir/ejabberdctl.cfg"
        cat > "$dir/inetrc" <<'CFG'
{lookup,["file","native"]}.
{host,{127,0,0,1}, ["localhost"]}.
CFG
        cat > "$dir/ejabberd.yml" <<CFG
# generated by tests/interop/ejabberd.sh
loglevel: info
log_rotate_count: 0
hosts:
  - localhost
certfiles:
  - "$dir/certs/localhost.pem"
language: en
auth_method: internal
auth_password_format: plain
listen:
  -
    port: $C2S_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    backlog: 1024
    max_stanza_size: 262144
    access: c2s
    starttls: true
    starttls_required: true
  -
    port: $TLS_PORT
    ip: "127.0.0.1"
    module: ejabberd_c2s
    backlog: 1024
    max_stanza_size: 262144
    access: c2s
    tls: true
  -
    port: $COMPONENT_PORT
    ip: "127.0.0.1"
    module: ejabberd_service
    backlog: 1024
    hosts:
      "component.localhost":
        password: "s3cret-component"
acl:
  local:
    user_regexp: ""
  loopback:
    ip:
      - 127.0.0.0/8
access_rules:
  local:
    allow: local
  c2s:
    allow: all
api_permissions:
  "console commands":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
shaper_rules:
  max_user_sessions: 10
modules:
  mod_disco: {}
  mod_ping: {}
  mod_roster: {}
  mod_stream_mgmt:
    resume_timeout: $SM_TIMEOUT
CFG
    fi
    chown -R ejabberd:ejabberd "$dir"
    su -s /bin/sh -c 'test -r "$0"' ejabberd "$dir/ejabberd.yml" \
        || die "user ejabberd cannot read $dir (parent directories not traversable?)"
}

case $mode in
start)
    # The directory ends up inside an Erlang string in vm.args (see write_config).
    case $dir in *[!A-Za-z0-9._/-]*) die "DIR must be a plain path ([A-Za-z0-9._/-]): $dir";; esac
    if pid=$(running_pid); then die "already running (pid $pid)"; fi
    if [ -n "$auto_ports" ]; then
        read -r C2S_PORT TLS_PORT COMPONENT_PORT DIST_PORT < <(pick_free_ports 4) \
            && [ -n "$DIST_PORT" ] || die "could not pick free ports"
    fi
    for p in "$C2S_PORT" "$TLS_PORT" "$COMPONENT_PORT" "$DIST_PORT"; do
        port_open "$p" && die "port $p already in use"
    done
    printf 'C2S_PORT=%s\nTLS_PORT=%s\nCOMPONENT_PORT=%s\nDIST_PORT=%s\n' \
        "$C2S_PORT" "$TLS_PORT" "$COMPONENT_PORT" "$DIST_PORT" > "$dir/ports.env"
    make_cert
    write_config
    rm -f "$pidfile" "$dir/accounts.result"
    setsid ejabberdctl --config-dir "$dir" --logs "$dir/logs" --spool "$dir/spool" \
        foreground >"$dir/ejabberd.stdout" 2>&1 </dev/null &
    echo $! > "$dir/ejabberd.launcher.pid"
    up=
    for _ in $(seq 1 300); do
        if port_open "$C2S_PORT" && port_open "$TLS_PORT" && port_open "$COMPONENT_PORT" \
            && [ -s "$dir/accounts.result" ]; then
            up=1; break
        fi
        alive "$(cat "$dir/ejabberd.launcher.pid")" \
            || { tail -20 "$dir/ejabberd.stdout" >&2; die "ejabberd exited"; }
        sleep 0.1
    done
    [ -n "$up" ] || die "ejabberd did not come up; see $dir/logs/ejabberd.log"
    # One result per account: ok, or {error,exists} when DIR is started again.
    result=$(tr -d ' \n' <"$dir/accounts.result")
    [[ $result =~ ^\[((ok|\{error,exists\}),?)+\]\.$ ]] \
        || die "registering the accounts failed: $result"
    echo ready
    ;;
stop)
    # SIGTERM to the VM is a clean init:stop(); su and the sh between it and the VM exit with it.
    if pid=$(running_pid); then
        stop_pids 150 "$pid"
        lpid=$( [ -s "$dir/ejabberd.launcher.pid" ] && cat "$dir/ejabberd.launcher.pid" ) || true
        [ -z "$lpid" ] || wait_gone 30 "$lpid" || true
    fi
    # Before ejabberd has written its pid file (start interrupted early) the VM, su and sh
    # above it, and ejabberdctl above them are found by the spool directory on their command
    # lines (-mnesia dir "DIR/spool", --spool DIR/spool). Stopping su or ejabberdctl alone
    # would not do: the VM runs in a session of its own below su, and an ejabberdctl caught
    # before it ran su would still start it.
    stop_stragglers "$dir/spool"
    rm -f "$pidfile" "$dir/ejabberd.launcher.pid"
    echo stopped
    ;;
status)
    if pid=$(running_pid); then echo "running (pid $pid)"; ctl status || true
    else echo stopped; exit 1; fi
    ;;
ctl)
    ctl "$@"
    ;;
*) die "unknown mode $mode" ;;
esac
