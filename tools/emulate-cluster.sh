#!/usr/bin/env bash
# Several hosts on one machine, for runs that cross a network: each host is a network namespace with its own
# hostname (a UTS namespace) and one veth link to a bridge in this namespace, its sending rate shaped by tc
# (tbf). Open MPI's mpirun launches its daemons on the hosts through an agent that enters the namespace
# (instead of ssh); ranks of one host talk over shared memory, ranks of different hosts over TCP on the links.
#
#   sudo tools/emulate-cluster.sh [--hosts 2] [--slots 2] [--rate 25gbit] -- MPIRUN_ARGS... COMMAND...
#   e.g. tools/emulate-cluster.sh --hosts 2 --slots 2 -- -np 4 bin/yalis comm-bench --collective hier --json
#
# Addresses come from 198.18.0.0/24 (the range set aside for benchmarking, RFC 2544) and exist only on the
# links it makes; it adds no route out of the hosts and enables no forwarding, so nothing leaves them. It
# removes everything it made when the command ends, and when interrupted. It needs root (namespaces, links).
# Latency is not added: this kernel may lack the netem qdisc; the links' own TCP path is what there is.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

hosts=2 slots=2 rate=25gbit
while (( $# )); do
  case "$1" in
    --hosts) hosts="$2"; shift 2 ;;
    --slots) slots="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --) shift; break ;;
    *) echo "emulate-cluster: unknown argument $1 (the command goes after --)" >&2; exit 2 ;;
  esac
done
(( $# )) || { echo "emulate-cluster: give the mpirun arguments and the command after --" >&2; exit 2; }
[[ "$(id -u)" -eq 0 ]] || { echo "emulate-cluster: needs root (it makes network namespaces and links)" >&2; exit 2; }
(( hosts >= 1 && hosts <= 200 )) || { echo "emulate-cluster: --hosts must be in 1..200" >&2; exit 2; }
for tool in ip tc unshare mpirun; do
  command -v "$tool" >/dev/null || { echo "emulate-cluster: needs $tool" >&2; exit 2; }
done

tag="yc$$"                     # names of everything made here: namespaces, links, bridge
bridge="${tag}br"
work="$(mktemp -d)"
cleanup() {
  for i in $(seq 1 "$hosts"); do
    ip netns del "${tag}h$i" 2>/dev/null || true
    ip link del "${tag}v$i" 2>/dev/null || true
  done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip link add "$bridge" type bridge
ip addr add 198.18.0.1/24 dev "$bridge"
ip link set "$bridge" up
hostlist=""
for i in $(seq 1 "$hosts"); do
  ns="${tag}h$i"
  ip netns add "$ns"
  ip link add "${tag}v$i" type veth peer name eth0 netns "$ns"
  ip link set "${tag}v$i" master "$bridge" up
  ip -n "$ns" addr add "198.18.0.$((10 + i))/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
  # The host's sending rate, as its NIC would limit it.
  ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "$rate" burst 1mb latency 50ms
  hostlist+="${hostlist:+,}yalis-host$i:$slots"
done

# mpirun calls the agent as `agent HOST COMMAND...` (as it would ssh): run the command in that host's
# namespaces, with the host's name as its hostname.
cat >"$work/agent" <<EOF
#!/usr/bin/env bash
host="\$1"; shift
while [[ "\$host" == -* ]]; do host="\$1"; shift; done
index="\${host#yalis-host}"
exec ip netns exec "${tag}h\$index" unshare --uts sh -c "hostname \$host && exec sh -c \"\\\$0\"" "\$*"
EOF
chmod +x "$work/agent"

exports=()
for name in PATH JAVA_HOME YALIS_NATIVE_PATH; do
  [[ -n "${!name:-}" ]] && exports+=(-x "$name")
done
status=0
mpirun --allow-run-as-root --oversubscribe --bind-to none --mca opal_signal "" \
  --mca plm_rsh_agent "$work/agent" --mca plm_rsh_no_tree_spawn 1 \
  --mca oob_tcp_if_include 198.18.0.0/24 --mca btl_tcp_if_include 198.18.0.0/24 --mca btl self,vader,tcp \
  -H "$hostlist" "${exports[@]}" "$@" || status=$?
exit "$status"
