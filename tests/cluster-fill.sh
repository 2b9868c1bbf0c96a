#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# cluster-fill.sh EVENTS: the same feature store in a single Redis and in a
# Redis Cluster. rp-train materialize writes EVENTS into the single Redis
# (TEST_NGINX_REDIS_PORT); every rp:* hash is then copied, field by field,
# into the cluster (RP_TEST_CLUSTER_PORTS) through redis-cli -c, which
# follows the cluster's MOVED replies, so each key lands on its slot's
# primary. The module's cluster tests compare the two stores' answers.
#   run under scripts/with-redis and scripts/with-redis-cluster
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
events=$1
single=$TEST_NGINX_REDIS_PORT
seed=${RP_TEST_CLUSTER_PORTS%% *}

"$top/build/rp-train" materialize "$events" --redis "127.0.0.1:$single" -q

# one HSET line per key: ids and the store's packed values hold no blanks
redis-cli -p "$single" --scan --pattern 'rp:*' | while read -r key; do
    printf 'HSET %s' "$key"
    redis-cli -p "$single" --raw hgetall "$key" | tr '\n' ' ' \
        | sed 's/^/ /; s/ $//'
    printf '\n'
done > "${TMPDIR:-/tmp}/rp-cluster-fill.$$"

n=$(wc -l < "${TMPDIR:-/tmp}/rp-cluster-fill.$$")
redis-cli -c -p "$seed" < "${TMPDIR:-/tmp}/rp-cluster-fill.$$" > /dev/null
rm -f "${TMPDIR:-/tmp}/rp-cluster-fill.$$"

# the cluster holds as many keys as the single Redis
total=0
for p in $RP_TEST_CLUSTER_PORTS; do
    if redis-cli -p "$p" role | head -1 | grep -q master; then
        total=$((total + $(redis-cli -p "$p" dbsize)))
    fi
done

if [ "$total" -ne "$n" ]; then
    echo "cluster-fill: $n keys in the single Redis, $total in the cluster" >&2
    exit 1
fi

echo "cluster-fill: $n keys in both stores" >&2
