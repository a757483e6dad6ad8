#!/usr/bin/env bash
# Re-makes the real loopback captures in samples/real/:
#   loopback.pcap   tcpdump -i lo                (LINKTYPE_ETHERNET, zero MACs)
#   any-sll2.pcap   tcpdump -i any -y LINUX_SLL2 (LINKTYPE_LINUX_SLL2)
#   real.truth.json what the clients sent (fixed content; see samples/real/plan)
#
# Real clients: curl (a web-SDK ajax POST /sa, a pixel GET /sa.gif, a GET /)
# and a Go net/http client (three Sensors gzip=1 batches and a gzip-encoded
# JSON batch on one keep-alive connection), talking to a local net/http
# server. Needs root (or capture rights), tcpdump, curl and Go; installs
# nothing. Run from anywhere: bash samples/real/make.sh
set -euo pipefail

cd "$(dirname "$0")/../.."
out=samples/real
port=18106 # plan.ServerPort

die() { echo "make.sh: $*" >&2; exit 1; }
for tool in tcpdump curl go; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed (this script installs nothing)"
done

tmp=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/server" ./samples/real/server
go build -o "$tmp/client" ./samples/real/client
"$tmp/client" -curl-dir "$tmp"

# Start both captures and wait until each says it is listening.
start_capture() { # name, then tcpdump arguments
  local name=$1; shift
  tcpdump "$@" -U -w "$out/$name" "tcp port $port" 2>"$tmp/$name.log" &
  pids+=($!)
  for _ in $(seq 50); do
    grep -q 'listening on' "$tmp/$name.log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$tmp/$name.log" >&2; die "tcpdump for $name failed to start (root needed?)"; }
    sleep 0.1
  done
  die "tcpdump for $name did not start"
}
start_capture loopback.pcap -i lo
start_capture any-sll2.pcap -i any -y LINUX_SLL2

"$tmp/server" -port "$port" -n 7 -timeout 60s -ready "$tmp/ready" &
server=$!
pids+=($server)
for _ in $(seq 50); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
[ -e "$tmp/ready" ] || die "server did not start"

base="http://127.0.0.1:$port"
# The clients use ephemeral ports; the truth records the ones of this run.
post_port=$(curl -sS --fail -o /dev/null -w '%{local_port}' \
  -H 'Content-Type: application/x-www-form-urlencoded' \
  --data-binary "@$tmp/post.body" "$base/sa?project=default")
gif_port=$(curl -sS --fail -o /dev/null -w '%{local_port}' \
  "$base/sa.gif?project=default&$(cat "$tmp/gif.query")")
page_port=$(curl -sS --fail -o /dev/null -w '%{local_port}' "$base/")
go_port=$("$tmp/client" -server "$base")

wait "$server" || die "server reported an error"
sleep 1 # let the last FIN/ACKs reach the captures
for pid in "${pids[@]:0:2}"; do kill -INT "$pid"; wait "$pid" || true; done
pids=()

chown --reference="$out" "$out/loopback.pcap" "$out/any-sll2.pcap" # tcpdump drops to its own user
"$tmp/client" -truth "$out/real.truth.json" -captures "$out/loopback.pcap,$out/any-sll2.pcap" \
  -ports "$post_port,$gif_port,$page_port,$go_port"
echo "make.sh: wrote $out/loopback.pcap, $out/any-sll2.pcap and $out/real.truth.json"
