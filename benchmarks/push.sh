#!/usr/bin/env bash
# Push benchmark (issue 13): pushes a generated .gvmi to the fake Golem registry (benchmarks/FakeRegistryHost, the
# tests' in-process fake as a process of its own) on 127.0.0.1 and compares, round by round on the same file,
#   (1) gvmi hash FILE (SHA3-224 only: the floor set by hashing),
#   (2) gvmi push FILE (one read for SHA3-224 + every chunk's SHA-256, then every chunk over loopback, 4 in parallel;
#       the fake registry checks each chunk's SHA-256 on the same two cores),
# with wall time and peak RSS from /usr/bin/time -v, the load before each row and the CPU model.
# A fresh registry per round, so every push sends every chunk. Results go to benchmarks/push-results.md.
# Needs: dotnet, /usr/bin/time (package "time"), python3 (a free port).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
size_mib="${SIZE_MIB:-1024}"
rounds="${ROUNDS:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gvmi-push-bench.XXXXXX")"
out="$here/push-results.md"
registry_pid=""
stop_registry() {
  if [ -n "$registry_pid" ]; then
    exec 3>&- || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=""
  fi
}
trap 'stop_registry; rm -rf "$work"' EXIT

dotnet build -c Release "$repo/src/Golem.VmImages.Cli" >/dev/null
dotnet build -c Release "$here/FakeRegistryHost" >/dev/null
gvmi="$repo/src/Golem.VmImages.Cli/bin/Release/net10.0/gvmi.dll"
host="$here/FakeRegistryHost/bin/Release/net10.0/FakeRegistryHost.dll"

echo "generating a ${size_mib} MiB .gvmi of random data..." >&2
{ printf 'hsqs'; head -c "$((size_mib * 1024 * 1024 - 4))" /dev/urandom; } > "$work/image.squashfs"
dotnet "$gvmi" wrap "$work/image.squashfs" -o "$work/image.gvmi" --cmd /bin/true >/dev/null
rm -f "$work/image.squashfs"
bytes="$(stat -c %s "$work/image.gvmi")"

start_registry() {
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  mkfifo "$work/registry.in"
  /usr/bin/time -v -o "$work/registry-time.txt" dotnet "$host" "$port" < "$work/registry.in" > "$work/registry.out" 2>> "$work/registry.err" &
  registry_pid=$!
  exec 3> "$work/registry.in"
  rm -f "$work/registry.in"
  for _ in $(seq 1 100); do
    [ -s "$work/registry.out" ] && break
    sleep 0.1
  done
  registry_url="$(head -n 1 "$work/registry.out")"
}

cpu_seconds() { # user + system seconds from a /usr/bin/time -v report
  awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"
}

measure() { # key, name, command...
  local key="$1" name="$2"; shift 2
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v "$@" > "$work/$key.stdout" 2> "$work/time.txt"
  local wall rss secs cpu
  wall="$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')"
  cpu="$(cpu_seconds "$work/time.txt")"
  rss="$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')"
  secs="$(echo "$wall" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')"
  echo "$secs" > "$work/$key.s"
  echo "$cpu" > "$work/$key.cpu"
  printf '| %s | %s | %s | %s | %d | %s |\n' "$name" "$secs" "$(awk -v b="$bytes" -v s="$secs" 'BEGIN { printf "%.0f", b / 1048576 / s }')" "$cpu" "$((rss / 1024))" "$load" >> "$work/rows.md"
  echo "$name: ${secs} s, CPU ${cpu} s, peak RSS $((rss / 1024)) MiB, load before $load" >&2
}

cat "$work/image.gvmi" > /dev/null # into the page cache: both commands read a warm file
for round in $(seq 1 "$rounds"); do
  measure "hash$round" "gvmi hash, round $round" dotnet "$gvmi" hash "$work/image.gvmi"
  start_registry
  measure "push$round" "gvmi push (every chunk sent), round $round" dotnet "$gvmi" push "$work/image.gvmi" --registry "$registry_url" --json
  stop_registry
  registry_cpu="$(cpu_seconds "$work/registry-time.txt")"
  printf '| fake registry during the push, round %s | | | %s | %d | |\n' "$round" "$registry_cpu" "$(( $(awk -F': ' '/Maximum resident/ { print $2 }' "$work/registry-time.txt") / 1024 ))" >> "$work/rows.md"
  python3 - "$work/push$round.stdout" "$(cut -d' ' -f1 "$work/hash$round.stdout")" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["imageHash"] == sys.argv[2], "push and hash disagree"
assert result["chunksUploaded"] == result["chunks"], "not every chunk was sent"
PY
  awk -v r="$round" -v h="$(cat "$work/hash$round.s")" -v p="$(cat "$work/push$round.s")" \
    -v hc="$(cat "$work/hash$round.cpu")" -v pc="$(cat "$work/push$round.cpu")" -v rc="$registry_cpu" \
    'BEGIN { printf "- Round %s: wall time push / hash = %.2fx; CPU time push / hash = %.2fx, push + registry / hash = %.2fx\n", r, p / h, pc / hc, (pc + rc) / hc }' >> "$work/ratios.md"
done

cpu="$(lscpu | awk -F: '/^Model name/ { gsub(/^ +/, "", $2); print $2 }')"
{
  echo "# gvmi push benchmark"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); file: $bytes bytes (a ${size_mib} MiB random squashfs wrapped as .gvmi), warm in the page cache; the fake registry on 127.0.0.1 checks every chunk's SHA-256 and keeps none"
  echo "- Machine: $cpu (lscpu; family $(lscpu | awk -F: '/^CPU family/ { print $2 }' | xargs) model $(lscpu | awk -F: '/^Model:/ { print $2 }' | xargs)), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
  echo "- Code: commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown); gvmi push with its defaults (chunk size by gvmkit-build's table, 4 parallel uploads)"
  echo "- Load: the 1-minute load average before each row is in the table (the machine is shared)"
  echo
  echo "| Command | Wall time (s) | MiB/s | CPU user+sys (s) | Peak RSS (MiB) | 1-min load before |"
  echo "|---|---|---|---|---|---|"
  cat "$work/rows.md"
  echo
  cat "$work/ratios.md"
} > "$out"
cat "$out"
