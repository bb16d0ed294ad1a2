#!/usr/bin/env bash
# Publish benchmark: a generated image sent to a local nginx (dav module, PUT + MOVE) on 127.0.0.1, in the same run
#   (1) curl -T FILE URL (upload only, no hash: the baseline),
#   (2) gvmi hash FILE (SHA3-224 only, no upload: the floor set by hashing),
#   (3) gvmi publish FILE --to URL --no-check (SHA3-224 first, HEAD of the key, then upload to a staging name,
#       hashed again while sending, MOVE),
#   (4) gvmi publish to moto_server's S3 API (multipart, 8 MiB parts, 4 in parallel) when moto_server is on PATH,
# then, after the last round, (5) a first publish with the hash given (--image-hash: no hash pass before the upload),
# and the same image published again unchanged, (6) with the hash the last round's publish remembered (its own
# XDG_DATA_HOME, so its own file-identity hash store), (7) with its hash given (for both a HEAD finds it: no PUT is
# expected) and (8) with nothing remembered (the upload to a staging name runs beside the hash and is cut when the
# HEAD finds the image); the nginx access log gives the PUTs and the bytes nginx received. Every first publish has a
# fresh, empty hash store. BASELINE=REV adds to each round a first publish by that git revision's gvmi (built in a
# clone), so an older publish is measured in the same run;
# each with wall time, CPU time (user + system) of the command and of the server (the nginx worker, moto_server)
# and peak RSS from /usr/bin/time -v; (1) to (3) alternate for ROUNDS rounds. Then the peak RSS of (3) and, with
# moto_server, of (4) for a RSS_MIB image (default 4096; S3_RSS_MIB to change the S3 one, 0 to skip it). moto takes
# many minutes to complete and copy a 4 GiB upload after the last part, when gvmi holds no part buffer any more:
# that row reads the process's VmHWM and stops it after S3_RSS_SECONDS (default 300) if it is still waiting.
# GVMI_NATIVE=DIR (a `dotnet publish -c Release -r linux-x64` output, the build the tool package ships for linux-x64)
# repeats that row with the Native AOT gvmi. Results go to benchmarks/publish-results.md.
# Needs: dotnet, nginx (Debian nginx-light), curl, /usr/bin/time (package "time"); optionally moto_server.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init publish

size_mib="${SIZE_MIB:-1024}"
rss_mib="${RSS_MIB:-4096}"
s3_rss_mib="${S3_RSS_MIB:-$rss_mib}"
rounds="${ROUNDS:-3}"
out="$here/publish-results.md"
moto_pid=""
at_exit '[ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null'

build_gvmi

# A .gvmi gvmi accepts: random bytes behind a squashfs superblock, wrapped with a config trailer by gvmi wrap.
make_image() { # path, MiB
  random_squashfs "$work/in/image.squashfs" "$2"
  dotnet "$gvmi" wrap "$work/in/image.squashfs" -o "$1" --cmd /bin/true > /dev/null
  rm -f "$work/in/image.squashfs"
}

mkdir -p "$work/www" "$work/tmp" "$work/in"
chmod 777 "$work/www" "$work/tmp"
chmod 755 "$work"
echo "generating ${size_mib} MiB image..." >&2
make_image "$work/in/image.gvmi" "$size_mib"
port="$(start_nginx dav on 64 "$work/www" 'location / { dav_methods PUT DELETE MOVE; create_full_put_path on; dav_access user:rw group:r all:r; } access_log '"$work"'/access.log bench;')"
nginx_pid="$(cat "$work/nginx-dav.pid")"
base="http://127.0.0.1:$port"
sleep 0.5

results=()
measure() { # key, name, server pid (or -), command...
  local key="$1" name="$2" server="$3"; shift 3
  local before server_cpu=""
  [ "$server" = - ] || before="$(proc_cpu "$server")"
  timed /dev/null "$@"
  [ "$server" = - ] || server_cpu="$(awk -v a="$before" -v b="$(proc_cpu "$server")" 'BEGIN { printf "%.2f", b - a }')"
  echo "$WALL_S $CPU_S ${server_cpu:-0}" > "$work/$key"
  results+=("| $name | $WALL_S | $CPU_S | $server_cpu | $RSS_MIB | $LOAD |")
  echo "$name: ${WALL_S}s, CPU ${CPU_S}s, server CPU ${server_cpu:-none}, peak RSS ${RSS_MIB} MiB, load $LOAD" >&2
}

cat "$work/in/image.gvmi" > /dev/null # into the page cache: every command reads a warm file
ratios=()
for round in $(seq 1 "$rounds"); do
  rm -rf "$work/www/"*
  measure "curl$round" "curl -T, ${size_mib} MiB (round $round)" "$nginx_pid" curl -sS -f -T "$work/in/image.gvmi" "$base/curl-$round.gvmi"
  measure "hash$round" "gvmi hash, ${size_mib} MiB (round $round)" - env XDG_DATA_HOME="$work/hashdata$round" dotnet "$gvmi" hash "$work/in/image.gvmi"
  measure "publish$round" "gvmi publish to nginx, ${size_mib} MiB (round $round)" "$nginx_pid" env XDG_DATA_HOME="$work/data$round" dotnet "$gvmi" publish "$work/in/image.gvmi" --to "$base/r$round/" --no-check
  if [ -n "$baseline" ]; then
    measure "old$round" "gvmi publish to nginx, baseline $baseline_name, ${size_mib} MiB (round $round)" "$nginx_pid" env XDG_DATA_HOME="$work/old$round" dotnet "$baseline" publish "$work/in/image.gvmi" --to "$base/old$round/" --no-check
    ratios+=("- Round $round: first publish / baseline $baseline_name's publish = $(awk -v a="$(cut -d' ' -f1 "$work/publish$round")" -v b="$(cut -d' ' -f1 "$work/old$round")" 'BEGIN { printf "%.2fx (%.2f s / %.2f s)", a / b, a, b }')")
  fi
  ratios+=("$(awk -v r="$round" -v nproc="$(nproc)" '
    FILENAME == ARGV[1] { cw = $1; cc = $2; cn = $3 } FILENAME == ARGV[2] { hw = $1; hc = $2 } FILENAME == ARGV[3] { pw = $1; pc = $2; pn = $3 }
    END {
      cpu = (pc + pn) / nproc
      floor = cpu > hw ? cpu : hw
      printf "- Round %s: wall publish / curl -T = %.2fx; hash alone / curl -T = %.2fx; CPU publish = %.2f s (hash alone %.2f s, curl %.2f s), nginx %.2f s during the publish (%.2f s during curl); publish + nginx CPU over %d cores = %.2f s; the wall-time floor on this machine, the larger of that and the hash alone, = %.2f s = %.2fx curl -T", r, pw / cw, hw / cw, pc, hc, cc, pn, cn, nproc, cpu, floor, floor / cw
    }' "$work/curl$round" "$work/hash$round" "$work/publish$round")")
done

# Re-publishing the unchanged image: no body may be sent (no PUT in nginx's log), with the hash given and computed.
image_hash="$(dotnet "$gvmi" hash "$work/in/image.gvmi" | cut -d' ' -f1)"
republish_note() { # key, what
  local puts
  puts="$(tail -n +"$(( $(cat "$work/$1.lines") + 1 ))" "$work/access.log" | awk '$1 == "PUT" { n++; b += $4 } END { printf "%d PUT requests, %.1f MiB received by nginx (request lengths, headers included)", n, b / 1048576 }')"
  ratios+=("- $2: $(cut -d' ' -f1 "$work/$1") s wall; nginx's access log: $puts")
}
measure given "gvmi publish to nginx, --image-hash given, ${size_mib} MiB" "$nginx_pid" env XDG_DATA_HOME="$work/given" dotnet "$gvmi" publish "$work/in/image.gvmi" --to "$base/given/" --no-check --image-hash "$image_hash"
wc -l < "$work/access.log" > "$work/remembered.lines"
measure remembered "gvmi publish again, unchanged, hash remembered by the first publish, ${size_mib} MiB" "$nginx_pid" env XDG_DATA_HOME="$work/data$rounds" dotnet "$gvmi" publish "$work/in/image.gvmi" --to "$base/r$rounds/" --no-check
republish_note remembered "Re-publish of the unchanged ${size_mib} MiB image, hash remembered"
wc -l < "$work/access.log" > "$work/republish.lines"
measure republish "gvmi publish again, unchanged, --image-hash given, ${size_mib} MiB" "$nginx_pid" env XDG_DATA_HOME="$work/given" dotnet "$gvmi" publish "$work/in/image.gvmi" --to "$base/r$rounds/" --no-check --image-hash "$image_hash"
republish_note republish "Re-publish of the unchanged ${size_mib} MiB image, hash given"
wc -l < "$work/access.log" > "$work/rehash.lines"
measure rehash "gvmi publish again, unchanged, hashed first (nothing remembered), ${size_mib} MiB" "$nginx_pid" env XDG_DATA_HOME="$work/fresh" dotnet "$gvmi" publish "$work/in/image.gvmi" --to "$base/r$rounds/" --no-check
republish_note rehash "Re-publish of the unchanged ${size_mib} MiB image, hashed first"

if command -v moto_server >/dev/null 2>&1; then
  moto_port="$(free_port)"
  moto_server -H 127.0.0.1 -p "$moto_port" > "$work/moto.log" 2>&1 &
  moto_pid=$!
  for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null && break; sleep 0.1; done
  export AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
  curl -sS -f -X PUT "http://127.0.0.1:$moto_port/bench" > /dev/null
  s3_options=(--endpoint "http://127.0.0.1:$moto_port" --path-style --region us-east-1 --no-check)
  measure s3 "gvmi publish to moto S3, ${size_mib} MiB" "$moto_pid" dotnet "$gvmi" publish "$work/in/image.gvmi" --to s3://bench/images "${s3_options[@]}"
fi

if [ "$rss_mib" -gt 0 ]; then
  rm -rf "$work/www/"*
  echo "generating ${rss_mib} MiB image..." >&2
  rm -f "$work/in/image.gvmi"
  make_image "$work/in/big.gvmi" "$rss_mib"
  measure big "gvmi publish to nginx, ${rss_mib} MiB (peak RSS)" "$nginx_pid" dotnet "$gvmi" publish "$work/in/big.gvmi" --to "$base/big/" --no-check
fi

peak_rss() { # name, seconds, command...: peak RSS (VmHWM) of the command, stopped after the given seconds
  local name="$1" limit="$2"; shift 2
  local load pid hwm=0 now waited=0 note="finished"
  load="$(cut -d' ' -f1 /proc/loadavg)"
  "$@" > /dev/null 2> "$work/peak.err" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    now="$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)"
    [ -n "$now" ] && [ "$now" -gt "$hwm" ] && hwm="$now"
    if [ "$waited" -ge "$limit" ]; then note="stopped after ${limit} s, moto still completing"; kill "$pid"; break; fi
    sleep 1
    waited=$((waited + 1))
  done
  wait "$pid" 2>/dev/null || [ "$note" != finished ] || { cat "$work/peak.err" >&2; exit 1; }
  results+=("| $name ($note) | | | | $((hwm / 1024)) | $load |")
  echo "$name: peak RSS $((hwm / 1024)) MiB ($note), load $load" >&2
}

if [ -n "$moto_pid" ] && [ "$s3_rss_mib" -gt 0 ]; then
  if [ "$s3_rss_mib" != "$rss_mib" ]; then
    rm -f "$work/in/big.gvmi"
    echo "generating ${s3_rss_mib} MiB image..." >&2
    make_image "$work/in/big.gvmi" "$s3_rss_mib"
  fi
  peak_rss "gvmi publish to moto S3, ${s3_rss_mib} MiB (peak RSS)" "${S3_RSS_SECONDS:-300}" dotnet "$gvmi" publish "$work/in/big.gvmi" --to s3://bench/big "${s3_options[@]}"
  if [ -n "${GVMI_NATIVE:-}" ]; then
    peak_rss "gvmi publish to moto S3, ${s3_rss_mib} MiB, Native AOT (peak RSS)" "${S3_RSS_SECONDS:-300}" "$GVMI_NATIVE/gvmi" publish "$work/in/big.gvmi" --to s3://bench/native "${s3_options[@]}"
  fi
fi

{
  echo "# gvmi publish benchmark"
  echo
  echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') on $(cpu_model) (family $(cpu_family) model $(cpu_model_number)), $(nproc) CPUs; commit $(git -C "$repo" describe --always --dirty --abbrev=7 2>/dev/null || echo unknown); load average before each command in the last column. CPU is user + system seconds of the command; server CPU is what the nginx worker (or moto_server) used meanwhile."
  echo
  echo "| command | wall s | CPU s | server CPU s | peak RSS MiB | load |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  printf '%s\n' "${results[@]}"
  echo
  printf '%s\n' "${ratios[@]}"
} > "$out"
cat "$out"
