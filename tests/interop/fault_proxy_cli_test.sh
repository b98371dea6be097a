#!/usr/bin/env bash
# The command-line contract of xmpp-fault-proxy: the port on the first line, one answer line
# per command, the commands' effects on a real connection, exit statuses.
#
#   fault_proxy_cli_test.sh PATH/TO/xmpp-fault-proxy
#
# The upstream is a small perl echo server (perl-base is on every Debian system).
set -euo pipefail
proxy_bin=$1

fail() { echo "FAIL: $*" >&2; exit 1; }

pids=()
tmp=$(mktemp -d)
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"' EXIT

# Usage errors.
status=0; "$proxy_bin" >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "no arguments: exit status $status, wanted 2"
status=0; "$proxy_bin" 0 127.0.0.1 >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "upstream without port: exit status $status, wanted 2"
status=0; "$proxy_bin" 0 no-such-host.invalid:5222 >/dev/null 2>&1 </dev/null || status=$?
[ "$status" = 1 ] || fail "unresolvable upstream: exit status $status, wanted 1"

# Not a coproc: bash handles one coproc at a time, and the proxy is one.
perl -MIO::Socket::INET -e '
    my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 5,
                                  ReuseAddr => 1) or die "listen: $!";
    $| = 1;
    print $l->sockport, "\n";
    while (my $c = $l->accept) {
        while (1) {
            my $n = sysread($c, my $buf, 4096);
            last unless $n;
            syswrite($c, $buf);
        }
        close $c;
    }' >"$tmp/echo-port" </dev/null &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$tmp/echo-port" ] && break; sleep 0.1; done
read -r echo_port <"$tmp/echo-port" || fail "the echo server did not start"

coproc PROXY { exec "$proxy_bin" 0 "127.0.0.1:$echo_port"; }
proxy_pid=$PROXY_PID
pids+=("$proxy_pid")
read -r -t 10 -u "${PROXY[0]}" port || fail "no port on the first line"
[[ $port =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] || fail "first line '$port' is not a port"

# command LINE: send a command, print its one-line answer.
command() {
    printf '%s\n' "$1" >&"${PROXY[1]}"
    local answer
    read -r -t 10 -u "${PROXY[0]}" answer || fail "no answer to '$1'"
    printf '%s\n' "$answer"
}

exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'hello\n' >&3
read -r -t 5 line <&3 || fail "nothing came back through the proxy"
[ "$line" = hello ] || fail "echoed '$line'"
answer=$(command stats)
[ "$answer" = "connections=1 accepted=1 refused=0 up=6 down=6" ] || fail "stats: $answer"

[ "$(command cut)" = ok ] || fail "cut not ok"
if read -r -t 5 line <&3 2>/dev/null; then fail "read '$line' after cut"; fi
exec 3>&-
answer=$(command stats)
[[ $answer == connections=0\ * ]] || fail "after cut: $answer"

[ "$(command 'refuse on')" = ok ] || fail "refuse on not ok"
exec 3<>"/dev/tcp/127.0.0.1/$port"
if read -r -t 5 line <&3 2>/dev/null; then fail "read '$line' from a refused connection"; fi
exec 3>&-
answer=$(command stats)
[[ $answer == *" accepted=2 refused=1 "* ]] || fail "after refuse: $answer"
[ "$(command 'refuse off')" = ok ] || fail "refuse off not ok"

[ "$(command 'blackhole on')" = ok ] || fail "blackhole on not ok"
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'held\n' >&3
if read -r -t 0.5 line <&3; then fail "read '$line' through a blackhole"; fi
[ "$(command 'blackhole off')" = ok ] || fail "blackhole off not ok"
read -r -t 5 line <&3 || fail "nothing after the blackhole ended"
[ "$line" = held ] || fail "after the blackhole: '$line'"

[ "$(command 'cut-after down 2')" = ok ] || fail "cut-after not ok"
printf 'abcdef\n' >&3
read -r -t 5 -N 2 line <&3 || fail "the two bytes before the cut did not arrive"
[ "$line" = ab ] || fail "before the cut: '$line'"
if read -r -t 5 -N 1 line <&3 2>/dev/null; then fail "read '$line' after the cut"; fi
exec 3>&-

answer=$(command 'blackhole maybe')
[[ $answer == error:* ]] || fail "a bad command was answered '$answer'"
answer=$(command 'cut-after sideways 1')
[[ $answer == error:* ]] || fail "a bad direction was answered '$answer'"

printf 'quit\n' >&"${PROXY[1]}"
status=0
wait "$proxy_pid" || status=$?
[ "$status" = 0 ] || fail "quit: exit status $status"
echo PASS
