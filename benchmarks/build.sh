#!/usr/bin/env bash
# gvmi build benchmark: a generated image of SIZE_MIB (default 1024) in LAYERS layers (default 4; OCI layout made by
# umoci, gzip layers) against the squashfs tool alone on the already-merged tar (the floor), measured in the same run,
# interleaved ROUNDS times (default 2), with wall time and peak RSS from /usr/bin/time -v. The same image is pushed to
# a local registry (Debian's docker-registry on loopback, plain http) and built from it two ways, one after the other
# in each round: `skopeo copy` to an oci-archive then `gvmi build` of the file, and `gvmi build NAME` pulling it
# directly (cold blob cache every round); both must give the same image hash. With BASELINE=REV (a git revision) the
# pull is also timed with that revision's gvmi, built in a clone, right after this tree's in each round (an A/B in the
# same run). Every row gives the wall time, the CPU time (user + system, of the command and its children) and the peak RSS.
# Needs: dotnet, umoci, skopeo, docker-registry, tar2sqfs (squashfs-tools-ng), /usr/bin/time (package "time").
set -euo pipefail

source "$(dirname "$0")/lib.sh"
bench_init build

size_mib="${SIZE_MIB:-1024}"
rounds="${ROUNDS:-2}"
layers="${LAYERS:-4}"
registry_pid=""
at_exit '[ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null'

build_gvmi

echo "generating ${size_mib} MiB in ${layers} layers (half random, half text-like)..." >&2
files=$((size_mib / 16))
for l in $(seq 1 "$layers"); do mkdir -p "$work/l$l/opt/layer$l"; done
for i in $(seq 1 "$files"); do
  l=$(( (i - 1) * layers / files + 1 ))
  dir="$work/l$l/opt/layer$l"
  if [ $((i % 2)) -eq 0 ]; then
    head -c $((16 * 1024 * 1024)) /dev/urandom > "$dir/blob$i"
  else
    (yes "line $i of a compressible file for the squashfs benchmark" || true) | head -c $((16 * 1024 * 1024)) > "$dir/text$i"
  fi
done
umoci init --layout "$work/oci" >/dev/null
umoci new --image "$work/oci:bench" >/dev/null
for l in $(seq 1 "$layers"); do
  tar -C "$work/l$l" -cf "$work/l$l.tar" .
  umoci raw add-layer --image "$work/oci:bench" "$work/l$l.tar" >/dev/null
done
# The already-merged tar: both layers' content in one archive, what the tool alone is given.
mkdir -p "$work/merged"
for l in $(seq 1 "$layers"); do cp -a "$work/l$l/." "$work/merged/"; rm -rf "$work/l$l" "$work/l$l.tar"; done
tar -C "$work/merged" -cf "$work/merged.tar" .
rm -rf "$work/merged"

# A local registry with the image: docker-registry on a free loopback port, its own config and storage folder.
port="$(free_port)"
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$work/registry" "$port" > "$work/registry.yml"
docker-registry serve "$work/registry.yml" >/dev/null 2>&1 &
registry_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
skopeo copy --quiet --dest-tls-verify=false "oci:$work/oci:bench" "docker://127.0.0.1:$port/bench/image:1"

measure() { # name, command...
  local name="$1"; shift
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
  local wall rss cpu
  wall="$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')"
  cpu="$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$work/time.txt")"
  printf '%-40s wall %8s  cpu %7s s  peak RSS %6d MiB  load before %s\n' "$name" "$wall" "$cpu" "$((rss / 1024))" "$load"
}

lscpu | grep -E 'Model name|^CPU\(s\)' | sed 's/  */ /g'
for round in $(seq 1 "$rounds"); do
  echo "round $round"
  measure "tar2sqfs alone (merged tar, lzo)" sh -c "tar2sqfs -q -f -c lzo -j $(nproc) '$work/alone.sqfs' < '$work/merged.tar'"
  rm -f "$work/out.gvmi"
  measure "gvmi build (OCI layout, lzo)" dotnet "$gvmi" build "$work/oci" -o "$work/out.gvmi"
  rm -f "$work/skopeo.tar" "$work/skopeo.gvmi" "$work/pull.gvmi"; rm -rf "$work/cache"
  measure "skopeo copy + gvmi build (registry)" sh -c "skopeo copy --quiet --src-tls-verify=false 'docker://127.0.0.1:$port/bench/image:1' 'oci-archive:$work/skopeo.tar' && dotnet '$gvmi' build '$work/skopeo.tar' -o '$work/skopeo.gvmi'"
  measure "gvmi build NAME (registry pull)" dotnet "$gvmi" build "127.0.0.1:$port/bench/image:1" -o "$work/pull.gvmi" --cache "$work/cache"
  a=$(dotnet "$gvmi" hash "$work/skopeo.gvmi" | cut -d' ' -f1); b=$(dotnet "$gvmi" hash "$work/pull.gvmi" | cut -d' ' -f1)
  [ "$a" = "$b" ] || { echo "the pull build's hash $b differs from the skopeo build's $a" >&2; exit 1; }
  if [ -n "$baseline" ]; then
    rm -f "$work/pull-baseline.gvmi"; rm -rf "$work/cache"
    measure "gvmi build NAME (pull, $baseline_name)" dotnet "$baseline" build "127.0.0.1:$port/bench/image:1" -o "$work/pull-baseline.gvmi" --cache "$work/cache"
  fi
done
