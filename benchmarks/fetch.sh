#!/usr/bin/env bash
# Fetch benchmark (issue 5): serves a generated 4 GiB file from a local nginx on 127.0.0.1 and compares
#   (1) gvmi fetch into a cold cache (download + one-pass SHA3-224 verify + atomic rename),
#   (2) gvmi hash of the same file (hash only, the floor),
#   (3) curl -o f URL && openssl dgst -sha3-224 f (the two-step baseline),
# with wall time and peak RSS from /usr/bin/time -v. Results go to benchmarks/fetch-results.md.
# Needs: dotnet, nginx (Debian nginx-light), curl, openssl >= 1.1.1, /usr/bin/time (package "time").
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
size_mib="${SIZE_MIB:-4096}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gvmi-fetch-bench.XXXXXX")"
out="$here/fetch-results.md"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
trap '[ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

dotnet build -c Release "$repo/src/Golem.VmImages.Cli" >/dev/null
gvmi="$repo/src/Golem.VmImages.Cli/bin/Release/net10.0/gvmi.dll"

mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" "$work/www"
echo "generating ${size_mib} MiB of random data..." >&2
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/www/image.gvmi"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$work/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    server { listen 127.0.0.1:$port; root $work/www; }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/error.log"
url="http://127.0.0.1:$port/image.gvmi"
sleep 0.5

hash="$(openssl dgst -sha3-224 -r "$work/www/image.gvmi" | cut -d' ' -f1)"

seconds() { # [h:]mm:ss.ss -> seconds
  echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}

measure() { # key, name, command...
  local key="$1" name="$2"; shift 2
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt"
  local wall rss secs
  wall="$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')"
  secs="$(seconds "$wall")"
  echo "$secs" > "$work/$key.s"
  printf '| %s | %s | %s | %d | %s |\n' "$name" "$secs" "$(awk -v m="$size_mib" -v s="$secs" 'BEGIN { printf "%.0f", m / s }')" "$((rss / 1024))" "$load" >> "$work/rows.md"
  echo "$name: ${secs} s, peak RSS $((rss / 1024)) MiB, load before $load" >&2
}

# RUNS=n repeats the three measurements (each row is one run; compare rows of the same run).
for run in $(seq 1 "${RUNS:-1}"); do
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  measure "hash$run" "gvmi hash (hash only), run $run" dotnet "$gvmi" hash "$work/www/image.gvmi"
  rm -rf "$work/cache"
  measure "fetch$run" "gvmi fetch (cold cache, download + verify), run $run" dotnet "$gvmi" fetch --hash "$hash" "$url" --cache "$work/cache"
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
cpu="$(lscpu | awk -F: '/^Model name/ { gsub(/^ +/, "", $2); print $2 }')"
flags="$(grep -o 'avx512f\|avx2' /proc/cpuinfo | sort -u | tr '\n' ' ' | xargs)"

{
  echo "# gvmi fetch benchmark"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); file: ${size_mib} MiB of random bytes served by nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') on 127.0.0.1"
  echo "- Machine: $cpu (lscpu; family $(lscpu | awk -F: '/^CPU family/ { print $2 }' | xargs) model $(lscpu | awk -F: '/^Model:/ { print $2 }' | xargs)), $(nproc) cores, $flags, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(openssl version)"
  echo "- Code: commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown); SHA3 engine measured: $engine"
  echo "- Targets (issue 5): fetch <= 1.15x hash-only wall time, >= 1.5x faster than curl + openssl, peak RSS < 100 MiB"
  echo
  echo "| Command | Wall time (s) | MiB/s | Peak RSS (MiB) | 1-min load before |"
  echo "|---|---|---|---|---|"
  cat "$work/rows.md"
  echo
  cat "$work/ratios.md"
} > "$out"
cat "$out"
