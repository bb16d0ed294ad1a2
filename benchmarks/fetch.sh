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
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true

measure() { # name, command...
  local name="$1"; shift
  /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt"
  local wall rss
  wall="$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')"
  rss="$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')"
  printf '| %s | %s | %d |\n' "$name" "$wall" "$((rss / 1024))" >> "$work/rows.md"
  echo "$name: wall $wall, peak RSS $((rss / 1024)) MiB" >&2
}

measure "gvmi hash (hash only)" dotnet "$gvmi" hash "$work/www/image.gvmi"
rm -rf "$work/cache"
measure "gvmi fetch (cold cache, download + verify)" dotnet "$gvmi" fetch --hash "$hash" "$url" --cache "$work/cache"
rm -f "$work/f"
measure "curl -o f URL && openssl dgst -sha3-224 f" sh -c "curl -s -o '$work/f' '$url' && openssl dgst -sha3-224 '$work/f'"

{
  echo "# gvmi fetch benchmark"
  echo
  echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); file: ${size_mib} MiB of random bytes served by nginx $("$nginx_bin" -v 2>&1 | sed 's/.*\///') on 127.0.0.1"
  echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Targets (issue 5): fetch <= 1.15x hash-only wall time, >= 1.5x faster than curl + openssl, peak RSS < 100 MiB"
  echo
  echo "| Command | Wall time | Peak RSS (MiB) |"
  echo "|---|---|---|"
  cat "$work/rows.md"
} > "$out"
cat "$out"
