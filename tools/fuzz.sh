#!/usr/bin/env bash
# Runs one libFuzzer harness of Fuzz/ (docs/fuzzing.md) for a while, starting from its committed seed corpus.
#
#   tools/fuzz.sh TARGET SECONDS [libFuzzer flags...]   fuzz TARGET; exit 1 on a crash (input saved, see below)
#   tools/fuzz.sh TARGET --write-seeds                  regenerate Fuzz/corpus/TARGET from the project's writers
#   tools/fuzz.sh TARGET --repro FILE                   run one input (a saved crash) through the harness
#   tools/fuzz.sh --build                               build every harness only
#   tools/fuzz.sh --list                                name the targets
#
# Targets: frame fix capture npz npy model config scene curve.
# Builds (when needed) into .build-fuzz/ with -sanitize=fuzzer,address, release mode, so the main .build is never
# touched. The run works on a copy of the seeds in a temporary corpus (new inputs do not land in the repository;
# FUZZ_KEEP_CORPUS=DIR keeps them in DIR instead, to resume a long campaign in chunks). A crashing input is saved
# as Fuzz/crashes/TARGET-<sha1> (git-ignored): make it a regression test, fix the cause, delete it.
# Environment: FUZZ_JOBS (parallel fuzzing processes, default 1), FUZZ_LOCK (a lock file to run the build and
# the fuzzing under, e.g. /tmp/csiloc-build.lock on a shared machine).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
targets=(frame fix capture npz npy model config scene curve)
scratch="$root/.build-fuzz"

product_of() {
    case "$1" in
        frame) echo FuzzFrame ;; fix) echo FuzzFix ;; capture) echo FuzzCapture ;; npz) echo FuzzNPZ ;;
        npy) echo FuzzNPY ;; model) echo FuzzModel ;; config) echo FuzzConfig ;; scene) echo FuzzScene ;;
        curve) echo FuzzCurve ;;
        *) echo "unknown fuzz target '$1' (targets: ${targets[*]})" >&2; exit 2 ;;
    esac
}

locked() {
    if [ -n "${FUZZ_LOCK:-}" ]; then flock "$FUZZ_LOCK" "$@"; else "$@"; fi
}

build() {  # build [PRODUCT]: one harness, or all of them
    local what=()
    [ $# -gt 0 ] && what=(--product "$1")
    local log status=0
    log=$(mktemp "${TMPDIR:-/tmp}/csiloc-fuzz-build.XXXXXX")
    locked swift build --package-path Fuzz --scratch-path "$scratch" -c release \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address "${what[@]}" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        grep -E 'error' -A3 "$log" | head -40 >&2
        echo "fuzz: build failed (exit $status); full log: $log" >&2
        exit 2
    fi
    rm -f "$log"
}

case "${1:-}" in
    --list) printf '%s\n' "${targets[@]}"; exit 0 ;;
    --build) build; for t in "${targets[@]}"; do [ -x "$scratch/release/$(product_of "$t")" ] || { echo "fuzz: $t missing" >&2; exit 2; }; done; exit 0 ;;
    ""|-h|--help) sed -n '2,17p' "$0"; exit 2 ;;
esac

target=$1; shift
product=$(product_of "$target")
seeds="$root/Fuzz/corpus/$target"
mode=${1:?usage: tools/fuzz.sh TARGET SECONDS | --write-seeds | --repro FILE}
shift

if [ "$mode" = --write-seeds ]; then
    mkdir -p "$seeds"
    case "$target" in
        config|scene)
            echo "fuzz: $target seeds are hand-written or copied from etc/ (Fuzz/corpus/$target/); nothing to generate" ;;
        model)
            # Model files trained by csiloc on the tiny scene, without their SHA-256 trailer (the harness adds it).
            swift build -c release --product csiloc >/dev/null
            tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
            csiloc="$root/.build/release/csiloc"
            "$csiloc" simulate --scene etc/scenes/tiny-los.yaml --points 300 --seed 1 --out "$tmp/t.npz" >/dev/null
            "$csiloc" train --data "$tmp/t.npz" --out "$tmp/a.csimodel" --model physics >/dev/null 2>&1
            "$csiloc" train --data "$tmp/t.npz" --out "$tmp/b.csimodel" --model physics --nuisance phase-gain-timing >/dev/null 2>&1
            # 800 points: 80 validation samples, a 2 × 2 quality map (300 give one cell).
            "$csiloc" simulate --scene etc/scenes/tiny-los.yaml --points 800 --seed 2 --out "$tmp/m.npz" >/dev/null
            "$csiloc" train --data "$tmp/m.npz" --out "$tmp/c.csimodel" --model physics --max-paths 2 >/dev/null 2>&1
            head -c -32 "$tmp/a.csimodel" > "$seeds/physics-body"
            head -c -32 "$tmp/b.csimodel" > "$seeds/physics-pgt-body"
            head -c -32 "$tmp/c.csimodel" > "$seeds/physics-map-body"
            # physics-edge-body (format version 2, a `physics.edges` tensor: one diffracted path) is hand-built from
            # physics-body and kept as it is: training the tiny scene gives no diffracted path to copy.
            ls -l "$seeds" ;;
        *)
            build "$product"
            CSILOC_FUZZ_WRITE_SEEDS="$seeds" "$scratch/release/$product"
            if [ "$target" = npz ] && python3 -c 'import numpy' 2>/dev/null; then
                # Members only numpy writes: deflate (savez_compressed), Fortran order, big-endian, unicode strings.
                python3 - "$seeds" <<'EOF'
import sys, numpy as np
d = sys.argv[1]
np.savez_compressed(d + "/numpy-compressed",
                    a=np.arange(6, dtype="<f8").reshape(2, 3), f=np.asfortranarray(np.arange(6, dtype=">i4").reshape(3, 2)),
                    c=np.array([1 + 2j, 3 - 4j], dtype=">c16"), s=np.array("phase"), b=np.array([True, False]))
import os
os.rename(d + "/numpy-compressed.npz", d + "/numpy-compressed")
EOF
            fi ;;
    esac
    exit 0
fi

build "$product"
binary="$scratch/release/$product"
dict=()
[ -f "$root/Fuzz/dict/$target.dict" ] && dict=(-dict="$root/Fuzz/dict/$target.dict")

if [ "$mode" = --repro ]; then
    exec "$binary" "${dict[@]}" "$@"
fi

seconds=$mode
case "$seconds" in ''|*[!0-9]*) echo "fuzz: SECONDS must be a whole number, got '$seconds'" >&2; exit 2 ;; esac
work=${FUZZ_KEEP_CORPUS:-}
if [ -z "$work" ]; then
    work=$(mktemp -d "${TMPDIR:-/tmp}/csiloc-fuzz-$target.XXXXXX")
    trap 'rm -rf "$work"' EXIT
fi
mkdir -p "$work" "$root/Fuzz/crashes"
cp -n "$seeds"/* "$work"/ 2>/dev/null || true
log=$(mktemp "${TMPDIR:-/tmp}/csiloc-fuzz-$target-log.XXXXXX")
jobs=${FUZZ_JOBS:-1}
parallel=()
[ "$jobs" -gt 1 ] && parallel=(-fork="$jobs" -ignore_crashes=0)
echo "fuzz: $target for ${seconds}s from $(ls "$work" | wc -l) inputs in $work"
status=0
locked "$binary" "$work" "${dict[@]}" "${parallel[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1 -artifact_prefix="$root/Fuzz/crashes/$target-" "$@" \
    >"$log" 2>&1 || status=$?
# The last progress line (in -fork mode the only summary: "#RUNS: cov: .. exec/s N .. time: Ns"), then the stats.
grep -E '^#[0-9]+' "$log" | tail -1 || true
grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written|fuzz invariant)' "$log" || true
if [ "$status" -ne 0 ]; then
    echo "fuzz: $target FAILED (exit $status); full log: $log" >&2
    tail -60 "$log" >&2
    exit 1
fi
rm -f "$log"
echo "fuzz: $target OK"
