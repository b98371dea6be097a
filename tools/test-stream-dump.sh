#!/usr/bin/env bash
# Checks the command-line contract of xmpp-stream-dump.
# usage: test-stream-dump.sh PATH/TO/xmpp-stream-dump
set -u
export LC_ALL=C

dump=${1:?usage: test-stream-dump.sh PATH/TO/xmpp-stream-dump}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_run NAME STATUS EXPECTED_STDOUT_FILE INPUT_FILE [ARGS...]: runs the tool and compares.
expect_run() {
  local name=$1 status=$2 expected=$3 input=$4
  shift 4
  local got=0
  "$dump" "$@" <"$input" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [[ $got != "$status" ]]; then
    fail "$name: exit status $got, expected $status (stderr: $(cat "$tmp/err"))"
  fi
  if ! cmp -s "$expected" "$tmp/out"; then
    fail "$name: unexpected output"
    diff -u "$expected" "$tmp/out" >&2
  fi
}

header="<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'\
 from='example.com' id='a&#9;b' version='1.0' xml:lang='en'>"
header_json='{"event":"stream-open","attrs":{"xmlns":"jabber:client","xmlns:stream":"http://etherx.jabber.org/streams","from":"example.com","id":"a\tb","version":"1.0","xml:lang":"en"}}'

# A small stream: XML declaration, features, a message with entities, a character reference,
# non-ASCII text, a CDATA section, CR LF and a tab, a keepalive, an XEP-0198 request and the close.
cr=$'\r'
tab=$'\t'
printf '%s' "<?xml version='1.0' encoding='UTF-8'?>
$header
<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>\
<mechanism>PLAIN</mechanism></mechanisms></stream:features>
<message to=\"juliet@example.com\" type='chat'><body>caf&#xE9; &amp; \"tea\" &lt;3 \
— né<![CDATA[<x>&]]>$cr
${tab}end</body></message> <r xmlns='urn:xmpp:sm:3'/>
</stream:stream>
" >"$tmp/small.xml"
cat >"$tmp/small.expected" <<EOF
$header_json
{"event":"element","xml":"<stream:features><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>PLAIN</mechanism></mechanisms></stream:features>"}
{"event":"element","xml":"<message to='juliet@example.com' type='chat'><body>café &amp; \\"tea\\" &lt;3 — né&lt;x&gt;&amp;\\n\\tend</body></message>"}
{"event":"element","xml":"<r xmlns='urn:xmpp:sm:3'/>"}
{"event":"stream-close"}
EOF
expect_run "small stream, default chunk" 0 "$tmp/small.expected" "$tmp/small.xml"
for n in 1 2 3 7 64 100000; do
  expect_run "small stream, --chunk $n" 0 "$tmp/small.expected" "$tmp/small.xml" --chunk "$n"
done
expect_run "small stream, --chunk=5" 0 "$tmp/small.expected" "$tmp/small.xml" --chunk=5

# A comment is restricted XML (RFC 6120 §11.1), reported at the '-' after "<!".
printf '%s' "$header<!-- hi --><presence/>" >"$tmp/comment.xml"
{
  echo "$header_json"
  echo "{\"event\":\"error\",\"condition\":\"restricted-xml\",\"offset\":$((${#header} + 2))}"
} >"$tmp/comment.expected"
expect_run "comment" 1 "$tmp/comment.expected" "$tmp/comment.xml"
expect_run "comment, --chunk 1" 1 "$tmp/comment.expected" "$tmp/comment.xml" --chunk 1

# Input that is not a stream at all.
printf 'hello' >"$tmp/text.xml"
echo '{"event":"error","condition":"not-well-formed","offset":0}' >"$tmp/text.expected"
expect_run "text before the header" 1 "$tmp/text.expected" "$tmp/text.xml"

# A restart after SASL success (RFC 6120 §6.4.6) and after STARTTLS proceed (§5.4.3.3), within
# the same input; the bytes after <success/> belong to the new stream.
printf '%s' "$header<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>$header\
<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dGVzdA==</success><?xml version='1.0'?>\
<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>\
<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@b/c</jid>\
</bind></iq></stream:stream>" >"$tmp/restart.xml"
cat >"$tmp/restart.expected" <<EOF
$header_json
{"event":"element","xml":"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"}
$header_json
{"event":"element","xml":"<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dGVzdA==</success>"}
{"event":"stream-open","attrs":{"xmlns":"jabber:client","xmlns:stream":"http://etherx.jabber.org/streams"}}
{"event":"element","xml":"<iq type='result' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>a@b/c</jid></bind></iq>"}
{"event":"stream-close"}
EOF
expect_run "restart" 0 "$tmp/restart.expected" "$tmp/restart.xml"
expect_run "restart, --chunk 1" 0 "$tmp/restart.expected" "$tmp/restart.xml" --chunk 1
expect_run "restart, --chunk 13" 0 "$tmp/restart.expected" "$tmp/restart.xml" --chunk 13

# A self-closing header opens and closes the stream.
printf '%s' "<stream xmlns='http://etherx.jabber.org/streams'/>" >"$tmp/selfclose.xml"
cat >"$tmp/selfclose.expected" <<'EOF'
{"event":"stream-open","attrs":{"xmlns":"http://etherx.jabber.org/streams"}}
{"event":"stream-close"}
EOF
expect_run "self-closing header" 0 "$tmp/selfclose.expected" "$tmp/selfclose.xml"
expect_run "self-closing header, --chunk 1" 0 "$tmp/selfclose.expected" "$tmp/selfclose.xml" \
  --chunk 1

# The end of input inside an element is not an error, but is noted on stderr.
printf '%s' "$header<message><body>unfin" >"$tmp/eof.xml"
echo "$header_json" >"$tmp/eof.expected"
expect_run "end of input inside an element" 0 "$tmp/eof.expected" "$tmp/eof.xml" --chunk 4
if ! grep -q 'inside an element' "$tmp/err"; then
  fail "end of input inside an element: no note on stderr"
fi
: >"$tmp/empty"
: >"$tmp/empty.expected"
expect_run "empty input" 0 "$tmp/empty.expected" "$tmp/empty"

# Usage errors: exit 2, usage on stderr, nothing on stdout.
for args in "--chunk 0" "--chunk x" "--chunk" "--chunk -1" "--chunk 5x" "--chunk=" "--bogus" \
  "extra"; do
  # shellcheck disable=SC2086 # split the arguments on purpose
  expect_run "usage error: $args" 2 "$tmp/empty.expected" "$tmp/small.xml" $args
  if ! grep -q '^usage: xmpp-stream-dump' "$tmp/err"; then
    fail "usage error: $args: no usage on stderr"
  fi
done

# --help: usage on stdout, exit 0.
got=0
"$dump" --help >"$tmp/out" 2>"$tmp/err" </dev/null || got=$?
[[ $got == 0 ]] || fail "--help: exit status $got"
grep -q '^usage: xmpp-stream-dump \[--chunk N\]' "$tmp/out" || fail "--help: no usage on stdout"
[[ -s $tmp/err ]] && fail "--help: unexpected stderr"

if ((failures)); then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all xmpp-stream-dump checks passed"
