#!/usr/bin/env bash
# Publish benchmark: a generated image sent to a local nginx (dav module, PUT + MOVE) on 127.0.0.1, in the same run
#   (1) curl -T FILE URL (upload only, no hash: the baseline),
#   (2) gvmi publish FILE --to URL --no-check (upload to a staging name, SHA3-224 while sending, MOVE),
#   (3) gvmi publish to moto_server's S3 API (multipart, 16 MiB parts, 4 in parallel) when moto_server is on PATH,
# each with wall time and peak RSS from /usr/bin/time -v; (2) and (1) alternate for ROUNDS rounds.
# Then the peak RSS of (2) for a RSS_MIB image (default 4096). Results go to benchmarks/publish-results.md.
# Needs: dotnet, nginx (Debian nginx-light), curl, /usr/bin/time (package "time"); optionally moto_server.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
size_mib="${SIZE_MIB:-1024}"
rss_mib="${RSS_MIB:-4096}"
rounds="${ROUNDS:-3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/gvmi-publish-bench.XXXXXX")"
out="$here/publish-results.md"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
moto_pid=""
cleanup() {
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

dotnet build -c Release "$repo/src/Golem.VmImages.Cli" >/dev/null
gvmi="$repo/src/Golem.VmImages.Cli/bin/Release/net10.0/gvmi.dll"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A valid .gvmi: random bytes behind the squashfs magic, then a real trailer written by gvmi wrap's format.
make_image() { # path, MiB
  python3 - "$1" "$2" <<'PY'
import json, os, struct, sys, zlib
path, mib = sys.argv[1], int(sys.argv[2])
with open(path, "wb") as f:
    f.write(b"hsqs")
    left = mib * 1024 * 1024 - 4
    while left > 0:
        n = min(left, 8 << 20)
        f.write(os.urandom(n))
        left -= n
    config = json.dumps({"Cmd": ["/bin/true"]}, separators=(",", ":")).encode()
    f.write(struct.pack("<I", zlib.crc32(config)) + config + b"%08d" % len(config))
PY
}

mkdir -p "$work/www" "$work/tmp" "$work/in"
chmod 777 "$work/www" "$work/tmp"
chmod 755 "$work"
echo "generating ${size_mib} MiB image..." >&2
make_image "$work/in/image.gvmi" "$size_mib"
port="$(free_port)"
cat > "$work/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 64; }
http {
    access_log off;
    sendfile on;
    client_max_body_size 0;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $work/www;
        location / { dav_methods PUT DELETE MOVE; create_full_put_path on; dav_access user:rw group:r all:r; }
    }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/error.log"
base="http://127.0.0.1:$port"
sleep 0.5

seconds() { echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'; }

results=()
measure() { # name, command...
  local name="$1"; shift
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v "$@" > /dev/null 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
  local wall rss
  wall="$(seconds "$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')")"
  rss="$(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}')"
  results+=("| $name | $wall | $((rss / 1024)) | $load |")
  echo "$name: ${wall}s, peak RSS $((rss / 1024)) MiB, load $load" >&2
}

for round in $(seq 1 "$rounds"); do
  rm -rf "$work/www/"*
  measure "curl -T, ${size_mib} MiB (round $round)" curl -sS -f -T "$work/in/image.gvmi" "$base/curl-$round.gvmi"
  measure "gvmi publish to nginx, ${size_mib} MiB (round $round)" dotnet "$gvmi" publish "$work/in/image.gvmi" --to "$base/r$round/" --no-check
done

if command -v moto_server >/dev/null 2>&1; then
  moto_port="$(free_port)"
  moto_server -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null && break; sleep 0.1; done
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
  curl -sS -f -X PUT "http://127.0.0.1:$moto_port/bench" > /dev/null
  measure "gvmi publish to moto S3, ${size_mib} MiB" dotnet "$gvmi" publish "$work/in/image.gvmi" --to s3://bench/images \
    --endpoint "http://127.0.0.1:$moto_port" --path-style --region us-east-1 --no-check
fi

if [ "$rss_mib" -gt 0 ]; then
  rm -rf "$work/www/"*
  echo "generating ${rss_mib} MiB image..." >&2
  rm -f "$work/in/image.gvmi"
  make_image "$work/in/big.gvmi" "$rss_mib"
  measure "gvmi publish to nginx, ${rss_mib} MiB (peak RSS)" dotnet "$gvmi" publish "$work/in/big.gvmi" --to "$base/big/" --no-check
fi

{
  echo "# gvmi publish benchmark"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) CPUs; load average before each command in the last column."
  echo
  echo "| command | wall s | peak RSS MiB | load |"
  echo "| --- | ---: | ---: | ---: |"
  printf '%s\n' "${results[@]}"
} > "$out"
cat "$out"
