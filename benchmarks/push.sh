#!/usr/bin/env bash
# Push benchmark (issue 13): pushes a generated .gvmi to the fake Golem registry (benchmarks/FakeRegistryHost, the
# tests' in-process fake as a process of its own) on 127.0.0.1 and compares, round by round on the same file,
#   (1) gvmi hash FILE (SHA3-224 only: the floor set by hashing),
#   (2) openssl dgst -sha256 FILE (the SHA-256 every chunk also needs, over the whole file),
#   (3) curl -T FILE to an nginx that discards the body (the same bytes over loopback, no hashing, no registry),
#   (4) gvmi push FILE (one read for SHA3-224 + every chunk's SHA-256, then every chunk over loopback, 4 in parallel;
#       the fake registry checks each chunk's SHA-256 on the same two cores),
# with wall time, CPU time (user + system) and peak RSS from /usr/bin/time -v, the CPU of the receiving side (the
# nginx worker for (3), the registry for (4)), the load before each row and the CPU model.
# A fresh registry per round, so every push sends every chunk. Results go to benchmarks/push-results.md.
# Needs: dotnet, nginx (Debian nginx-light), curl, openssl, /usr/bin/time (package "time"), python3 (a free port).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init push

size_mib="${SIZE_MIB:-1024}"
rounds="${ROUNDS:-3}"
out="$here/push-results.md"
registry_pid=""
stop_registry() {
  if [ -n "$registry_pid" ]; then
    exec 3>&- || true
    wait "$registry_pid" 2>/dev/null || true
    registry_pid=""
  fi
}
at_exit stop_registry

build_gvmi
dotnet build -c Release "$here/FakeRegistryHost" >/dev/null
host="$here/FakeRegistryHost/bin/Release/net10.0/FakeRegistryHost.dll"

echo "generating a ${size_mib} MiB .gvmi of random data..." >&2
random_squashfs "$work/image.squashfs" "$size_mib"
dotnet "$gvmi" wrap "$work/image.squashfs" -o "$work/image.gvmi" --cmd /bin/true >/dev/null
rm -f "$work/image.squashfs"
bytes="$(stat -c %s "$work/image.gvmi")"

# A loopback sink: nginx answers 204 and reads and discards the whole body (curl's count of bytes sent is checked).
mkdir -p "$work/sink"
sink_port="$(start_nginx sink off 64 "$work/sink" 'location / { return 204; }')"
sink_pid="$(cat "$work/nginx-sink.pid")"

start_registry() {
  local port
  port="$(free_port)"
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

row() { # key, name, receiving side's CPU seconds (or empty)
  echo "$WALL_S $CPU_S ${3:-0}" > "$work/$1.s"
  printf '| %s | %s | %s | %s | %s | %d | %s |\n' "$2" "$WALL_S" "$(awk -v b="$bytes" -v s="$WALL_S" 'BEGIN { printf "%.0f", b / 1048576 / s }')" "$CPU_S" "${3:-}" "$RSS_MIB" "$LOAD" >> "$work/rows.md"
  echo "$2: ${WALL_S} s, CPU ${CPU_S} s, receiver CPU ${3:-none}, peak RSS ${RSS_MIB} MiB, load before $LOAD" >&2
}

cat "$work/image.gvmi" > /dev/null # into the page cache: every command reads a warm file
for round in $(seq 1 "$rounds"); do
  timed "$work/hash$round.stdout" dotnet "$gvmi" hash "$work/image.gvmi"
  row "hash$round" "gvmi hash, round $round"
  timed /dev/null openssl dgst -sha256 "$work/image.gvmi"
  row "sha$round" "openssl dgst -sha256, round $round"
  before="$(proc_cpu "$sink_pid")"
  timed "$work/curl$round.stdout" curl -sS -f -H 'Expect:' -T "$work/image.gvmi" -w '%{size_upload}' "http://127.0.0.1:$sink_port/image.gvmi"
  [ "$(cat "$work/curl$round.stdout")" = "$bytes" ] || { echo "curl sent $(cat "$work/curl$round.stdout") of $bytes bytes" >&2; exit 1; }
  row "curl$round" "curl -T to an nginx sink (loopback only), round $round" "$(awk -v a="$before" -v b="$(proc_cpu "$sink_pid")" 'BEGIN { printf "%.2f", b - a }')"
  start_registry
  # A state folder of its own per round, so every push computes the descriptor (a first push, not a re-push).
  timed "$work/push$round.stdout" dotnet "$gvmi" push "$work/image.gvmi" --registry "$registry_url" --cache "$work/state$round" --json
  stop_registry
  registry_cpu="$(cpu_seconds "$work/registry-time.txt")"
  row "push$round" "gvmi push (every chunk sent), round $round" "$registry_cpu"
  printf '| fake registry during the push, round %s | | | %s | | %d | |\n' "$round" "$registry_cpu" "$(( $(awk -F': ' '/Maximum resident/ { print $2 }' "$work/registry-time.txt") / 1024 ))" >> "$work/rows.md"
  python3 - "$work/push$round.stdout" "$(cut -d' ' -f1 "$work/hash$round.stdout")" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
assert result["imageHash"] == sys.argv[2], "push and hash disagree"
assert result["chunksUploaded"] == result["chunks"], "not every chunk was sent"
PY
  awk -v r="$round" -v nproc="$(nproc)" '
    FILENAME == ARGV[1] { hw = $1; hc = $2 } FILENAME == ARGV[2] { sc = $2 } FILENAME == ARGV[3] { cc = $2; cn = $3 } FILENAME == ARGV[4] { pw = $1; pc = $2; rc = $3 }
    END {
      printf "- Round %s: wall push / hash = %.2fx; CPU push = %.2f s against hash + sha256 + curl = %.2f + %.2f + %.2f = %.2f s (%.2fx); ", r, pw / hw, pc, hc, sc, cc, hc + sc + cc, pc / (hc + sc + cc)
      cpu = (pc + rc) / nproc
      printf "receiving side: registry %.2f s, nginx sink %.2f s; push + registry CPU over %d cores = %.2f s; the wall-time floor here, the larger of that and the hash alone, = %.2f s (push wall %.2f s)\n", rc, cn, nproc, cpu, (cpu > hw ? cpu : hw), pw
    }' "$work/hash$round.s" "$work/sha$round.s" "$work/curl$round.s" "$work/push$round.s" >> "$work/ratios.md"
done

{
  echo "# gvmi push benchmark"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); file: $bytes bytes (a ${size_mib} MiB random squashfs wrapped as .gvmi), warm in the page cache; the fake registry on 127.0.0.1 checks every chunk's SHA-256 and keeps none"
  echo "- Machine: $(cpu_model) (lscpu; family $(cpu_family) model $(cpu_model_number)), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(openssl version)"
  echo "- Code: commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown); gvmi push with its defaults (chunk size by gvmkit-build's table, 4 parallel uploads)"
  echo "- Load: the 1-minute load average before each row is in the table (the machine is shared)"
  echo "- Receiver CPU: what the receiving side used during the row (the nginx sink's worker for curl, the fake registry process for the push)"
  echo
  echo "| Command | Wall time (s) | MiB/s | CPU user+sys (s) | Receiver CPU (s) | Peak RSS (MiB) | 1-min load before |"
  echo "|---|---|---|---|---|---|---|"
  cat "$work/rows.md"
  echo
  cat "$work/ratios.md"
} > "$out"
cat "$out"
