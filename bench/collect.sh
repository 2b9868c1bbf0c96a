#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# collect.sh FIGURES.tsv: writes bench/RESULTS.md from the figures the
# benchmarks recorded (bench/figure) and their own result files.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
tsv=${1:-$here/build/bench/figures.tsv}
out=$here/bench/RESULTS.md
[ -s "$tsv" ] || { echo "collect: no figures in $tsv (run make bench)" >&2; exit 1; }
{
    echo "# Benchmark results"
    echo
    echo "Collected on $(date -u +%Y-%m-%dT%H:%MZ) from the figures the benchmarks recorded"
    echo "(\`make bench\` runs them all; a part can be re-run alone, and each part's section"
    echo "below gives the time it ran). Every figure sits next to its reference measured"
    echo "in the same run of that part."
    echo
    echo "Machine: $(nproc) cores of $(sed -n 's/^model name[ \t]*: //p' /proc/cpuinfo | head -1)," \
         "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) memory," \
         "$(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r);" \
         "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Load generators, servers and benchmarks share these cores."
    echo
    echo "| part | figure | goal | measured | reference (same run) | ratio |"
    echo "|---|---|---|---|---|---|"
    awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$tsv"
    for part in score-results module-results consumer-results freshness-results train-results store-layout; do
        f=$here/bench/$part.md
        [ -f "$f" ] || continue
        echo
        echo "---"
        echo
        sed 's/^# /## /' "$f"
    done
} > "$out"
echo "collect: wrote $out"
