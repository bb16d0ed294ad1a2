#!/usr/bin/env bash
# gvmi serve benchmark (issue 17), all on 127.0.0.1, in one run:
#   (1) a 1 GiB file to curl: gvmi serve against nginx (sendfile on, as Debian ships it, and sendfile off),
#       interleaved rounds, median wall time of each server and the per-round ratio;
#   (2) 200 concurrent clients each doing 2 MiB Range reads from gvmi serve: every status checked (206 expected),
#       peak RSS of the gvmi process (VmHWM).
# Usage: benchmarks/serve.sh [ROUNDS]   (default 7). Needs: dotnet, nginx (Debian nginx-light), curl, python3.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_init serve

rounds="${1:-7}"
clients="${CLIENTS:-200}"
reads_per_client="${READS_PER_CLIENT:-5}"
gvmi_pid=""
at_exit '[ -n "$gvmi_pid" ] && kill "$gvmi_pid" 2>/dev/null'

build_gvmi

mkdir -p "$work/www" "$work/tmp"
chmod 755 "$work" "$work/www"
echo "generating 1 GiB of random data..." >&2
head -c $((1024 * 1024 * 1024)) /dev/urandom > "$work/www/image.gvmi"

nginx_on="$(start_nginx sendfile on 512 "$work/www")"
nginx_off="$(start_nginx copy off 512 "$work/www")"
gvmi_port="$(free_port)"
dotnet "$gvmi" serve "$work/www" --port "$gvmi_port" --quiet > "$work/gvmi.out" 2> "$work/gvmi.err" &
gvmi_pid=$!
for _ in $(seq 1 600); do grep -q '^Serving' "$work/gvmi.out" 2>/dev/null && break; sleep 0.2; done
grep -q '^Serving' "$work/gvmi.out" || { cat "$work/gvmi.err" >&2; exit 1; }

cat /proc/loadavg > "$work/load-start"
echo "warming the page cache..." >&2
cat "$work/www/image.gvmi" > /dev/null

time_get() { curl -sS -o /dev/null -w '%{time_total}\n' "$1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

: > "$work/on" ; : > "$work/off" ; : > "$work/gvmi" ; : > "$work/ratio-on" ; : > "$work/ratio-off"
for round in $(seq 1 "$rounds"); do
  on="$(time_get "http://127.0.0.1:$nginx_on/image.gvmi")"
  g="$(time_get "http://127.0.0.1:$gvmi_port/image.gvmi")"
  off="$(time_get "http://127.0.0.1:$nginx_off/image.gvmi")"
  echo "$on" >> "$work/on"; echo "$off" >> "$work/off"; echo "$g" >> "$work/gvmi"
  awk -v g="$g" -v n="$on" 'BEGIN { print g / n }' >> "$work/ratio-on"
  awk -v g="$g" -v n="$off" 'BEGIN { print g / n }' >> "$work/ratio-off"
  echo "round $round: nginx sendfile ${on}s, gvmi serve ${g}s, nginx no sendfile ${off}s (load $(cut -d' ' -f1 /proc/loadavg))" >&2
done

mib_s() { awk -v s="$1" 'BEGIN { printf "%.0f", 1024 / s }'; }
m_on="$(median < "$work/on")"; m_off="$(median < "$work/off")"; m_g="$(median < "$work/gvmi")"
echo
echo "1 GiB to curl, $rounds interleaved rounds (median s, MiB/s):"
echo "  nginx (sendfile on)    $m_on s  $(mib_s "$m_on") MiB/s"
echo "  nginx (sendfile off)   $m_off s  $(mib_s "$m_off") MiB/s"
echo "  gvmi serve             $m_g s  $(mib_s "$m_g") MiB/s"
echo "  gvmi / nginx sendfile on:  median of per-round ratios $(median < "$work/ratio-on")x"
echo "  gvmi / nginx sendfile off: median of per-round ratios $(median < "$work/ratio-off")x"

echo "running $clients concurrent clients x $reads_per_client Range reads of 2 MiB..." >&2
size=$((1024 * 1024 * 1024))
chunk=$((2 * 1024 * 1024))
seq 0 $((clients * reads_per_client - 1)) | awk -v n=$((size / chunk)) -v c=$chunk '{ s = (($1 * 7919) % n) * c; print s "-" s + c - 1 }' > "$work/ranges"
rss_before="$(awk '/VmHWM/ { print $2 }' "/proc/$gvmi_pid/status")"
start="$(date +%s.%N)"
xargs -P "$clients" -I{} curl -sS -o /dev/null -w '%{http_code} %{size_download}\n' -H 'Range: bytes={}' "http://127.0.0.1:$gvmi_port/image.gvmi" < "$work/ranges" > "$work/statuses" 2> "$work/curl-errors" || true
end="$(date +%s.%N)"
rss_peak="$(awk '/VmHWM/ { print $2 }' "/proc/$gvmi_pid/status")"
ok="$(awk -v c=$chunk '$1 == 206 && $2 == c' "$work/statuses" | wc -l)"
total="$(wc -l < "$work/ranges")"
echo
echo "$clients concurrent clients, $total Range reads of 2 MiB: $ok answered 206 with 2 MiB, $((total - ok)) errors, $(wc -l < "$work/curl-errors") curl errors"
awk -v s="$start" -v e="$end" -v t="$total" 'BEGIN { printf "  %.1f s, %.0f MiB/s in total\n", e - s, t * 2 / (e - s) }'
echo "  gvmi serve peak RSS: $((rss_peak / 1024)) MiB (after the 1 GiB rounds: $((rss_before / 1024)) MiB)"
echo
echo "load average at start: $(cat "$work/load-start"); at end: $(cat /proc/loadavg)"
echo "CPU: $(cpu_model), $(nproc) CPUs"
