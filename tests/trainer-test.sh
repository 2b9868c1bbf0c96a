#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# trainer-test.sh: end-to-end checks of rp-train (generate, features, fit,
# eval, inspect, materialize, verify). Run through scripts/with-redis, which
# provides RP_TEST_REDIS_PORT (a throw-away redis-server on 127.0.0.1).
# Prints "N passed, M failed" and exits non-zero when anything failed.

set -u
cd "$(dirname "$0")/.."
RP=${RP_TRAIN:-build/rp-train}
PORT=${RP_TEST_REDIS_PORT:-}
T=$(mktemp -d "${TMPDIR:-/tmp}/rp-trainer-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

. tests/tap.sh

check() { # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then ok "$d"; else not_ok "$d"; sed 's/^/#   /' "$T/err" | head -20; fi
}
check_fails() { # the command must exit non-zero
    d=$1; shift
    if "$@" >"$T/out" 2>"$T/err"; then not_ok "$d (exited 0)"; else ok "$d"; fi
}
json_num() { # json_num KEY FILE: a top-level-ish numeric value
    sed -n "s/.*\"$1\":[ \t]*\([-0-9.eE+]*\).*/\1/p" "$2" | head -1
}
json_get() { # json_get PERL-PATH FILE: e.g. json_get '{ece}' eval.json
    perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->decode(<STDIN>); my $v = eval "\$j->$ARGV[0]"; print defined $v ? $v : ""' "$1" <"$2"
}
hashof() { sha256sum "$1" | cut -d' ' -f1; }

[ -x "$RP" ] || { echo "trainer-test: $RP not built" >&2; exit 1; }

# --- metrics (hand-computed cases) ----------------------------------------
MT=${RP_METRICS_TEST:-build/trainer-metrics-test}
if [ -x "$MT" ]; then
    "$MT" >"$T/mt" 2>&1; mrc=$?
    n=$(grep -c '^ok' "$T/mt"); b=$(grep -c '^not ok' "$T/mt")
    if [ $mrc -eq 0 ] && [ "$n" -gt 0 ] && [ "$b" -eq 0 ]; then
        ok "metrics: $n hand-computed values"
    else
        not_ok "metrics"; sed 's/^/#   /' "$T/mt"
    fi
else
    not_ok "metrics test $MT not built"
fi

PT=${RP_PRIORS_TEST:-build/trainer-priors-test}
if [ -x "$PT" ]; then
    "$PT" >"$T/pt" 2>&1; prc=$?
    n=$(grep -c '^ok' "$T/pt"); b=$(grep -c '^not ok' "$T/pt")
    if [ $prc -eq 0 ] && [ "$n" -gt 0 ] && [ "$b" -eq 0 ]; then
        ok "product priors: $n hand-computed values"
    else
        not_ok "product priors"; sed 's/^/#   /' "$T/pt"
    fi
else
    not_ok "priors test $PT not built"
fi

# --- command line ----------------------------------------------------------
for c in generate features fit eval inspect materialize verify; do
    check "$c --help exits 0" "$RP" "$c" --help
done
check_fails "unknown command fails" "$RP" frobnicate
check_fails "generate without -o fails" "$RP" generate

# --- generate --------------------------------------------------------------
check "generate default" "$RP" generate -q --seed 7 -o "$T/ev.csv"
"$RP" generate -q --seed 7 -o "$T/ev2.csv"
"$RP" generate -q --seed 8 -o "$T/ev3.csv"
if [ "$(hashof "$T/ev.csv")" = "$(hashof "$T/ev2.csv")" ]; then
    ok "same seed, same bytes"; else not_ok "same seed, same bytes"; fi
if [ "$(hashof "$T/ev.csv")" != "$(hashof "$T/ev3.csv")" ]; then
    ok "other seed, other bytes"; else not_ok "other seed, other bytes"; fi

n=$(($(wc -l <"$T/ev.csv") - 1))
if [ "$(head -1 "$T/ev.csv")" = "event_id,user_id,product_id,event_type,amount,timestamp" ] \
   && [ "$n" -ge 10000 ] && [ "$n" -le 200000 ]; then
    ok "header and $n events"; else not_ok "header and event count ($n)"; fi

if tail -n +2 "$T/ev.csv" | cut -d, -f6 | sort -c 2>/dev/null; then
    ok "events in time order"; else not_ok "events in time order"; fi

types=$(tail -n +2 "$T/ev.csv" | cut -d, -f4 | sort -u | tr '\n' ' ')
if [ "$types" = "add_to_cart purchase view " ]; then
    ok "all event types present"; else not_ok "event types: $types"; fi

# --- features --------------------------------------------------------------
CUT=2025-05-01T00:00:00Z
check "features at a cutoff" "$RP" features -q "$T/ev.csv" --cutoff $CUT -o "$T/m.csv"
hdr="user_id,product_id,event_count,amount_max,amount_mean,amount_min,amount_sum,total_spend,avg_transaction_amount,purchase_count,view_count,product_view_count,product_purchase_count,repeat_purchase_count,view_to_purchase_ratio,days_since_last_purchase,pp_days_since_last,pp_days_since_first,pp_ndays,pp_mean_gap,pp_recency_ratio,pp_day_share,pp_amount,u_ndays,u_nproducts,u_days_since_first,prod_buyers,prod_buyers_30d,prod_rebuy_rate,prod_repeat_share,prod_med_interval,label"
if [ "$(head -1 "$T/m.csv")" = "$hdr" ]; then
    ok "features header"; else not_ok "features header: $(head -1 "$T/m.csv")"; fi

# rows = pairs bought at or before the cutoff, counted independently
want=$(awk -F, -v c="$CUT" 'NR > 1 && $4 == "purchase" && $6 <= c { p[$2 "," $3] = 1 }
    END { n = 0; for (k in p) n++; print n }' "$T/ev.csv")
got=$(($(wc -l <"$T/m.csv") - 1))
if [ "$got" -eq "$want" ] && [ "$got" -gt 0 ]; then
    ok "features rows = pairs bought before cutoff ($got)"
else
    not_ok "features rows $got, expected $want"
fi

# labels counted independently: bought again in (cutoff, cutoff + 30 days]
wantpos=$(awk -F, -v c="$CUT" -v e="2025-05-31T00:00:00Z" '
    NR > 1 && $4 == "purchase" && $6 <= c { p[$2 "," $3] = 1 }
    NR > 1 && $4 == "purchase" && $6 > c && $6 <= e { f[$2 "," $3] = 1 }
    END { n = 0; for (k in p) if (k in f) n++; print n }' "$T/ev.csv")
gotpos=$(awk -F, 'NR > 1 { s += $NF } END { print s }' "$T/m.csv")
if [ "$gotpos" -eq "$wantpos" ]; then ok "labels ($gotpos positive)"; else not_ok "labels $gotpos, expected $wantpos"; fi
rate=$(awk -F, 'NR > 1 { n++; s += $NF } END { printf "%d", 100 * s / n }' "$T/m.csv")
if [ "$rate" -ge 15 ] && [ "$rate" -le 55 ]; then
    ok "positive rate $rate%"; else not_ok "positive rate $rate% outside 15..55"; fi

# no leakage: events after the cutoff change labels only, never features
u=$(sed -n 2p "$T/m.csv" | cut -d, -f1); p=$(sed -n 2p "$T/m.csv" | cut -d, -f2)
cp "$T/ev.csv" "$T/leak.csv"
echo "ev_leak_1,$u,$p,purchase,99999.00,2025-05-02T00:00:00Z" >>"$T/leak.csv"
echo "ev_leak_2,$u,$p,view,99999.00,2025-05-01T00:00:01Z" >>"$T/leak.csv"
echo "ev_leak_4,leak_user,$p,purchase,5.00,2025-05-01T00:00:01Z" >>"$T/leak.csv"
"$RP" features -q "$T/leak.csv" --cutoff $CUT -o "$T/m2.csv"
if [ "$(cut -d, -f1-31 "$T/m.csv" | hashof /dev/stdin)" = "$(cut -d, -f1-31 "$T/m2.csv" | hashof /dev/stdin)" ] \
   && [ "$(sed -n 2p "$T/m2.csv" | cut -d, -f32)" = 1 ]; then
    ok "later events change no feature (label of the pair is 1)"
else
    not_ok "leakage: features changed by events after the cutoff"
fi
# the product priors: a new buyer of the product before the cutoff is one
# more of its buyers (column 27) on every row of the product
b1=$(awk -F, -v p="$p" '$2 == p { print $27; exit }' "$T/m.csv")
cp "$T/ev.csv" "$T/prior.csv"
echo "ev_prior_1,prior_user,$p,purchase,5.00,2025-04-30T00:00:00Z" >>"$T/prior.csv"
"$RP" features -q "$T/prior.csv" --cutoff $CUT -o "$T/mp.csv"
b2=$(awk -F, -v p="$p" '$2 == p && $1 != "prior_user" { print $27; exit }' "$T/mp.csv")
if [ -n "$b1" ] && [ "$b2" = "$((b1 + 1))" ]; then
    ok "prod_buyers counts a new buyer before the cutoff ($b1 -> $b2)"
else
    not_ok "prod_buyers: $b1 -> $b2"
fi
echo "ev_leak_3,$u,$p,view,99999.00,2025-04-30T23:59:59Z" >>"$T/leak.csv"
"$RP" features -q "$T/leak.csv" --cutoff $CUT -o "$T/m3.csv"
if [ "$(sed -n 2p "$T/m.csv")" != "$(sed -n 2p "$T/m3.csv")" ]; then
    ok "an earlier event does change the features"; else not_ok "earlier event ignored"; fi

# a repeated event id is ignored, as materialize does
cp "$T/ev.csv" "$T/dup.csv"
grep ',purchase,' "$T/ev.csv" | head -3 >>"$T/dup.csv"
"$RP" features "$T/dup.csv" --cutoff $CUT -o "$T/m4.csv" 2>"$T/err"
if cmp -s "$T/m.csv" "$T/m4.csv" && grep -q "3 repeated event ids skipped" "$T/err"; then
    ok "repeated event ids are skipped and counted"
else
    not_ok "repeated event ids"; sed 's/^/#   /' "$T/err"
fi

# --- retention: features as the store holds them --------------------------
# col NAME: the value of feature NAME for USER,PRODUCT in a matrix
col() { # col MATRIX USER PRODUCT NAME
    awk -F, -v u="$2" -v p="$3" -v n="$4" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next }
        $1 == u && $2 == p { print $c }' "$1"
}
cat >"$T/ret.csv" <<EOF
event_id,user_id,product_id,event_type,amount,timestamp
r1,ua,p1,purchase,10.00,2025-01-01T00:00:00Z
r2,ub,p1,purchase,5.00,2025-01-01T00:00:00Z
r3,uc,p1,purchase,7.00,2025-02-01T00:00:00Z
r4,ua,p1,purchase,10.00,2025-03-20T00:00:00Z
r5,ub,p2,purchase,5.00,2025-03-31T00:00:00Z
r6,ua,p1,purchase,10.00,2025-04-10T00:00:00Z
EOF
check "features --retention 30 days" "$RP" features -q "$T/ret.csv" --cutoff 2025-04-01T00:00:00Z --retention 2592000 -o "$T/r30.csv"
check "features --retention 0 (never forget)" "$RP" features -q "$T/ret.csv" --cutoff 2025-04-01T00:00:00Z --retention 0 -o "$T/r0.csv"
check "features (default retention)" "$RP" features -q "$T/ret.csv" --cutoff 2025-04-01T00:00:00Z -o "$T/rdef.csv"
# ua came back after 78 days: one purchase since, on one day
r="$(col "$T/r30.csv" ua p1 purchase_count) $(col "$T/r30.csv" ua p1 pp_ndays) $(col "$T/r0.csv" ua p1 purchase_count) $(col "$T/r0.csv" ua p1 pp_ndays)"
[ "$r" = "1 1 2 2" ] && ok "a user away longer than the retention restarts empty" || not_ok "retention restart: $r"
# ub's p1 was forgotten with the rest of ub's state; the pair is still a sample
r="$(col "$T/r30.csv" ub p1 product_purchase_count) $(col "$T/r30.csv" ub p1 pp_days_since_last) $(col "$T/r30.csv" ub p2 purchase_count)"
[ "$r" = "0 nan 1" ] && ok "a forgotten pair reads as never bought" || not_ok "forgotten pair: $r"
# uc's last event is 59 days before the cutoff: unknown
r="$(col "$T/r30.csv" uc p1 event_count) $(col "$T/r30.csv" uc p1 days_since_last_purchase) $(col "$T/r0.csv" uc p1 event_count)"
[ "$r" = "0 365 1" ] && ok "a user idle longer than the retention is unknown" || not_ok "idle user: $r"
[ "$(col "$T/r30.csv" ua p1 label)" = 1 ] && ok "labels do not depend on the retention" || not_ok "label under retention"
cmp -s "$T/r0.csv" "$T/rdef.csv" && ok "default retention (400 days) keeps all here" || not_ok "default retention differs from none"
check_fails "a bad --retention is refused" "$RP" features -q "$T/ret.csv" --cutoff 2025-04-01T00:00:00Z --retention -5 -o "$T/x.csv"

# --- bad input -------------------------------------------------------------
{
    head -50 "$T/ev.csv"
    echo "bad_1,user_x,prod_x,teleport,1.00,2025-01-02T00:00:00Z"
    echo "bad_2,user_x,prod_x,view,-3.00,2025-01-02T00:00:00Z"
    echo "bad_3,user_x,prod_x,view,3.00,yesterday"
    echo "bad_4,,prod_x,view,3.00,2025-01-02T00:00:00Z"
    echo "bad_5,user_x,prod_x"
    echo "bad_6,user_x,prod_x,view,3.00,2025-01-02T00:00:00Z,extra"
    echo "bad_7,\"user_x,prod_x,view,3.00,2025-01-02T00:00:00Z"
    sed -n 52,60p "$T/ev.csv"
} >"$T/bad.csv"
check "bad rows are skipped by default" "$RP" features "$T/bad.csv" --cutoff 2026-01-01 -o "$T/mb.csv"
if grep -q "line 51: unknown event_type" "$T/err" && grep -q "line 55:" "$T/err" && grep -q "7 bad rows" "$T/err"; then
    ok "bad rows reported with line numbers and counted"
else
    not_ok "bad row report"; sed 's/^/#   /' "$T/err"
fi
check_fails "--strict fails on the first bad row" "$RP" features --strict "$T/bad.csv" --cutoff 2026-01-01 -o "$T/mb.csv"
grep -q "line 51:" "$T/err" && ok "--strict names the line" || not_ok "--strict names the line"
{ echo "id,user,product,type,amount,ts"; tail -n +2 "$T/ev.csv" | head -5; } >"$T/nohdr.csv"
check_fails "a wrong header is refused" "$RP" features "$T/nohdr.csv" --cutoff 2026-01-01 -o "$T/x.csv"
grep -q "bad header" "$T/err" && ok "header error is explicit" || not_ok "header error is explicit"
check_fails "a missing file is an error" "$RP" features "$T/nonexistent.csv" --cutoff 2026-01-01 -o "$T/x.csv"

# --- fit, eval, inspect ----------------------------------------------------
check "fit (defaults: boosting chosen on the earlier window)" "$RP" fit "$T/ev.csv" -o "$T/model.rpf"
cp "$T/err" "$T/fit.err"
if [ -s "$T/model.rpf" ] && [ -s "$T/model.json" ]; then ok "model.rpf and model.json written"; else not_ok "model files"; fi
grep -q "auc" "$T/fit.err" && grep -q "parity" "$T/fit.err" && ok "fit reports parity and test metrics" || not_ok "fit report"
pd=$(json_num parity_max_abs_diff "$T/model.json")
if [ -n "$pd" ] && awk -v d="$pd" 'BEGIN { exit !(d <= 1e-6) }'; then
    ok "parity in model.json ($pd)"; else not_ok "parity in model.json: '$pd'"; fi
for k in version trained_at parameters data metrics feature_names train_rows test_rows train_cutoff test_cutoff selection candidates valid_cutoff calibration ece reliability bands; do
    grep -q "\"$k\"" "$T/model.json" || { not_ok "model.json lacks $k"; continue; }
    ok "model.json has $k"
done

# the default model carries the priors of every product bought by T1
t1=$(json_get '{data}{train_cutoff}' "$T/model.json")
np=$(awk -F, -v c="$t1" 'NR > 1 && $4 == "purchase" && $6 <= c { p[$3] = 1 } END { n = 0; for (k in p) n++; print n }' "$T/ev.csv")
"$RP" inspect "$T/model.rpf" >"$T/out"
grep -q "format 3)" "$T/out" && grep -q "^priors      $np products" "$T/out" \
    && ok "model file format 3 (covers) with the priors of $np products" \
    || not_ok "priors in the model file ($np expected): $(grep -E 'priors|format' "$T/out")"

check "eval" "$RP" eval -q "$T/model.rpf" "$T/ev.csv"
cp "$T/out" "$T/eval.json"
for k in auc pr_auc logloss accuracy brier ece positive_rate mean_predicted rows; do
    v=$(json_num $k "$T/eval.json")
    [ -n "$v" ] && ok "eval has $k ($v)" || not_ok "eval lacks $k"
done
if [ "$(wc -l <"$T/eval.json")" -eq 1 ]; then ok "eval prints one line"; else not_ok "eval output lines"; fi
auc=$(json_num auc "$T/eval.json")
if awk -v a="$auc" 'BEGIN { exit !(a > 0.6) }'; then ok "test AUC $auc > 0.6"; else not_ok "test AUC $auc"; fi

# eval scores the test window with the model file's frozen priors, as fit
# did before writing it: the same figures
a1=$(json_get '{metrics}{test}{auc}' "$T/model.json"); a2=$(json_get '{auc}' "$T/eval.json")
b1=$(json_get '{metrics}{test}{brier}' "$T/model.json"); b2=$(json_get '{brier}' "$T/eval.json")
if awk -v a="$a1" -v b="$a2" -v c="$b1" -v d="$b2" 'BEGIN { exit !(a - b < 1e-9 && b - a < 1e-9 && c - d < 1e-9 && d - c < 1e-9 && a > 0) }'; then
    ok "eval equals fit's test figures (auc $a2)"
else
    not_ok "eval auc $a2 / brier $b2, fit's test $a1 / $b1"
fi

# calibrated by default: the mean prediction is near the observed rate and
# the expected calibration error is small (balanced class weights made
# both several times too high)
ece=$(json_get '{ece}' "$T/eval.json")
mp=$(json_get '{mean_predicted}' "$T/eval.json"); pr=$(json_get '{positive_rate}' "$T/eval.json")
if awk -v e="$ece" -v m="$mp" -v r="$pr" 'BEGIN { exit !(e < 0.06 && m < 1.3 * r && m > 0.7 * r) }'; then
    ok "calibrated: ece $ece, mean prediction $mp for a rate of $pr"
else
    not_ok "not calibrated: ece $ece, mean prediction $mp for a rate of $pr"
fi

# the reliability table and the bands add up to the rows, and agree with
# an independent count of the rows (the mean of the bins' rates weighted
# by their rows is the positive rate)
if perl -MJSON::PP -e '
    local $/; my $j = JSON::PP->new->decode(<STDIN>);
    my ($n, $pos, $nb, $lo) = (0, 0, 0, 0);
    die "bins\n" unless @{$j->{reliability}} == 10;
    for my $b (@{$j->{reliability}}) {
        die "range\n" unless abs($b->{range}[0] - $lo) < 1e-9;
        $lo = $b->{range}[1];
        $n += $b->{count};
        $pos += $b->{count} * $b->{observed_rate} if $b->{count};
        die "mean outside its bin\n" if $b->{count} && ($b->{mean_predicted} < $b->{range}[0] - 1e-9 || $b->{mean_predicted} > $b->{range}[1] + 1e-9);
    }
    $nb += $j->{bands}{$_}{count} for qw(low medium high);
    die "rows $n / $nb vs $j->{rows}\n" unless $n == $j->{rows} && $nb == $j->{rows};
    die "rate\n" unless abs($pos / $n - $j->{positive_rate}) < 1e-9;
    die "band edges\n" unless $j->{bands}{medium}{range}[0] == 0.3 && $j->{bands}{high}{range}[0] == 0.7;
' <"$T/eval.json" 2>"$T/err"; then
    ok "reliability table and bands add up"
else
    not_ok "reliability table: $(cat "$T/err")"
fi
if perl -MJSON::PP -e 'local $/; my $j = JSON::PP->new->decode(<STDIN>);
        exit !(ref $j->{metrics}{test}{reliability} eq "ARRAY" && defined $j->{metrics}{test}{ece}
               && $j->{parameters}{class_weight} eq "none"
               && @{$j->{selection}{candidates}} == 4)' <"$T/model.json"; then
    ok "model.json: test reliability, ece, no class weights, 4 candidates"
else
    not_ok "model.json calibration fields"
fi

# --plot draws three PNGs; without gnuplot the error says what to install
if command -v gnuplot >/dev/null; then
    check "eval --plot" "$RP" eval -q "$T/model.rpf" "$T/ev.csv" --plot "$T/plots"
    for f in roc pr reliability; do
        if [ "$(head -c 8 "$T/plots/$f.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
            ok "$f.png is a PNG"; else not_ok "$f.png missing or not a PNG"; fi
    done
    n=$(grep -vc '^#' "$T/plots/reliability.dat")
    [ "$n" -ge 3 ] && ok "reliability.dat has $n bins" || not_ok "reliability.dat bins: $n"
else
    not_ok "gnuplot not installed (scripts/install-deps installs gnuplot-nox)"
fi
mkdir -p "$T/nopath"
check_fails "eval --plot without gnuplot fails" env PATH="$T/nopath" "$RP" eval -q "$T/model.rpf" "$T/ev.csv" --plot "$T/plots2"
grep -q "gnuplot-nox" "$T/err" && ok "missing gnuplot: the error names the package" || not_ok "missing gnuplot message: $(cat "$T/err")"

check "inspect a good model" "$RP" inspect "$T/model.rpf"
grep -q "trees" "$T/out" && grep -q "checksum" "$T/out" && ok "inspect output" || not_ok "inspect output"
check "inspect --json" "$RP" inspect --json "$T/model.rpf"
grep -q '"valid":true' "$T/out" && ok "inspect --json valid" || not_ok "inspect --json valid"

# global importance: mean |TreeSHAP| over a matrix's rows, largest first
check "inspect --matrix" "$RP" inspect "$T/model.rpf" --matrix "$T/m.csv"
rows=$(($(wc -l <"$T/m.csv") - 1))
grep -q "explain     yes" "$T/out" && ok "fit's model can explain" || not_ok "explain line: $(grep explain "$T/out")"
grep -q "over $rows rows" "$T/out" && ok "importance over the $rows rows" || not_ok "importance rows: $(grep importance "$T/out")"
sed -n '/^importance/,$p' "$T/out" | tail -n +2 | awk '{ print $2 }' >"$T/imp"
[ "$(wc -l <"$T/imp")" -eq "$(grep '^features' "$T/out" | awk '{ print $2 + 0 }')" ] \
    && sort -g -r -c "$T/imp" && [ "$(awk '$1 > 0' "$T/imp" | wc -l)" -ge 3 ] \
    && ok "one importance per feature, sorted, not all zero" || not_ok "importance list: $(cat "$T/imp")"
check "inspect --matrix --json" "$RP" inspect --json "$T/model.rpf" --matrix "$T/m.csv"
[ "$(json_get '{importance}{rows}' "$T/out")" = "$rows" ] && ok "--json importance rows" || not_ok "--json importance: $(cat "$T/out")"
idx=$(head -1 "$T/m.csv" | tr , '\n' | grep -n '^purchase_count$' | cut -d: -f1)
cut -d, -f"1-$((idx - 1)),$((idx + 1))-" "$T/m.csv" >"$T/m-cut.csv"
check_fails "inspect --matrix without a model feature's column" "$RP" inspect "$T/model.rpf" --matrix "$T/m-cut.csv"
grep -q 'no column "purchase_count"' "$T/err" && ok "the missing column is named" || not_ok "missing column message: $(cat "$T/err")"

size=$(wc -c <"$T/model.rpf")
head -c $((size - 7)) "$T/model.rpf" >"$T/trunc.rpf"
check_fails "inspect refuses a truncated model" "$RP" inspect "$T/trunc.rpf"
[ -s "$T/err" ] && ok "truncation reason printed" || not_ok "truncation reason"
cp "$T/model.rpf" "$T/flip.rpf"
printf '\377' | dd of="$T/flip.rpf" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
check_fails "inspect refuses a bit-flipped model" "$RP" inspect "$T/flip.rpf"
check_fails "eval refuses a bit-flipped model" "$RP" eval "$T/flip.rpf" "$T/ev.csv"

check "fit --trees 30 --depth 3 --windows 2 (nothing to choose)" "$RP" fit "$T/ev.csv" -o "$T/gb.rpf" --trees 30 --depth 3 --windows 2
grep -q "choosing settings" "$T/err" && not_ok "fixed settings still ran a selection" || ok "fixed settings: no selection"
check "inspect the boosted model" "$RP" inspect "$T/gb.rpf"
grep -q "trees       30," "$T/out" && ok "30 rounds, 30 trees" || not_ok "rounds: $(grep trees "$T/out")"

check "fit --trees 200 (the depth still chosen)" "$RP" fit "$T/ev.csv" -o "$T/gb7.rpf" --trees 200
"$RP" inspect "$T/gb7.rpf" >"$T/out"
grep -q "trees       200," "$T/out" && grep -q "choosing settings" "$T/err" \
    && ok "--trees fixes the rounds, the depth is chosen" || not_ok "--trees 200: $(grep trees "$T/out")"

check "fit --forest (Platt scaling on the earlier window)" "$RP" fit "$T/ev.csv" -o "$T/rf.rpf" --forest
grep -q "Platt scaling" "$T/err" && ok "forest reports its Platt scaling" || not_ok "forest Platt report"
[ "$(json_get '{calibration}{method}' "$T/rf.json")" = platt ] && ok "model.json names the calibration" || not_ok "forest calibration in model.json"
"$RP" eval -q "$T/rf.rpf" "$T/ev.csv" >"$T/rf.eval"
ece=$(json_get '{ece}' "$T/rf.eval")
if awk -v e="$ece" 'BEGIN { exit !(e < 0.06) }'; then ok "calibrated forest: ece $ece"; else not_ok "forest ece $ece"; fi
check "inspect --matrix on the Platt-calibrated forest" "$RP" inspect "$T/rf.rpf" --matrix "$T/m.csv"
grep -q "^importance" "$T/out" && ok "forest importance" || not_ok "forest importance: $(cat "$T/out" "$T/err")"

check "fit --features seed" "$RP" fit -q "$T/ev.csv" -o "$T/seed.rpf" --features seed
"$RP" inspect "$T/seed.rpf" >"$T/out"
grep -q "features    14:" "$T/out" && ok "seed model has the 14 features" || not_ok "seed features: $(grep features "$T/out")"
check "fit --features with two names" "$RP" fit -q "$T/ev.csv" -o "$T/two.rpf" --features purchase_count,days_since_last_purchase --trees 20 --depth 2
"$RP" inspect "$T/two.rpf" >"$T/out"
grep -q "features    2: purchase_count days_since_last_purchase" "$T/out" && ok "two-feature model" || not_ok "two features: $(grep features "$T/out")"
check_fails "fit --features refuses an unknown name" "$RP" fit -q "$T/ev.csv" -o "$T/x.rpf" --features purchase_count,shoe_size
grep -q '"shoe_size"' "$T/err" && ok "unknown feature named" || not_ok "unknown feature message"
check_fails "fit --features refuses a name given twice" "$RP" fit -q "$T/ev.csv" -o "$T/x.rpf" --features purchase_count,purchase_count

"$RP" generate -q --days 40 -o "$T/short.csv"
check_fails "fit refuses data too short for the windows" "$RP" fit "$T/short.csv" -o "$T/s.rpf"
grep -q "too short" "$T/err" && ok "too-short reason" || not_ok "too-short reason"
[ ! -e "$T/s.rpf" ] && ok "no model written when refused" || not_ok "model written when refused"
check_fails "fit wants a .rpf path" "$RP" fit "$T/ev.csv" -o "$T/model.bin"


# --- rows from the future, NUL bytes, unknown options ---------------------
# Rows stamped beyond the clock skew (default 1 day) are bad rows: one
# far-future purchase would hold a user's last purchase in the future.
# A NUL inside a field is a bad row too (fields carry their lengths).
soon=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
later=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
{
    head -50 "$T/ev.csv"
    echo "fut_1,user_f,prod_f,purchase,5.00,9999-12-31T23:59:59Z"
    echo "fut_2,user_f,prod_f,purchase,5.00,$later"
    echo "fut_3,user_f,prod_f,purchase,5.00,$soon"
    printf 'nul_1,user_f\000x,prod_f,view,1.00,2025-01-02T00:00:00Z\n'
} >"$T/future.csv"
for c in features eval fit; do
    case $c in
        features) set -- features "$T/future.csv" --cutoff 2025-03-01 -o "$T/mf.csv" ;;
        eval) set -- eval "$T/model.rpf" "$T/future.csv" --cutoff 2025-02-01 ;;
        fit) set -- fit "$T/future.csv" -o "$T/nomodel.rpf" --trees 2 ;;
    esac
    "$RP" "$@" >"$T/out" 2>"$T/err"
    if grep -q "line 51: timestamp 9999-12-31T23:59:59Z is more than 86400 s ahead of the clock" "$T/err" \
            && grep -q "line 52: timestamp $later is more than 86400 s ahead" "$T/err" \
            && ! grep -q "line 53:" "$T/err" \
            && grep -q "line 54: user_id has a non-printable character" "$T/err" \
            && grep -q "3 bad rows" "$T/err"; then
        ok "$c: rows beyond --max-future (default 1 day) and a NUL in an id are bad rows"
    else
        not_ok "$c: future rows"; sed 's/^/#   /' "$T/err" | head -8
    fi
done
check "features --max-future 604800 takes the 3-day row" "$RP" features "$T/future.csv" --cutoff 2025-03-01 --max-future 604800 -o "$T/mf.csv"
grep -q "line 52:" "$T/err" && not_ok "--max-future 604800 still refuses line 52" || ok "--max-future widens the skew"
"$RP" features "$T/future.csv" --cutoff 2025-03-01 --max-future 0 -o "$T/mf.csv" 2>"$T/err"
grep -q "line 53: timestamp $soon is more than 0 s ahead" "$T/err" && ok "--max-future 0 refuses 2 hours ahead" || { not_ok "--max-future 0"; sed 's/^/#   /' "$T/err" | head -5; }
check_fails "a bad --max-future is refused" "$RP" features "$T/future.csv" --cutoff 2025-03-01 --max-future -1 -o "$T/mf.csv"
grep -q 'option "--max-future": invalid value "-1"' "$T/err" && ok "--max-future names the bad value" || not_ok "--max-future message"
# The messages of every rp program (lib/rp_tool's rp_getopt): the option
# named as it is known, the value quoted, exit 2.
for c in generate features fit eval inspect materialize verify; do
    "$RP" "$c" --bogus >"$T/out" 2>"$T/err"
    if [ $? -eq 2 ] && grep -q "rp-train: $c: unknown option \"--bogus\"" "$T/err"; then
        ok "$c --bogus: unknown option, exit 2"
    else
        not_ok "$c --bogus"; sed 's/^/#   /' "$T/err" | head -3
    fi
done
cli_fails() { # WANT ARGS...: rp-train exits 2 and says WANT
    want=$1; shift
    "$RP" "$@" >"$T/out" 2>"$T/err"
    if [ $? -eq 2 ] && grep -qF "$want" "$T/err"; then ok "$* -> $want"; else not_ok "$*"; sed 's/^/#   /' "$T/err" | head -3; fi
}
cli_fails 'option "--trees" needs a value' fit "$T/ev.csv" -o "$T/x.rpf" --trees
cli_fails 'option "--trees": invalid value "9x" (an integer from 1 to 5000)' fit "$T/ev.csv" -o "$T/x.rpf" --trees 9x
cli_fails 'option "--horizon": invalid value "0"' eval "$T/model.rpf" "$T/ev.csv" --hor 0
cli_fails 'option "--cutoff": invalid value "soon"' features "$T/ev.csv" -o "$T/x.csv" --cutoff soon
cli_fails 'unknown option "--quiet=1"' generate -o "$T/x.csv" --quiet=1
cli_fails 'unknown option "-z"' generate -o "$T/x.csv" -qz
cli_fails 'option "--redis": invalid value "nocolon" (expected HOST:PORT)' materialize --redis nocolon "$T/ev.csv"

# --- materialize and verify against redis ----------------------------------
if [ -z "$PORT" ]; then
    not_ok "RP_TEST_REDIS_PORT not set (run through scripts/with-redis)"
else
    R="redis-cli -h 127.0.0.1 -p $PORT"
    dump() { # every key with its sorted content, in one redis-cli session
        $R --scan --pattern 'rp:*' | sort >"$T/keys"
        while read -r k; do
            echo "TYPE $k"
        done <"$T/keys" | $R >"$T/types"
        paste -d' ' "$T/keys" "$T/types" | while read -r k t; do
            if [ "$t" = hash ]; then echo "HGETALL $k"; else echo "SMEMBERS $k"; fi
        done | $R | sort
        cat "$T/keys"
    }
    "$RP" generate -q --users 150 --products 80 --days 60 --seed 3 -o "$T/small.csv"
    nsmall=$(($(wc -l <"$T/small.csv") - 1))
    $R flushall >/dev/null
    check "materialize" "$RP" materialize "$T/small.csv" --redis 127.0.0.1:$PORT --batch 100
    grep -q "applied $nsmall, replays 0, rejected 0" "$T/err" && ok "all $nsmall events applied" || { not_ok "materialize summary"; cat "$T/err"; }
    dump >"$T/dump1"
    check "materialize again" "$RP" materialize "$T/small.csv" --redis 127.0.0.1:$PORT
    grep -q "applied 0, replays $nsmall" "$T/err" && ok "second run: all replays" || { not_ok "second run summary"; cat "$T/err"; }
    dump >"$T/dump2"
    if [ -s "$T/dump1" ] && cmp -s "$T/dump1" "$T/dump2"; then
        ok "store after two runs equals store after one ($(wc -l <"$T/keys") keys)"
    else
        not_ok "store changed by a replay"
    fi
    check "verify: store equals offline state" "$RP" verify "$T/small.csv" --redis 127.0.0.1:$PORT
    u=$(sed -n 2p "$T/small.csv" | cut -d, -f2)
    # one more event in the user's packed fields (still consistent)
    $R hset "rp:{$u}" u "$($R hget "rp:{$u}" u | awk -F, -v OFS=, '{ $1++; print }')" >/dev/null
    check_fails "verify detects a tampered counter" "$RP" verify "$T/small.csv" --redis 127.0.0.1:$PORT
    grep -q "$u" "$T/err" && ok "verify names the user" || not_ok "verify names the user"
    # the script cache flushed under our feet: NOSCRIPT falls back to EVAL
    $R flushall >/dev/null
    ( i=0; while [ $i -lt 200 ] && [ ! -e "$T/stop" ]; do $R script flush >/dev/null; i=$((i + 1)); done ) &
    fl=$!
    check "materialize while SCRIPT FLUSH runs" "$RP" materialize "$T/small.csv" --redis 127.0.0.1:$PORT --batch 5
    touch "$T/stop"; wait $fl
    grep -q "applied $nsmall, replays 0, rejected 0" "$T/err" && ok "all applied once ($(sed -n 's/.*\(NOSCRIPT[^)]*\).*/\1/p' "$T/err"))" || { not_ok "summary under SCRIPT FLUSH"; cat "$T/err"; }
    check "verify after SCRIPT FLUSH run" "$RP" verify "$T/small.csv" --redis 127.0.0.1:$PORT
    # a transient state (here a read-only replica, as after a failover) is
    # waited out: the batch goes again, nothing is counted as rejected
    $R flushall >/dev/null
    $R replicaof 127.0.0.1 1 >/dev/null
    ( sleep 1; $R replicaof no one >/dev/null ) &
    ro=$!
    check "materialize while Redis is briefly a read-only replica" "$RP" materialize "$T/small.csv" --redis 127.0.0.1:$PORT --batch 100
    wait $ro
    if grep -q "applied $nsmall, replays 0, rejected 0" "$T/err" && grep -q "READONLY.*sending the batch again" "$T/err"; then
        ok "READONLY is transient: waited out, all $nsmall applied"
    else
        not_ok "materialize under READONLY"; sed 's/^/#   /' "$T/err" | tail -3
    fi
    check "verify after the read-only spell" "$RP" verify "$T/small.csv" --redis 127.0.0.1:$PORT
    check_fails "materialize to a closed port fails" "$RP" materialize -q "$T/small.csv" --redis 127.0.0.1:1
    # a repeated event id in a file: skipped, as the trainer does, so the
    # store still equals the offline state (the replay guard knows lines,
    # not ids)
    $R flushall >/dev/null
    ndup=$(($(wc -l <"$T/dup.csv") - 1))
    check "materialize a file with 3 repeated ids" "$RP" materialize "$T/dup.csv" --redis 127.0.0.1:$PORT
    grep -q "applied $((ndup - 3)), replays 0, rejected 0, bad rows 0, repeated ids 3" "$T/err" && ok "repeated ids skipped by materialize" || { not_ok "materialize of repeated ids"; sed 's/^/#   /' "$T/err" | tail -3; }
    check "verify: a file with repeated ids" "$RP" verify "$T/dup.csv" --redis 127.0.0.1:$PORT
    $R flushall >/dev/null
    "$RP" materialize "$T/future.csv" --redis 127.0.0.1:$PORT >"$T/out" 2>"$T/err"
    if grep -q "line 51: timestamp 9999-12-31T23:59:59Z is more than 86400 s ahead" "$T/err" \
            && [ "$($R hget 'rp:{user_f}' b | cut -d, -f1)" = 1 ]; then   # b = pn,ps,lp,...
        ok "materialize skips rows beyond --max-future (only the in-skew purchase applied)"
    else
        not_ok "materialize future rows (b $($R hget 'rp:{user_f}' b))"; sed 's/^/#   /' "$T/err" | head -5
    fi
fi

tap_end
