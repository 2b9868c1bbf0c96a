#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# replay-guard.sh: the feature store's memory per user, state against
# replay guard, after "rp-train materialize" of a synthetic year.
#
#   make bench-replay-guard       (writes bench/replay-guard.md)
#   RP_BASE_BUILD=DIR bench/replay-guard.sh
#                                 adds a row for DIR/rp-train (a build of
#                                 another revision, e.g. before a change of
#                                 the guard), on the same events; its name
#                                 in the table: RP_BASE_NAME (default
#                                 "before")
#
# Events: rp-train generate --users 2000 --days 365 --seed 3. For each
# user, MEMORY USAGE (SAMPLES 0: every element) of each of its keys:
#   total   every key of the user (rp:{USER} and rp:{USER}:*)
#   state   the user's hash without its replay field r, if any
#   guard   total - state: what the replay guard costs
# and the guard's largest bytes for one user. Prints a markdown table.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${RP_BUILD:-$here/build}
base=${RP_BASE_BUILD:-}
base_name=${RP_BASE_NAME:-before}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rp-replay-guard.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

"$bin/rp-train" generate -q --users 2000 --days 365 --seed 3 \
    -o "$tmp/events.csv"
export tmp bin base base_name

export here
exec "$here/scripts/with-redis" sh -c '
set -eu
cli() { redis-cli -p "$RP_TEST_REDIS_PORT" "$@"; }
# per user: total, state, guard bytes; then the averages and maxima
MEASURE_LUA="
local users, tot, st, gu, gmax, rmax = 0, 0, 0, 0, 0, 0
local cursor = \"0\"
repeat
  local r = redis.call(\"SCAN\", cursor, \"MATCH\", \"rp:{*}\", \"COUNT\", 1000)
  cursor = r[1]
  for _, k in ipairs(r[2]) do
    if redis.call(\"TYPE\", k)[\"ok\"] == \"hash\" then
      users = users + 1
      local h = redis.call(\"MEMORY\", \"USAGE\", k, \"SAMPLES\", 0)
      local t = h
      -- (generated ids hold no glob characters)
      local extra = redis.call(\"KEYS\", k .. \":*\")
      for _, x in ipairs(extra) do
        t = t + redis.call(\"MEMORY\", \"USAGE\", x, \"SAMPLES\", 0)
      end
      local rf = redis.call(\"HGET\", k, \"r\")
      local s = h
      if rf then
        rmax = math.max(rmax, #rf)
        redis.call(\"HDEL\", k, \"r\")
        s = redis.call(\"MEMORY\", \"USAGE\", k, \"SAMPLES\", 0)
        redis.call(\"HSET\", k, \"r\", rf)
      end
      tot = tot + t; st = st + s; gu = gu + (t - s)
      if t - s > gmax then gmax = t - s end
    end
  end
until cursor == \"0\"
return {users, tot, st, gu, gmax, rmax}"
row() {   # NAME RP_TRAIN
    cli FLUSHALL > /dev/null
    "$2" materialize -q "$tmp/events.csv" --redis 127.0.0.1:$RP_TEST_REDIS_PORT
    set -- "$1" $(cli EVAL "$MEASURE_LUA" 0)
    awk -v n="$1" -v u="$2" -v t="$3" -v s="$4" -v g="$5" -v gm="$6" -v rm="$7" "BEGIN {
        printf \"| %s | %d | %.0f | %.0f | %.0f | %.2f | %d | %d |\\n\",
            n, u, t / u, s / u, g / u, t / s, gm, rm }"
}
echo "# Replay guard: memory per user (bench/replay-guard.sh)"
echo
echo "rp-train generate --users 2000 --days 365 --seed 3, then rp-train materialize"
echo "(retention 400 days, so every user is kept). Bytes are Redis'"'"' MEMORY USAGE"
echo "(SAMPLES 0), summed over every key of a user; state = the user'"'"'s hash"
echo "without the replay field; guard = total - state. Redis"
echo "$(cli INFO server | tr -d "\r" | sed -n "s/^redis_version://p"), run $(date -u +%Y-%m-%dT%H:%MZ)."
echo
echo "| revision | users | total B/user | state B/user | guard B/user | total / state | guard, largest user (B) | field r, longest (B) |"
echo "|---|---|---|---|---|---|---|---|"
if [ -n "$base" ]; then
    row "$base_name" "$base/rp-train"
fi
row "this tree ($(git -C "$here" describe --always --dirty 2>/dev/null || echo unknown))" "$bin/rp-train"
'
