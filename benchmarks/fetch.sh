#!/usr/bin/env bash
# Fetch benchmark (issue 5): serves a generated 4 GiB file from a local nginx on 127.0.0.1 and compares
#   (1) gvmi fetch into a cold cache (download + one-pass SHA3-224 verify + atomic rename),
#   (2) gvmi hash of the same file (hash only, the floor),
#   (3) curl -o f URL && openssl dgst -sha3-224 f (the two-step baseline),
# with wall time and peak RSS from /usr/bin/time -v. Results go to benchmarks/fetch-results.md. BASELINE=REV adds to
# each run a fetch by that git revision's gvmi (built in a clone), between two fetches by this one, and the ratios.
# Needs: dotnet, nginx (Debian nginx-light), curl, openssl >= 1.1.1, /usr/bin/time (package "time").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init fetch

size_mib="${SIZE_MIB:-4096}"
out="$here/fetch-results.md"

build_gvmi

mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" "$work/www"
echo "generating ${size_mib} MiB of random data..." >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/www/image.gvmi"
port="$(start_nginx files on 64 "$work/www")"
url="http://127.0.0.1:$port/image.gvmi"
sleep 0.5

hash="$(openssl dgst -sha3-224 -r "$work/www/image.gvmi" | cut -d' ' -f1)"

measure() { # key, name, command...
  local key="$1" name="$2"; shift 2
  timed /dev/null "$@"
  echo "$WALL_S" > "$work/$key.s"
  printf '| %s | %s | %s | %d | %s |\n' "$name" "$WALL_S" "$(awk -v m="$size_mib" -v s="$WALL_S" 'BEGIN { printf "%.0f", m / s }')" "$RSS_MIB" "$LOAD" >> "$work/rows.md"
  echo "$name: ${WALL_S} s, peak RSS ${RSS_MIB} MiB, load before $LOAD" >&2
}

# RUNS=n repeats the three measurements (each row is one run; compare rows of the same run).
for run in $(seq 1 "${RUNS:-1}"); do
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  measure "hash$run" "gvmi hash (hash only), run $run" dotnet "$gvmi" hash "$work/www/image.gvmi"
  rm -rf "$work/cache"
  measure "fetch$run" "gvmi fetch (cold cache, download + verify), run $run" dotnet "$gvmi" fetch --hash "$hash" "$url" --cache "$work/cache"
  if [ -n "$baseline" ]; then
    rm -rf "$work/cache"
    measure "old$run" "gvmi fetch, baseline $baseline_name (cold cache), run $run" dotnet "$baseline" fetch --hash "$hash" "$url" --cache "$work/cache"
    rm -rf "$work/cache"
    measure "new$run" "gvmi fetch again, right after the baseline (cold cache), run $run" dotnet "$gvmi" fetch --hash "$hash" "$url" --cache "$work/cache"
    awk -v r="$run" -v a="$(cat "$work/fetch$run.s")" -v c="$(cat "$work/new$run.s")" -v b="$(cat "$work/old$run.s")" -v n="$baseline_name" \
      'BEGIN { printf "- Run %s: fetch / baseline %s fetch = %.2fx and %.2fx (this commit before and after the baseline; below 1 is faster)\n", r, n, a / b, c / b }' >> "$work/ratios.md"
  fi
  rm -f "$work/f"
  measure "base$run" "curl -o f URL && openssl dgst -sha3-224 f, run $run" sh -c "curl -s -o '$work/f' '$url' && openssl dgst -sha3-224 '$work/f'"
  rm -f "$work/f"
  awk -v r="$run" -v h="$(cat "$work/hash$run.s")" -v f="$(cat "$work/fetch$run.s")" -v b="$(cat "$work/base$run.s")" \
    'BEGIN { printf "- Run %s: fetch / hash-only = %.2fx (target <= 1.15x); baseline / fetch = %.2fx faster (target >= 1.5x)\n", r, f / h, b / f }' >> "$work/ratios.md"
done

if [ -f "$repo/src/Golem.VmImages/Hashing/KeccakCore.cs" ]; then
  engine="the project's own Keccak-f[1600] engine (KeccakCore: AVX-512 path when the CPU has AVX-512F, else unrolled scalar)"
else
  engine="BouncyCastle's Sha3Digest (the engine before the project's own Keccak core)"
fi
cpu="$(cpu_model)"
flags="$(grep -o 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ' | xargs)"

{
  echo "# gvmi fetch benchmark"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); file: ${size_mib} MiB of random bytes served by nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') on 127.0.0.1"
  echo "- Machine: $cpu (lscpu; family $(cpu_family) model $(cpu_model_number)), $(nproc) cores, $flags, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(openssl version)"
  echo "- Code: commit $(git -C "$repo" describe --always --dirty --abbrev=7 2>/dev/null || echo unknown); SHA3 engine measured: $engine"
  echo "- Targets (issue 5): fetch <= 1.15x hash-only wall time, >= 1.5x faster than curl + openssl, peak RSS < 100 MiB"
  echo
  echo "| Command | Wall time (s) | MiB/s | Peak RSS (MiB) | 1-min load before |"
  echo "|---|---|---|---|---|"
  cat "$work/rows.md"
  echo
  cat "$work/ratios.md"
} > "$out"
cat "$out"
