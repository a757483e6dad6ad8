#!/usr/bin/env bash
# Re-makes the impaired captures in samples/impaired/ (see README.md there):
#   impaired-reorder-dup.pcap  server side of a lossy, reordering, duplicating relay:
#                              retransmissions, out-of-order segments, duplicates, no holes
#   impaired-loss.pcap         the relay's lossy mirror port: the same traffic with real holes
#   impaired-snaplen.pcap      client side, tcpdump -s 200: frames over 200 bytes truncated
#   <name>.truth.json          what the clients sent, and what each capture lacks
#
# Real clients (the Go client of samples/real, this sample's Go client, curl)
# talk to a net/http server across veth pairs in four network namespaces this
# script creates and removes:
#
#   tti-cli [c0 10.77.0.1] --- [r1] tti-rly [r2] --- [s0 10.77.0.2] tti-srv
#                                   [r3] --- [t0] tti-tap   (mirror of what r1/r2 forward)
#
# The relay (samples/impaired/relay) bridges r1 and r2 in user space with a
# fixed seed. Needs root, iproute2 (ip netns), tcpdump, curl and Go; installs
# nothing. Run from anywhere: bash samples/impaired/make.sh
# (SEED, DROP, DUP, REORDER, MIRROR_DROP override the relay's settings;
# KEEP_TMP=1 keeps the work directory for debugging.)
set -euo pipefail

cd "$(dirname "$0")/../.."
out=samples/impaired
port=18107 # plan.ServerPort
base="http://10.77.0.2:$port"
# The relay's seed and percentages of data segments (see relay -h); the
# committed captures were made with the defaults.
seed=${SEED:-2}
drop=${DROP:-5} dup=${DUP:-8} reorder=${REORDER:-10} mirror_drop=${MIRROR_DROP:-8}
ns_c=tti-cli ns_r=tti-rly ns_s=tti-srv ns_t=tti-tap

die() { echo "make.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, raw sockets, tcpdump)"
for tool in ip tcpdump curl go; do
  command -v "$tool" >/dev/null || die "$tool is required but not installed (this script installs nothing)"
done
ip netns list >/dev/null 2>&1 || die "'ip netns' does not work (iproute2 too old?)"
for ns in $ns_c $ns_r $ns_s $ns_t; do
  if ip netns list | grep -qw "$ns"; then
    die "network namespace $ns exists (left by an interrupted run?); remove it with: ip netns del $ns"
  fi
done

tmp=$(mktemp -d)
pids=()
made_ns=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  # Deleting a namespace deletes the veths in it (and so their peers).
  for ns in "${made_ns[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [ -n "${KEEP_TMP:-}" ]; then echo "make.sh: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

go build -o "$tmp/relay" ./samples/impaired/relay
go build -o "$tmp/server" ./samples/impaired/server
go build -o "$tmp/client" ./samples/impaired/client
go build -o "$tmp/realclient" ./samples/real/client
"$tmp/client" -curl-dir "$tmp"

# --- namespaces and links ---------------------------------------------------
for ns in $ns_c $ns_r $ns_s $ns_t; do
  ip netns add "$ns"
  made_ns+=("$ns")
  ip -n "$ns" link set lo up
  # No IPv6: no router solicitations or MLD reports in the captures.
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip link add name c0 address 02:77:00:00:00:01 netns $ns_c type veth peer name r1 address 02:77:00:00:01:01 netns $ns_r
ip link add name s0 address 02:77:00:00:00:02 netns $ns_s type veth peer name r2 address 02:77:00:00:01:02 netns $ns_r
ip link add name t0 address 02:77:00:00:00:03 netns $ns_t type veth peer name r3 address 02:77:00:00:01:03 netns $ns_r
# No segmentation offload on the endpoints: every frame the relay reads is
# one MSS-sized segment it can drop, duplicate or reorder on its own.
ip -n $ns_c link set c0 gso_max_segs 1 gso_max_size 1500
ip -n $ns_s link set s0 gso_max_segs 1 gso_max_size 1500
ip -n $ns_c addr add 10.77.0.1/24 dev c0
ip -n $ns_s addr add 10.77.0.2/24 dev s0
for dev in r1 r2 r3; do ip -n $ns_r link set "$dev" promisc on up; done
ip -n $ns_c link set c0 up
ip -n $ns_s link set s0 up
ip -n $ns_t link set t0 up

wait_for() { # file, what, pid
  for _ in $(seq 100); do
    [ -e "$1" ] && return 0
    kill -0 "$3" 2>/dev/null || die "$2 failed to start"
    sleep 0.1
  done
  die "$2 did not start"
}

ip netns exec $ns_r "$tmp/relay" -a r1 -b r2 -mirror r3 -seed "$seed" \
  -drop $drop -dup $dup -reorder $reorder -mirror-drop $mirror_drop \
  -stats "$tmp/relay.json" -ready "$tmp/relay.ready" 2>"$tmp/relay.log" &
relay=$!
pids+=($relay)
wait_for "$tmp/relay.ready" relay $relay

# --- captures ---------------------------------------------------------------
start_capture() { # namespace, name, then tcpdump arguments
  local ns=$1 name=$2; shift 2
  # -Z root: tcpdump would otherwise drop to a user that cannot write into $tmp.
  ip netns exec "$ns" tcpdump "$@" -Z root -U -w "$tmp/$name.pcap" "tcp port $port" 2>"$tmp/$name.log" &
  pids+=($!)
  for _ in $(seq 50); do
    grep -q 'listening on' "$tmp/$name.log" && return 0
    kill -0 "${pids[-1]}" 2>/dev/null || { cat "$tmp/$name.log" >&2; die "tcpdump for $name failed to start"; }
    sleep 0.1
  done
  die "tcpdump for $name did not start"
}
start_capture $ns_s impaired-reorder-dup -i s0
start_capture $ns_t impaired-loss -i t0
start_capture $ns_c impaired-snaplen -i c0 -s 200
captures=("${pids[@]:1:3}")

# --- traffic ----------------------------------------------------------------
ip netns exec $ns_s "$tmp/server" -addr "10.77.0.2:$port" -timeout 180s -ready "$tmp/ready" 2>"$tmp/server.log" &
server=$!
pids+=($server)
wait_for "$tmp/ready" server $server

in_client() { ip netns exec $ns_c "$@"; }
real_port=$(in_client "$tmp/realclient" -server "$base")
go_port=$(in_client "$tmp/client" -server "$base")
# One curl command, four transfers on one keep-alive connection. "Expect:"
# stops curl from waiting for 100 Continue before the larger bodies.
curl_ports=$(in_client curl -sS --fail -o /dev/null -w '%{local_port}\n' -H 'Expect:' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$tmp/batch.body" "$base/sa?project=impaired_curl&r=RO" \
  --next -sS --fail -o /dev/null -w '%{local_port}\n' -H 'Expect:' \
    -H 'Content-Type: application/x-www-form-urlencoded' --data-binary "@$tmp/post.body" "$base/sa?project=default" \
  --next -sS --fail -o /dev/null -w '%{local_port}\n' "$base/sa.gif?project=default&$(cat "$tmp/gif.query")" \
  --next -sS --fail -o /dev/null -w '%{local_port}\n' "$base/")
curl_port=$(echo "$curl_ports" | sort -u)
[ "$(echo "$curl_port" | wc -l)" = 1 ] || die "curl used more than one connection: $curl_ports"

wait "$server" || { cat "$tmp/server.log" >&2; die "server reported an error"; }
cat "$tmp/server.log" >&2
sleep 1 # let the last FIN/ACKs reach the captures
for pid in "${captures[@]}"; do kill -INT "$pid"; wait "$pid" || true; done
kill -TERM $relay
wait $relay || { cat "$tmp/relay.log" >&2; die "relay failed"; }
cat "$tmp/relay.log" >&2
pids=()
for name in impaired-reorder-dup impaired-loss impaired-snaplen; do
  grep -q '^0 packets dropped by kernel' "$tmp/$name.log" || { cat "$tmp/$name.log" >&2; die "tcpdump lost packets in $name"; }
done

# --- truth ------------------------------------------------------------------
# The server-side capture holds every byte of every stream at least once (TCP
# delivered them all to the server), so it is the reference the other two are
# measured against.
"$tmp/client" -truth "$tmp" -ref "$tmp/impaired-reorder-dup.pcap" \
  -capture "impaired-reorder-dup=$tmp/impaired-reorder-dup.pcap,impaired-loss=$tmp/impaired-loss.pcap,impaired-snaplen=$tmp/impaired-snaplen.pcap" \
  -ports "$real_port,$go_port,$curl_port" -relay-stats "$tmp/relay.json"
for name in impaired-reorder-dup impaired-loss impaired-snaplen; do
  size=$(stat -c %s "$tmp/$name.pcap")
  [ "$size" -lt 512000 ] || die "$name.pcap is $size bytes, over the 500 KB budget"
  cp "$tmp/$name.pcap" "$tmp/$name.truth.json" "$out/"
done
chown --reference="$out" "$out"/impaired-*.pcap "$out"/impaired-*.truth.json
echo "make.sh: wrote $out/impaired-{reorder-dup,loss,snaplen}.pcap and their .truth.json (seed $seed)"
