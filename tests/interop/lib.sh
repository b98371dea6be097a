# Shared by prosody.sh, ejabberd.sh and with-servers.sh (sourced, not executed).

# pick_free_ports N: print N distinct TCP ports that are free on 127.0.0.1, space separated.
#
# Why not simply bind 127.0.0.1:0 and report what the kernel chose: such ports come from the
# ephemeral range (net.ipv4.ip_local_port_range), and between the moment we release a port and
# the moment the server binds it (up to ~2 s for ejabberd) any outgoing connection on the
# machine - including the test clients' own - may be given exactly that port as its source.
# So candidates are drawn at random from below the ephemeral range instead (above it if the
# range starts too low), and each is checked by binding it without SO_REUSEADDR (which also
# fails if anything listens on 0.0.0.0 or still has a TIME_WAIT connection on it).
#
# Two instances starting at the same time (meson runs tests in parallel) could still draw the
# same port in that window, because a port picked by one is free again until its server binds
# it. Every port handed out is therefore remembered for 120 s in /tmp/xmpp-sansio-ports.$UID,
# read and extended under flock, and not handed out again meanwhile.
#
# perl rather than python3: perl-base is Essential in Debian, so it is on every CI image.
pick_free_ports() {
    perl -MSocket -MFcntl=:flock -e '
        use strict; use warnings;
        my $n = shift @ARGV;
        my ($lo, $hi) = (32768, 60999);
        if (open(my $r, "<", "/proc/sys/net/ipv4/ip_local_port_range")) {
            ($lo, $hi) = split(" ", scalar <$r>);
        }
        my ($min, $max) = $lo > 12000 ? (10000, $lo - 1) : ($hi + 1, 65535);
        ($min, $max) = (1024, 65535) if $max - $min < 1000;

        my $registry = "/tmp/xmpp-sansio-ports.$<";
        my $now = time;
        my (%recent, $reg);
        # Without the registry (e.g. an unwritable /tmp) ports are still checked by binding.
        if (open($reg, "+>>", $registry)) {
            flock($reg, LOCK_EX) or die "flock $registry: $!\n";
            seek($reg, 0, 0);
            while (my $line = <$reg>) {
                my ($port, $when) = split(" ", $line);
                $recent{$port} = $when if defined $when && $now - $when < 120;
            }
        }

        my (@held, @ports);
        for (my $tries = 0; @ports < $n && $tries < 10000; $tries++) {
            my $port = $min + int(rand($max - $min + 1));
            next if exists $recent{$port};
            socket(my $s, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
            next unless bind($s, pack_sockaddr_in($port, inet_aton("127.0.0.1")));
            push @held, $s;  # kept bound until all are chosen, so the N ports are distinct
            push @ports, $port;
            $recent{$port} = $now;
        }
        die "pick_free_ports: found only " . scalar(@ports) . " of $n free ports\n" if @ports < $n;

        if ($reg) {
            # Rewritten rather than appended to, so that expired entries do not accumulate.
            truncate($reg, 0);
            seek($reg, 0, 0);
            print $reg "$_ $recent{$_}\n" for sort keys %recent;
            close($reg);
        }
        print "@ports\n";
    ' "$1"
}

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pids_with_cmdline STRING: pids of processes (other than this shell) whose command line
# contains STRING. Used with a string naming the private directory, to find server processes
# whose pid was never recorded (a start that failed half-way). Reads /proc directly: procps
# (ps, pgrep) is not installed on minimal CI images.
pids_with_cmdline() {
    local p args
    for p in /proc/[0-9]*; do
        [ "${p#/proc/}" = "$$" ] && continue
        mapfile -d '' args 2>/dev/null <"$p/cmdline" || continue
        case "${args[*]}" in *"$1"*) echo "${p#/proc/}";; esac
    done
}

# alive PID: the process exists and is not a zombie. Server processes are orphaned once the
# start script exits; until init reaps them (some container inits take a second or more) they
# are zombies, which kill -0 still reports as existing.
alive() {
    local stat
    kill -0 "$1" 2>/dev/null || return 1
    read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ]
}

# wait_gone TIMEOUT_TENTHS PID...: wait until none of the PIDs is alive; false on timeout.
wait_gone() {
    local tenths=$1 pid any; shift
    while :; do
        any=
        for pid in "$@"; do alive "$pid" && any=1; done
        [ -z "$any" ] && return 0
        [ "$tenths" -le 0 ] && return 1
        tenths=$((tenths - 1))
        sleep 0.1
    done
}

# group_alive PGID: some process of process group PGID exists and is not a zombie.
group_alive() {
    local p stat fields
    for p in /proc/[0-9]*; do
        read -r stat 2>/dev/null <"$p/stat" || continue
        read -ra fields <<<"${stat##*) }"  # state ppid pgrp ...
        [ "${fields[2]}" = "$1" ] && [ "${fields[0]}" != Z ] && return 0
    done
    return 1
}

# stop_group GRACE_TENTHS PGID: SIGTERM to the process group, SIGKILL after the grace, and
# wait until it is empty.
stop_group() {
    local tenths=$1 pgid=$2
    kill -TERM -- "-$pgid" 2>/dev/null || return 0
    while group_alive "$pgid"; do
        if [ "$tenths" -le 0 ]; then
            kill -KILL -- "-$pgid" 2>/dev/null || true
            wait_group_gone 20 "$pgid" || true
            return 0
        fi
        tenths=$((tenths - 1))
        sleep 0.1
    done
}

# wait_group_gone TIMEOUT_TENTHS PGID: false if the group still has live processes then.
wait_group_gone() {
    local tenths=$1
    while group_alive "$2"; do
        [ "$tenths" -gt 0 ] || return 1
        tenths=$((tenths - 1))
        sleep 0.1
    done
}

# stop_pids GRACE_TENTHS PID...: SIGTERM, then SIGKILL what is still there after the grace.
stop_pids() {
    local grace=$1; shift
    kill -TERM "$@" 2>/dev/null || true
    wait_gone "$grace" "$@" || kill -KILL "$@" 2>/dev/null || true
    wait_gone 20 "$@" || true
}

# stop_stragglers STRING: stop every process whose command line contains STRING, until none
# is left. A start interrupted half-way can leave a server whose pid was never recorded, or
# one still being exec'ed (hence more than one round). Such a server is not worth a clean
# shutdown, and an Erlang VM that is still booting does not act on SIGTERM at all (seen: no
# reaction within 15 s), so the grace is short.
stop_stragglers() {
    local round pids
    for round in 1 2 3; do
        mapfile -t pids < <(pids_with_cmdline "$1")
        [ ${#pids[@]} -gt 0 ] || return 0
        stop_pids 10 "${pids[@]}"
    done
}
