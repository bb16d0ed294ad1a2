#!/usr/bin/env bash
# Whole-process SHA3-224 comparison of `gvmi hash` against `openssl dgst -sha3-224` (and rhash / sha3sum when
# installed) on page-cache-warm random files, and of the start-up on a 1-byte file. `gvmi` is the Native AOT build
# that the linux-x64 tool package ships (portable image + AVX-512 image); the framework-dependent (JIT) build runs
# beside it for reference. Every case runs once per round, rounds interleave the cases, and each median and ratio
# printed comes from this one run. See benchmarks/README.md.
#
# Usage: benchmarks/compare.sh [ROUNDS]   (default 5; set KEEP_FILES=1 to keep the temp dir, GVMI_NATIVE and GVMI_JIT
# to use builds published beforehand with the two `dotnet publish` commands below)
set -euo pipefail

rounds="${1:-5}"
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
lscpu | grep -E '^(Model name|CPU family|Model|CPU\(s\)|Flags)' | sed -E 's/^(Flags:\s+).*/\1'"$(grep -o -w -E 'avx2|avx512f|avx512vl' /proc/cpuinfo | sort -u | tr '\n' ' ')"'(relevant subset)/'
echo "dotnet $(dotnet --version); $(openssl version)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

# GVMI_NATIVE / GVMI_JIT: folders already published the same way (to keep the two Native AOT compiles out of a quiet window).
native="${GVMI_NATIVE:-$work/native}" jitdir="${GVMI_JIT:-$work/jit}"
echo "== publishing gvmi (Release): Native AOT for linux-x64, and framework-dependent for reference"
[[ -n "${GVMI_NATIVE:-}" ]] || dotnet publish "$repo/src/Golem.VmImages.Cli" -c Release -r linux-x64 -o "$native" --nologo -v quiet >/dev/null
[[ -n "${GVMI_JIT:-}" ]] || dotnet publish "$repo/src/Golem.VmImages.Cli" -c Release -p:PublishAot=false -o "$jitdir" --nologo -v quiet >/dev/null
gvmi="$native/gvmi"
jit="$jitdir/gvmi"
test -x "$native/gvmi-avx512"

echo "== generating random files in $work"
head -c 1G /dev/urandom >"$work/a-1GiB.bin"
head -c 1G /dev/urandom >"$work/b-1GiB.bin"
head -c 4G /dev/urandom >"$work/c-4GiB.bin"
head -c 1 /dev/urandom >"$work/d-1B.bin"
a="$work/a-1GiB.bin" b="$work/b-1GiB.bin" c="$work/c-4GiB.bin" d="$work/d-1B.bin"
# The VM may hand cold page-cache pages back to the host (free-page reporting / DAMON reclaim): a file read
# minutes ago is not necessarily still cached. Re-read every file before each round and report residency.
warm() { cat "$a" "$b" "$c" >/dev/null; }
residency() {
  if need fincore; then
    fincore -b -n -o RES,SIZE "$a" "$b" "$c" | awk '{ printf "%.1f%% ", 100 * $1 / $2 } END { print "" }'
  else
    echo "(fincore not installed)"
  fi
}
echo "== warming the page cache"
warm
echo "page-cache residency of the 1 GiB, 1 GiB and 4 GiB files: $(residency)"

# The same digest from every tool, or the comparison means nothing.
expected="$(openssl dgst -sha3-224 -r "$a" | cut -d' ' -f1)"
for build in "$gvmi" "$jit"; do
  actual="$("$build" hash "$a" 2>/dev/null | cut -d' ' -f1)"
  if [[ "$expected" != "$actual" ]]; then
    echo "compare.sh: $build printed $actual but openssl printed $expected for $a" >&2
    exit 1
  fi
done

# Which image and kernel each native case runs (the AVX-512 image replaces the portable one at start-up).
image_of() { # ENV... : prints the file the process image of `gvmi hash` on the 4 GiB file is, once it runs
  env "$@" "$gvmi" hash "$c" >/dev/null 2>&1 &
  local pid=$!
  sleep 0.5
  basename "$(readlink "/proc/$pid/exe")"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}
echo "native image: default $(image_of); DOTNET_EnableAVX512=0 $(image_of DOTNET_EnableAVX512=0)"

# name|size in MiB|command (run with bash -c, output discarded)
# Start-up: a 1-byte file, five runs per round (each one a case of its own, so that all count).
startup=()
for i in 1 2 3 4 5; do
  startup+=("start-up: openssl, 1 byte #$i|0|openssl dgst -sha3-224 '$d'")
  startup+=("start-up: gvmi, 1 byte #$i|0|'$gvmi' hash '$d'")
  startup+=("start-up: gvmi JIT, 1 byte #$i|0|'$jit' hash '$d'")
done
cases=(
  "openssl dgst -sha3-224 (1 GiB)|1024|openssl dgst -sha3-224 '$a'"
  "gvmi hash (1 GiB)|1024|'$gvmi' hash '$a'"
  "gvmi hash, AVX-512 off (1 GiB)|1024|DOTNET_EnableAVX512=0 '$gvmi' hash '$a'"
  "gvmi JIT hash (1 GiB)|1024|'$jit' hash '$a'"
  "gvmi JIT hash, AVX-512 off (1 GiB)|1024|DOTNET_EnableAVX512=0 '$jit' hash '$a'"
  "openssl dgst -sha3-224 (4 GiB)|4096|openssl dgst -sha3-224 '$c'"
  "gvmi hash (4 GiB)|4096|'$gvmi' hash '$c'"
  "gvmi hash A B (2 x 1 GiB)|2048|'$gvmi' hash '$a' '$b'"
  "gvmi hash A; gvmi hash B|2048|'$gvmi' hash '$a'; '$gvmi' hash '$b'"
  "${startup[@]}"
)
if need rhash; then
  cases+=("rhash --sha3-224 (1 GiB)|1024|rhash --sha3-224 '$a'")
else
  echo "(rhash is not installed: skipped; 'sudo apt-get install rhash' to include it)"
fi
if need sha3sum; then
  cases+=("sha3sum -a 224 (1 GiB)|1024|sha3sum -a 224 '$a'")
else
  echo "(sha3sum is not installed: skipped; 'sudo apt-get install libdigest-sha3-perl' to include it)"
fi

declare -A times
echo "== $rounds interleaved rounds"
for ((round = 1; round <= rounds; round++)); do
  warm
  for entry in "${cases[@]}"; do
    IFS='|' read -r name _ command <<<"$entry"
    start=$(date +%s%N)
    bash -c "$command" >/dev/null 2>&1
    end=$(date +%s%N)
    if [[ "$name" == start-up:* ]]; then
      times[${name% #*}]+="$(awk -v ns=$((end - start)) 'BEGIN { printf "%.1f", ns / 1e6 }') "
    else
      times[$name]+="$(( (end - start) / 1000000 )) "
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
echo "JIT 1 GiB vs openssl:       $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi JIT hash (1 GiB)" 1)"
echo "JIT AVX-512 off vs openssl: $(paired "openssl dgst -sha3-224 (1 GiB)" "gvmi JIT hash, AVX-512 off (1 GiB)" 1)"
echo "A B vs A; B:                $(paired "gvmi hash A; gvmi hash B" "gvmi hash A B (2 x 1 GiB)" 1) (target >= 1.7)"
echo "4 GiB vs 4 x 1 GiB time:    $(paired "gvmi hash (1 GiB)" "gvmi hash (4 GiB)" 4) (1.00 = same throughput)"

echo
echo "== start-up: wall time of hashing a 1-byte file, 5 runs per round (ms; target for gvmi: median <= 25)"
for name in "start-up: openssl, 1 byte" "start-up: gvmi, 1 byte" "start-up: gvmi JIT, 1 byte"; do
  printf '%-28s median %6s ms; all: %s\n' "${name#start-up: }" "${medians[$name]}" "${times[$name]}"
done

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
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
