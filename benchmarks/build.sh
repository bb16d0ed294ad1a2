#!/usr/bin/env bash
# gvmi build benchmark: a generated image of SIZE_MIB (default 1024) in two layers (OCI layout made by umoci,
# gzip layers) against the squashfs tool alone on the already-merged tar (the floor), measured in the same run,
# interleaved ROUNDS times (default 2), with wall time and peak RSS from /usr/bin/time -v.
# Needs: dotnet, umoci, tar2sqfs (squashfs-tools-ng), /usr/bin/time (package "time").
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
size_mib="${SIZE_MIB:-1024}"
rounds="${ROUNDS:-2}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gvmi-build-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

dotnet build -c Release "$repo/src/Golem.VmImages.Cli" >/dev/null
gvmi="$repo/src/Golem.VmImages.Cli/bin/Release/net10.0/gvmi.dll"

echo "generating ${size_mib} MiB in two layers (half random, half text-like)..." >&2
mkdir -p "$work/l1/usr/share/data" "$work/l2/opt/app"
files=$((size_mib / 16))
for i in $(seq 1 "$files"); do
  layer=l1; [ "$i" -gt $((files / 2)) ] && layer=l2
  dir="$work/$layer/usr/share/data"; [ "$layer" = l2 ] && dir="$work/l2/opt/app"
  if [ $((i % 2)) -eq 0 ]; then
    head -c $((16 * 1024 * 1024)) /dev/urandom > "$dir/blob$i"
  else
    (yes "line $i of a compressible file for the squashfs benchmark" || true) | head -c $((16 * 1024 * 1024)) > "$dir/text$i"
  fi
done
tar -C "$work/l1" -cf "$work/l1.tar" .
tar -C "$work/l2" -cf "$work/l2.tar" .
umoci init --layout "$work/oci" >/dev/null
umoci new --image "$work/oci:bench" >/dev/null
umoci raw add-layer --image "$work/oci:bench" "$work/l1.tar" >/dev/null
umoci raw add-layer --image "$work/oci:bench" "$work/l2.tar" >/dev/null
# The already-merged tar: both layers' content in one archive, what the tool alone is given.
mkdir -p "$work/merged" && cp -a "$work/l1/." "$work/merged/" && cp -a "$work/l2/." "$work/merged/"
tar -C "$work/merged" -cf "$work/merged.tar" .
rm -rf "$work/l1" "$work/l2" "$work/merged"

measure() { # name, command...
  local name="$1"; shift
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
  local wall rss
  wall="$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')"
  printf '%-34s wall %8s  peak RSS %6d MiB  load before %s\n' "$name" "$wall" "$((rss / 1024))" "$load"
}

lscpu | grep -E 'Model name|^CPU\(s\)' | sed 's/  */ /g'
for round in $(seq 1 "$rounds"); do
  echo "round $round"
  measure "tar2sqfs alone (merged tar, lzo)" sh -c "tar2sqfs -q -f -c lzo -j $(nproc) '$work/alone.sqfs' < '$work/merged.tar'"
  rm -f "$work/out.gvmi"
  measure "gvmi build (OCI layout, lzo)" dotnet "$gvmi" build "$work/oci" -o "$work/out.gvmi"
done
