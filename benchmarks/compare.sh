#!/usr/bin/env bash
# Whole-process SHA3-224 comparison of `gvmi hash` against `openssl dgst -sha3-224` (and rhash / sha3sum when
# installed) on page-cache-warm random files, and of the start-up (`gvmi hash` of a 1-byte file, `gvmi --version`).
# `gvmi` is the Native AOT build that the linux-x64 tool package ships (the portable entry point, which execs the
# AVX2 or AVX-512 image before the .NET runtime starts); the framework-dependent (JIT) build runs beside it for
# reference. Every case runs once per round, rounds interleave the cases, and each median and ratio printed comes
# from this one run. The two AVX-512 Keccak kernels run forced (GOLEM_VMIMAGES_KECCAK) beside the default, which
# calibrates and picks one; the calibration the native tool makes is printed with the machine. See benchmarks/README.md.
#
# Usage: benchmarks/compare.sh [ROUNDS]   (default 5)
#   STARTUP_ONLY=1   only the start-up cases: no large files, no JIT build unless GVMI_JIT is given (a minute or two)
#   STARTUP_RUNS=N   start-up runs of each case per round (default 5)
#   KEEP_FILES=1     keep the temp dir
#   GVMI_NATIVE, GVMI_JIT   folders published beforehand with the two `dotnet publish` commands below
set -euo pipefail
export LC_ALL=C   # a decimal point in $EPOCHREALTIME
unset GOLEM_VMIMAGES_KECCAK GOLEM_VMIMAGES_KECCAK_REPORT   # the default cases must calibrate; only the forced ones set them

rounds="${1:-5}"
startup_only="${STARTUP_ONLY:-0}"
startup_runs="${STARTUP_RUNS:-5}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/gvmi-compare.XXXXXX")"
cleanup() { if [[ "${KEEP_FILES:-0}" != 1 ]]; then rm -rf "$work"; fi; }
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
for tool in dotnet openssl awk clang; do
  need "$tool" || { echo "compare.sh: '$tool' is required but not installed." >&2; exit 1; }
done
if [[ ! -x /usr/bin/time ]]; then
  echo "compare.sh: /usr/bin/time (GNU time, for peak RSS) is missing; installing the 'time' package with apt-get." >&2
  sudo apt-get install -y time >&2
fi

echo "== machine"
lscpu | grep -E '^(Vendor ID|Model name|CPU family|Model|CPU\(s\)|Flags)' | sed -E 's/^(Flags:\s+).*/\1'"$(grep -o -w -E 'avx2|avx512f|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ')"'(relevant subset)/'
echo "dotnet $(dotnet --version); $(openssl version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# GVMI_NATIVE / GVMI_JIT: folders already published the same way (to keep the three Native AOT compiles out of a quiet window).
# The JIT build is left out of a start-up-only run unless it was published beforehand.
native="${GVMI_NATIVE:-$work/native}" jitdir="${GVMI_JIT:-$work/jit}" with_jit=1
[[ "$startup_only" == 1 && -z "${GVMI_JIT:-}" ]] && with_jit=0
echo "== publishing gvmi (Release): Native AOT for linux-x64, and framework-dependent for reference"
[[ -n "${GVMI_NATIVE:-}" ]] || dotnet publish "$repo/src/Golem.VmImages.Cli" -c Release -r linux-x64 -o "$native" --nologo -v quiet >/dev/null
[[ -n "${GVMI_JIT:-}" || "$with_jit" == 0 ]] || dotnet publish "$repo/src/Golem.VmImages.Cli" -c Release -p:PublishAot=false -o "$jitdir" --nologo -v quiet >/dev/null
gvmi="$native/gvmi"
jit="$jitdir/gvmi"
test -x "$native/gvmi-avx2" && test -x "$native/gvmi-avx512"
builds=("$gvmi")
[[ "$with_jit" == 0 ]] || builds+=("$jit")

echo "== generating random files in $work"
head -c 1 /dev/urandom >"$work/d-1B.bin"
d="$work/d-1B.bin"
head -c 1M /dev/urandom >"$work/e-1MiB.bin"   # enough to calibrate, for the kernel report
a="" b="" c=""
if [[ "$startup_only" != 1 ]]; then
  head -c 1G /dev/urandom >"$work/a-1GiB.bin"
  head -c 1G /dev/urandom >"$work/b-1GiB.bin"
  head -c 4G /dev/urandom >"$work/c-4GiB.bin"
  a="$work/a-1GiB.bin" b="$work/b-1GiB.bin" c="$work/c-4GiB.bin"
fi
# The VM may hand cold page-cache pages back to the host (free-page reporting / DAMON reclaim): a file read
# minutes ago is not necessarily still cached. Re-read every file before each round and report residency.
warm() { if [[ -n "$a" ]]; then cat "$a" "$b" "$c" >/dev/null; fi; }
residency() {
  if [[ -z "$a" ]]; then
    echo "(no large files)"
  elif need fincore; then
    fincore -b -n -o RES,SIZE "$a" "$b" "$c" | awk '{ printf "%.1f%% ", 100 * $1 / $2 } END { print "" }'
  else
    echo "(fincore not installed)"
  fi
}
echo "== warming the page cache"
warm
echo "page-cache residency of the 1 GiB, 1 GiB and 4 GiB files: $(residency)"

# The same digest from every tool, or the comparison means nothing.
for file in "$d" ${a:+"$a"}; do
  expected="$(openssl dgst -sha3-224 -r "$file" | cut -d' ' -f1)"
  for build in "${builds[@]}"; do
    actual="$("$build" hash "$file" 2>/dev/null | cut -d' ' -f1)"
    if [[ "$expected" != "$actual" ]]; then
      echo "compare.sh: $build printed $actual but openssl printed $expected for $file" >&2
      exit 1
    fi
  done
done

# Which image each native case runs (the AVX2 or AVX-512 image replaces the portable one before the runtime starts):
# `gvmi hash` of a FIFO nobody writes to waits in open(), long after the choice.
mkfifo "$work/fifo"
image_of() { # ENV... : prints the file the process image of `gvmi hash` is, once it runs
  env "$@" "$gvmi" hash "$work/fifo" >/dev/null 2>&1 &
  local pid=$!
  sleep 1
  basename "$(readlink "/proc/$pid/exe")"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}
echo "native image: default $(image_of); DOTNET_EnableAVX512=0 $(image_of DOTNET_EnableAVX512=0);" \
  "DOTNET_EnableHWIntrinsic=0 $(image_of DOTNET_EnableHWIntrinsic=0)"

# Which Keccak kernel the default cases run: each process calibrates once (both AVX-512 kernels over the same few
# dozen blocks) and prints its choice with GOLEM_VMIMAGES_KECCAK_REPORT=1. Five processes show whether it is stable.
echo "Keccak kernel chosen by the native tool (five processes, 1 MiB each):"
for ((i = 1; i <= 5; i++)); do
  GOLEM_VMIMAGES_KECCAK_REPORT=1 "$gvmi" hash "$work/e-1MiB.bin" 2>&1 >/dev/null | sed 's/^/  /'
done
[[ "$(GOLEM_VMIMAGES_KECCAK_REPORT=1 "$gvmi" hash "$work/e-1MiB.bin" 2>&1 >/dev/null)" == *calibration* ]] ||
  echo "  (no calibration printed: this CPU has no AVX-512, so the scalar kernel runs)"

# name|size in MiB|command (run with eval, output discarded)
# Start-up: a 1-byte file and --version, STARTUP_RUNS runs per round (each one a case of its own, so that all count).
# The AVX-512 image started directly shows what the portable entry point's exec costs.
startup=()
for ((i = 1; i <= startup_runs; i++)); do
  startup+=("start-up: openssl, 1 byte #$i|0|openssl dgst -sha3-224 '$d'")
  startup+=("start-up: gvmi, 1 byte #$i|0|'$gvmi' hash '$d'")
  startup+=("start-up: gvmi-avx512 directly, 1 byte #$i|0|'$native/gvmi-avx512' hash '$d'")
  startup+=("start-up: openssl version #$i|0|openssl version")
  startup+=("start-up: gvmi --version #$i|0|'$gvmi' --version")
  [[ "$with_jit" == 0 ]] || startup+=("start-up: gvmi JIT, 1 byte #$i|0|'$jit' hash '$d'")
done
startup_names=("start-up: openssl, 1 byte" "start-up: gvmi, 1 byte" "start-up: gvmi-avx512 directly, 1 byte"
  "start-up: openssl version" "start-up: gvmi --version")
[[ "$with_jit" == 0 ]] || startup_names+=("start-up: gvmi JIT, 1 byte")
cases=()
[[ "$startup_only" == 1 ]] || cases=(
  "openssl dgst -sha3-224 (1 GiB)|1024|openssl dgst -sha3-224 '$a'"
  "gvmi hash (1 GiB)|1024|'$gvmi' hash '$a'"
  "gvmi hash, AVX-512 off (1 GiB)|1024|DOTNET_EnableAVX512=0 '$gvmi' hash '$a'"
  "gvmi hash, Avx512 kernel (1 GiB)|1024|GOLEM_VMIMAGES_KECCAK=Avx512 '$gvmi' hash '$a'"
  "gvmi hash, Avx512Rows kernel (1 GiB)|1024|GOLEM_VMIMAGES_KECCAK=Avx512Rows '$gvmi' hash '$a'"
  "gvmi JIT hash (1 GiB)|1024|'$jit' hash '$a'"
  "gvmi JIT hash, AVX-512 off (1 GiB)|1024|DOTNET_EnableAVX512=0 '$jit' hash '$a'"
  "openssl dgst -sha3-224 (4 GiB)|4096|openssl dgst -sha3-224 '$c'"
  "gvmi hash (4 GiB)|4096|'$gvmi' hash '$c'"
  "gvmi hash A B (2 x 1 GiB)|2048|'$gvmi' hash '$a' '$b'"
  "gvmi hash A; gvmi hash B|2048|'$gvmi' hash '$a'; '$gvmi' hash '$b'"
)
if [[ "$startup_only" != 1 ]] && need rhash; then
  cases+=("rhash --sha3-224 (1 GiB)|1024|rhash --sha3-224 '$a'")
elif [[ "$startup_only" != 1 ]]; then
  echo "(rhash is not installed: skipped; 'sudo apt-get install rhash' to include it)"
fi
if [[ "$startup_only" != 1 ]] && need sha3sum; then
  cases+=("sha3sum -a 224 (1 GiB)|1024|sha3sum -a 224 '$a'")
elif [[ "$startup_only" != 1 ]]; then
  echo "(sha3sum is not installed: skipped; 'sudo apt-get install libdigest-sha3-perl' to include it)"
fi
cases+=("${startup[@]}")

declare -A times
echo "== $rounds interleaved rounds"
for ((round = 1; round <= rounds; round++)); do
  warm
  for entry in "${cases[@]}"; do
    IFS='|' read -r name _ command <<<"$entry"
    # $EPOCHREALTIME and eval: no process but the command's own between the two clock readings.
    start=$EPOCHREALTIME
    eval "$command" >/dev/null 2>&1
    end=$EPOCHREALTIME
    if [[ "$name" == start-up:* ]]; then
      times[${name% #*}]+="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", (e - s) * 1000 }') "
    else
      times[$name]+="$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%d", (e - s) * 1000 }') "
    fi
  done
  echo "round $round done (load $(cut -d' ' -f1 /proc/loadavg); residency after the round: $(residency))"
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
declare -A medians
for entry in "${cases[@]}"; do
  IFS='|' read -r name _ _ <<<"$entry"
  name=${name% #*}
  medians[$name]=$(median <<<"${times[$name]}")
done

if [[ "$startup_only" != 1 ]]; then
  openssl1=${medians["openssl dgst -sha3-224 (1 GiB)"]}
  openssl4=${medians["openssl dgst -sha3-224 (4 GiB)"]}
  echo
  echo "== results (median wall-clock of $rounds rounds, whole process including start-up)"
  printf '| %-32s | %10s | %8s | %-14s | %s\n' "case" "median ms" "MiB/s" "openssl/case" "all runs (ms)"
  printf '|%s|%s|%s|%s|%s\n' "----------------------------------" "------------" "----------" "----------------" "---"
  for entry in "${cases[@]}"; do
    IFS='|' read -r name size _ <<<"$entry"
    [[ "$size" == 0 ]] && continue
    ms=${medians[$name]}
    ref=$openssl1
    [[ "$size" == 4096 ]] && ref=$openssl4
    [[ "$size" == 2048 ]] && ref=$(awk -v o="$openssl1" 'BEGIN { print 2 * o }')
    printf '| %-32s | %10s | %8.0f | %-14s | %s\n' "$name" "$ms" "$(awk -v s="$size" -v t="$ms" 'BEGIN { print s * 1000 / t }')" \
      "$(awk -v r="$ref" -v t="$ms" 'BEGIN { printf "%.2fx", r / t }')" "${times[$name]}"
  done

  # Each round runs every case within about a minute, so the ratio of two cases in the same round is less exposed to
  # the host's slow phases than the ratio of two medians; print both.
  paired() { # NUMERATOR-CASE DENOMINATOR-CASE SCALE -> per-round ratios and their median
    local -a num den
    read -r -a num <<<"${times[$1]}"
    read -r -a den <<<"${times[$2]}"
    local ratios=""
    for ((i = 0; i < ${#num[@]}; i++)); do
      ratios+="$(awk -v n="${num[$i]}" -v d="${den[$i]}" -v k="$3" 'BEGIN { printf "%.2f", k * n / d }') "
    done
    echo "$ratios(median $(median <<<"$ratios")x)"
  }
  echo
  echo "== the same ratios round by round (openssl/gvmi per round, then the median of those)"
  echo "gvmi hash 1 GiB vs openssl: $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi hash (1 GiB)" 1) (target >= 1.45)"
  echo "4 GiB vs openssl 4 GiB:     $(paired "openssl dgst -sha3-224 (4 GiB)" "gvmi hash (4 GiB)" 1) (target >= 1.5)"
  echo "AVX-512 off vs openssl:     $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi hash, AVX-512 off (1 GiB)" 1) (target >= 1.1)"
  echo "Avx512 kernel vs openssl:   $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi hash, Avx512 kernel (1 GiB)" 1) (lane per register, forced)"
  echo "Avx512Rows vs openssl:      $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi hash, Avx512Rows kernel (1 GiB)" 1) (row layout, forced)"
  echo "JIT 1 GiB vs openssl:       $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi JIT hash (1 GiB)" 1)"
  echo "JIT AVX-512 off vs openssl: $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi JIT hash, AVX-512 off (1 GiB)" 1)"
  echo "A B vs A; B:                $(paired "gvmi hash A; gvmi hash B" "gvmi hash A B (2 x 1 GiB)" 1) (target >= 1.7)"
  echo "4 GiB vs 4 x 1 GiB time:    $(paired "gvmi hash (1 GiB)" "gvmi hash (4 GiB)" 4) (1.00 = same throughput)"

  g1=${medians["gvmi hash (1 GiB)"]}
  g4=${medians["gvmi hash (4 GiB)"]}
  two=${medians["gvmi hash A B (2 x 1 GiB)"]}
  seq=${medians["gvmi hash A; gvmi hash B"]}
  echo
  awk -v g1="$g1" -v g4="$g4" 'BEGIN { printf "4 GiB throughput vs 1 GiB: %.1f%% (target: within 5%%)\n", 100 * (4 * g1 / g4 - 1) }'
  awk -v two="$two" -v seq="$seq" 'BEGIN { printf "gvmi hash A B vs one after the other: %.2fx the throughput (target: >= 1.7x)\n", seq / two }'

  echo
  echo "== peak RSS (/usr/bin/time -v)"
  for target in "$a" "$c"; do
    rss=$(/usr/bin/time -v "$gvmi" hash "$target" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }')
    printf 'gvmi hash %s: %d KiB = %.1f MiB (target on 4 GiB: < 64 MiB)\n' "$(basename "$target")" "$rss" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
  done
  rss=$(/usr/bin/time -v openssl dgst -sha3-224 "$c" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }')
  printf 'openssl dgst %s: %d KiB\n' "$(basename "$c")" "$rss"
fi

echo
echo "== start-up: wall time of \`gvmi hash\` of a 1-byte file and of \`gvmi --version\`, $startup_runs runs per round (ms; target for gvmi hash: median <= 25)"
for name in "${startup_names[@]}"; do
  printf '%-38s median %6s ms, min %6s; all: %s\n' "${name#start-up: }" "${medians[$name]}" \
    "$(tr ' ' '\n' <<<"${times[$name]}" | grep -v '^$' | sort -g | head -n 1)" "${times[$name]}"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
