# Shared by the benchmark scripts (publish.sh, push.sh, fetch.sh, serve.sh, build.sh); sourced, never run.
#   bench_init NAME        sets here, repo and work (a fresh temporary directory) and removes work on exit, after
#                          stopping every nginx started with start_nginx and running what at_exit registered
#   at_exit COMMAND        runs COMMAND (a string) on exit, before work is removed
#   build_gvmi             builds the CLI (Release) and sets gvmi to its dll; with BASELINE=REV (a git revision) also
#                          builds that revision's CLI in a clone under work and sets baseline to its dll (else empty)
#   free_port              prints a free TCP port on 127.0.0.1
#   seconds WALL           prints the seconds of a /usr/bin/time wall clock ([h:]mm:ss.ss)
#   timed OUT COMMAND...   runs COMMAND under /usr/bin/time -v, its standard output to OUT, and sets LOAD (the 1-minute
#                          load average before), WALL_S, CPU_S (user + system) and RSS_MIB (peak); on failure prints
#                          the report (with the command's errors) and exits
#   cpu_seconds REPORT     prints user + system seconds from a /usr/bin/time -v report
#   proc_cpu PID...        prints the user + system seconds used so far by these live processes and their children
#   start_nginx NAME SENDFILE CONNECTIONS ROOT [SERVER_DIRECTIVES]
#                          writes and starts an nginx (one worker) on 127.0.0.1 serving ROOT, prints its port; its
#                          master's pid is in $work/nginx-NAME.pid; the log format "bench" (method, path, status,
#                          request length with the body) is there for an access_log in SERVER_DIRECTIVES
#   random_squashfs PATH MIB   writes MIB MiB of random bytes behind a squashfs 4.0 superblock that gvmi accepts as
#                          mountable (magic, version, gzip, bytes used = the whole file); no file system is inside
#   cpu_model, cpu_family, cpu_model_number   what lscpu says

bench_init() {
  here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
  repo="$(cd "$here/.." && pwd)"
  work="$(mktemp -d "${TMPDIR:-/tmp}/gvmi-$1-bench.XXXXXX")"
  nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
  _exit_commands=()
  trap _bench_exit EXIT
}

at_exit() { _exit_commands+=("$1"); }

_bench_exit() {
  local command pid
  for command in "${_exit_commands[@]}"; do eval "$command" || true; done
  for pid in "$work"/nginx-*.pid; do [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null; done
  rm -rf "$work"
}

build_gvmi() {
  dotnet build -c Release "$repo/src/Golem.VmImages.Cli" >/dev/null
  gvmi="$repo/src/Golem.VmImages.Cli/bin/Release/net10.0/gvmi.dll"
  baseline=""
  if [ -n "${BASELINE:-}" ]; then
    git clone -q "$repo" "$work/baseline"
    git -C "$work/baseline" checkout -q "$BASELINE"
    dotnet build -c Release "$work/baseline/src/Golem.VmImages.Cli" >/dev/null
    baseline="$work/baseline/src/Golem.VmImages.Cli/bin/Release/net10.0/gvmi.dll"
    baseline_name="$(git -C "$work/baseline" rev-parse --short HEAD)"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

seconds() { echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'; }

cpu_seconds() { awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$1"; }

timed() {
  local stdout="$1"; shift
  LOAD="$(cut -d' ' -f1 /proc/loadavg)"
  /usr/bin/time -v "$@" > "$stdout" 2> "$work/time.txt" || { cat "$work/time.txt" >&2; exit 1; }
  WALL_S="$(seconds "$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')")"
  CPU_S="$(cpu_seconds "$work/time.txt")"
  RSS_MIB="$(( $(grep 'Maximum resident set size' "$work/time.txt" | awk '{print $NF}') / 1024 ))"
}

proc_cpu() {
  local pids=("$@") pid
  for pid in "$@"; do pids+=($(cat "/proc/$pid/task/"*/children 2>/dev/null)); done
  for pid in "${pids[@]}"; do cat "/proc/$pid/stat" 2>/dev/null; done |
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); s += $12 + $13 } END { printf "%.2f", s / hz }'
}

start_nginx() {
  local name="$1" sendfile="$2" connections="$3" root="$4" directives="${5:-}" port
  port="$(free_port)"
  mkdir -p "$work/tmp"
  cat > "$work/nginx-$name.conf" <<CONF
daemon on;
worker_processes 1;
pid $work/nginx-$name.pid;
error_log $work/error-$name.log;
events { worker_connections $connections; }
http {
    access_log off;
    log_format bench '\$request_method \$uri \$status \$request_length';
    sendfile $sendfile;
    client_max_body_size 0;
    client_body_temp_path $work/tmp/body;
    proxy_temp_path $work/tmp/proxy;
    fastcgi_temp_path $work/tmp/fastcgi;
    uwsgi_temp_path $work/tmp/uwsgi;
    scgi_temp_path $work/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $root;
        $directives
    }
}
CONF
  "$nginx_bin" -p "$work" -c "$work/nginx-$name.conf" -e "$work/error-$name.log"
  echo "$port"
}

cpu_model() { lscpu | sed -n 's/^Model name: *//p' | head -1; }
cpu_family() { lscpu | awk -F: '/^CPU family/ { print $2 }' | xargs; }
cpu_model_number() { lscpu | awk -F: '/^Model:/ { print $2 }' | xargs; }

random_squashfs() {
  python3 - "$1" "$2" <<'PY'
import os, struct, sys
path, mib = sys.argv[1], int(sys.argv[2])
size = mib * 1024 * 1024
superblock = bytearray(96)
struct.pack_into("<I", superblock, 0, 0x73717368)
struct.pack_into("<H", superblock, 20, 1)
struct.pack_into("<HH", superblock, 28, 4, 0)
struct.pack_into("<Q", superblock, 40, size)
with open(path, "wb") as f:
    f.write(superblock)
    left = size - len(superblock)
    while left > 0:
        n = min(left, 8 << 20)
        f.write(os.urandom(n))
        left -= n
PY
}
