#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# store-layout.sh: the feature store's memory per user, measured with
# Redis' own MEMORY USAGE, for the layout rp uses (v2) and the one before
# it (v1), holding the same state.
#
# v1: one hash per user: 9 user fields, and per product two fields,
#     p:PRODUCT:v (views, when not 0) and p:PRODUCT:b (purchases);
#     a prediction is one HMGET of 11 fields.
# v2: one hash per user: the user's state packed in two fields, u and b
#     (with fd nd np added), and per product one field p:PRODUCT packing
#     views, purchases, first day, span, distinct days and cents
#     (src/rp_store.h); one HMGET of 3 fields.
# Both hold realistic values (epoch seconds, day numbers, amounts in
# cents, product ids like rp-train generate's prod_0001; a third of the
# products bought but never viewed), for 2000 users with P products each:
# bytes per user (MEMORY USAGE of the user's hash, SAMPLES 0: every
# field), and Redis CPU per prediction (INFO commandstats usec_per_call)
# over 200,000 HMGETs driven by redis-benchmark. Prints a markdown table.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$here/scripts/with-redis" sh -c '
set -eu
port=$RP_TEST_REDIS_PORT
cli() { redis-cli -p "$port" "$@"; }
users=2000
echo "# The feature store: memory per user (bench/store-layout.sh)"
echo
echo "v1: the layout before table v2 (9 user fields, p:PRODUCT:v and p:PRODUCT:b);"
echo "v2: the layout rp uses (the user'"'"'s state packed in fields u and b, one packed"
echo "p:PRODUCT field per product)."
echo "Both hold the same realistic state (see the script). Bytes per user: Redis'"'"' own"
echo "MEMORY USAGE of the user'"'"'s hash (SAMPLES 0), which counts the allocation, so"
echo "it moves in allocator size classes. Redis usec per prediction: INFO"
echo "commandstats over 200,000 HMGETs (redis-benchmark, 8 clients), noisy on a"
echo "shared machine."
echo
echo "Redis $(cli INFO server | tr -d "\r" | sed -n "s/^redis_version://p"), hash-max-listpack-entries $(cli CONFIG GET hash-max-listpack-entries | tail -1), $users users, run $(date -u +%Y-%m-%dT%H:%MZ)."
echo
echo "| layout | products per user | encoding | bytes per user | fields per prediction | Redis usec per prediction |"
echo "|---|---|---|---|---|---|"
for P in 5 20 100 300; do
  for L in v1 v2; do
    cli FLUSHALL > /dev/null
    perl -e '"'"'
      my ($L, $P, $users) = @ARGV;
      for my $u (1 .. $users) {
        my $k = sprintf("rp:{user_%05d}", $u);
        my $lp = 1767225600 + 37 * $u;
        my $ld = int($lp / 86400);
        my @uf = (n => 3 * $P + 40 + $u % 7, s => 1250000 + 13 * $u,
                  lo => 199, hi => 24999 + $u, pn => 2 * $P + $u % 5,
                  ps => 980000 + 11 * $u, vn => $P + 40, rn => int($P / 3),
                  lp => $lp);
        if ($L eq "v2") {
          my %f = @uf;
          @uf = (u => join(",", @f{qw(n s lo hi vn)}),
                 b => join(",", @f{qw(pn ps lp)}, $ld - 170, 31 + $u % 9, $P,
                           $f{rn}));
        }
        my @pf;
        for my $i (1 .. $P) {
          my $p = sprintf("prod_%04d", ($u * 7 + $i * 13) % 9000 + 1);
          my $v = $i % 3;
          my $b = 1 + $i % 4;
          if ($L eq "v1") {
            push @pf, ("p:$p:v", $v) if $v;
            push @pf, ("p:$p:b", $b);
          } else {
            my $span = $b > 1 ? 7 * $i % 120 : 0;
            my $nd = $b > 1 ? 2 : 1;
            push @pf, ("p:$p", join(",", $v, $b, $ld - 150 + $i % 30, $span,
                                    $nd, 499 * $b + $i));
          }
        }
        print join(" ", "HSET", $k, @uf, @pf), "\n";
      }'"'"' "$L" "$P" "$users" | cli > /dev/null
    bytes=$(cli MEMORY USAGE "rp:{user_00001}" SAMPLES 0)
    enc=$(cli OBJECT ENCODING "rp:{user_00001}")
    p1=$(cli HKEYS "rp:{user_00001}" | grep "^p:" | head -1 | sed "s/:[vb]\$//")
    cli CONFIG RESETSTAT > /dev/null
    if [ "$L" = v1 ]; then
      redis-benchmark -p "$port" -n 200000 -c 8 -q \
        HMGET "rp:{user_00001}" n s lo hi pn ps vn rn lp "$p1:v" "$p1:b" > /dev/null
      nf=11
    else
      redis-benchmark -p "$port" -n 200000 -c 8 -q \
        HMGET "rp:{user_00001}" u b "$p1" > /dev/null
      nf=3
    fi
    usec=$(cli INFO commandstats | tr -d "\r" | awk -F"[=,]" "/^cmdstat_hmget/ { printf \"%.2f\", \$4 / 200000 }")
    echo "| $L | $P | $enc | $bytes | $nf | $usec |"
  done
done
'
