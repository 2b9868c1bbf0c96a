#!/bin/sh
# store-layout.sh: the feature store's layout, chosen by measurement.
#
# A: one hash per user, user counters + 2 fields per product (what rp uses);
#    a prediction is one HMGET of 11 fields.
# B: a user hash (9 fields) + one hash per (user, product) (2 fields);
#    a prediction is two HMGETs, pipelined in one round trip.
# For 2000 users with P products each: bytes per user (MEMORY USAGE, all
# keys), and Redis CPU per prediction (INFO commandstats usec_per_call,
# times the commands per prediction) over 200,000 predictions driven by
# redis-benchmark. Prints a markdown table.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
exec "$here/scripts/with-redis" sh -c '
set -eu
port=$RP_TEST_REDIS_PORT
cli() { redis-cli -p "$port" "$@"; }
users=2000
echo "Redis $(cli INFO server | tr -d "\r" | sed -n "s/^redis_version://p"), hash-max-listpack-entries $(cli CONFIG GET hash-max-listpack-entries | tail -1), 2000 users."
echo
echo "| layout | products per user | encoding | bytes per user | commands per prediction | Redis usec per prediction |"
echo "|---|---|---|---|---|---|"
for P in 5 20 80 300; do
  for L in A B; do
    cli FLUSHALL > /dev/null
    perl -e '"'"'
      my ($L, $P, $users) = @ARGV;
      for my $u (1 .. $users) {
        my $k = sprintf("rp:{user_%05d}", $u);
        my @uf = map { ($_, 1000 + $u) } qw(n s lo hi pn ps vn rn lp);
        if ($L eq "A") {
          print join(" ", "HSET", $k, @uf, map { ("p:prod_$_:v", 3, "p:prod_$_:b", 2) } 1 .. $P), "\n";
        } else {
          print join(" ", "HSET", $k, @uf), "\n";
          print "HSET $k:p:prod_$_ v 3 b 2\n" for 1 .. $P;
        }
      }'"'"' "$L" "$P" "$users" | cli > /dev/null
    bytes=0
    for k in $(cli --scan --pattern "rp:{user_00001}*"); do
      bytes=$((bytes + $(cli MEMORY USAGE "$k" SAMPLES 0)))
    done
    enc=$(cli OBJECT ENCODING "rp:{user_00001}")
    cli CONFIG RESETSTAT > /dev/null
    if [ "$L" = A ]; then
      redis-benchmark -p "$port" -n 200000 -c 8 -q \
        HMGET "rp:{user_00001}" n s lo hi pn ps vn rn lp p:prod_3:v p:prod_3:b > /dev/null
      per=1
    else
      redis-benchmark -p "$port" -n 200000 -c 8 -q \
        HMGET "rp:{user_00001}" n s lo hi pn ps vn rn lp > /dev/null
      redis-benchmark -p "$port" -n 200000 -c 8 -q \
        HMGET "rp:{user_00001}:p:prod_3" v b > /dev/null
      per=2
    fi
    usec=$(cli INFO commandstats | tr -d "\r" | awk -F"[=,]" "/^cmdstat_hmget/ { printf \"%.2f\", \$4 / 200000 }")
    echo "| $L | $P | $enc | $bytes | $per | $usec |"
  done
done
'
