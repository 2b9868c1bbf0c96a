#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# import-test.sh: rp-train import end to end. Models trained through
# XGBoost's C API here (build/xgb-train) with missing values in their
# training rows, imported with --check against XGBoost on the same rows;
# the hand-written JSON of XGBoost 2.x and 3.x in tests/data/xgb/; every
# refusal with its message, and nothing written when refused.
# Prints "N passed, M failed" and exits non-zero when anything failed.

set -u
cd "$(dirname "$0")/.."
RP=${RP_TRAIN:-build/rp-train}
XT=${XGB_TRAIN:-build/xgb-train}
D=tests/data/xgb
T=$(mktemp -d "${TMPDIR:-/tmp}/rp-import-test.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

. tests/tap.sh

show() { sed 's/^/#   /' "$T/err" | head -20; }

# imports MODEL.json (extra args after) and must succeed
imports() { # imports DESCRIPTION MODEL.json OUT.rpf [ARGS...]
    d=$1 m=$2 o=$3; shift 3
    if "$RP" import "$m" -o "$o" "$@" >"$T/out" 2>"$T/err" \
       && "$RP" inspect "$o" >"$T/inspect" 2>>"$T/err"; then
        ok "$d"
    else
        not_ok "$d"; show
    fi
}

# imports must fail with exit 1, the message (a fixed string), no output
refuses() { # refuses DESCRIPTION MESSAGE MODEL.json [ARGS...]
    d=$1 msg=$2 m=$3; shift 3
    rm -f "$T/no.rpf" "$T/no.json"
    "$RP" import "$m" -o "$T/no.rpf" "$@" >"$T/out" 2>"$T/err"; rc=$?
    if [ $rc -eq 1 ] && grep -qF -- "$msg" "$T/err" && [ ! -e "$T/no.rpf" ] \
       && [ ! -e "$T/no.json" ] && [ ! -e "$T/no.rpf.tmp" ]; then
        ok "$d"
    else
        not_ok "$d (exit $rc, expected 1 and \"$msg\")"; show
    fi
}

for b in "$RP" "$XT"; do
    [ -x "$b" ] || { echo "import-test: $b not built" >&2; exit 1; }
done

# --- command line ------------------------------------------------------------
if "$RP" import --help >"$T/out" && grep -q -- '--check MATRIX.csv' "$T/out" \
   && "$RP" --help | grep -q '^  import '; then
    ok "import --help; listed by rp-train --help"
else
    not_ok "import --help"
fi
"$RP" import "$D/v2-small.json" >/dev/null 2>&1
[ $? -eq 2 ] && ok "without -o: exit 2" || not_ok "without -o: exit 2"
"$RP" import "$D/v2-small.json" -o "$T/m.bin" >/dev/null 2>&1
[ $? -eq 2 ] && ok "an output not ending in .rpf: exit 2" || not_ok "output suffix"

# the description goes beside the model file: never over the input
cp "$D/v2-small.json" "$T/same.json"
"$RP" import "$T/same.json" -o "$T/same.rpf" >/dev/null 2>"$T/err"; rc=$?
if [ $rc -eq 2 ] && cmp -s "$T/same.json" "$D/v2-small.json" \
   && grep -q 'would write .*same.json, the model being imported' "$T/err"; then
    ok "-o M.rpf for M.json is refused, M.json untouched"
else
    not_ok "-o over the input (exit $rc)"; show
fi

# --- models trained through the C API ----------------------------------------
"$RP" generate -q --users 300 --days 200 --seed 5 -o "$T/ev.csv"
"$RP" features -q "$T/ev.csv" --cutoff 2025-05-01T00:00:00Z -o "$T/m.csv"
rows=$(($(wc -l <"$T/m.csv") - 1))

# 20% of the training values missing: both default directions are learned
# and the checked rows (written as trained on) take them
train() { # train NAME [xgb-train args...]
    n=$1; shift
    "$XT" "$T/m.csv" "$T/$n.json" --drop 0.2 --write-matrix "$T/md.csv" "$@" \
        2>"$T/err" || { not_ok "xgb-train $n"; show; }
}
train gb --rounds 20 objective=binary:logistic max_depth=4
nan=$(tail -n +2 "$T/md.csv" | grep -c nan)
imports "boosted (binary:logistic) with --check" "$T/gb.json" "$T/gb-out.rpf" \
    --check "$T/md.csv"
if grep -q "import: --check $T/md.csv: $rows rows, max |rp - xgboost| = " \
       "$T/err" && [ "$nan" -gt $((rows / 2)) ]; then
    ok "--check scored all $rows rows ($nan with a missing value)"
else
    not_ok "--check's summary line ($rows rows, $nan with NaN)"; show
fi
crc=$(perl -MCompress::Zlib -e 'local $/; open my $f, "<", $ARGV[0] or die;
    printf "%08x", crc32(<$f>)' "$T/gb.json")
if grep -q "^version     xgb-gb-$crc\$" "$T/inspect"; then
    ok "default version xgb-gb-$crc (file name, CRC-32 of the JSON)"
else
    not_ok "default version, expected xgb-gb-$crc"; sed 's/^/#   /' "$T/inspect"
fi
if perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
        exit !($j->{imported}{xgboost_version} eq "1.7.4"
               && $j->{imported}{objective} eq "binary:logistic"
               && $j->{parity_rows} == $ARGV[0]
               && $j->{parity_max_abs_diff} <= 1e-6
               && @{$j->{feature_names}} == 24 && $j->{version} =~ /^xgb-gb-/)' \
        "$rows" <"$T/gb-out.json"; then
    ok "gb-out.json describes the import (XGBoost version, parity)"
else
    not_ok "gb-out.json"; head -30 "$T/gb-out.json" | sed 's/^/#   /'
fi
ls "$T"/*.tmp >/dev/null 2>&1 && not_ok "a .tmp file left behind" \
    || ok "no temporary file left behind"

train rf --rounds 1 objective=binary:logistic num_parallel_tree=20 \
    subsample=0.632 colsample_bynode=0.5 eta=1 max_depth=6
imports "random forest (num_parallel_tree 20) with --check" "$T/rf.json" \
    "$T/rf-out.rpf" --check "$T/md.csv"
grep -q '^trees       20,' "$T/inspect" && ok "the forest's 20 trees" \
    || not_ok "the forest's trees: $(grep trees "$T/inspect")"

train lr --rounds 15 objective=binary:logitraw base_score=0.3
imports "binary:logitraw, base_score 0.3 (a margin) with --check" \
    "$T/lr.json" "$T/lr-out.rpf" --check "$T/md.csv"
grep -q '^objective   binary:logistic, base margin 0.300000012$' "$T/inspect" \
    && ok "logitraw: base_score is the margin" \
    || not_ok "logitraw's margin: $(grep objective "$T/inspect")"

train rl --rounds 15 objective=reg:logistic base_score=0.3
imports "reg:logistic, base_score 0.3 (a probability) with --check" \
    "$T/rl.json" "$T/rl-out.rpf" --check "$T/md.csv"
grep -q '^objective   binary:logistic, base margin -0.84729' "$T/inspect" \
    && ok "reg:logistic: the margin is logit(0.3)" \
    || not_ok "reg:logistic's margin: $(grep objective "$T/inspect")"

train dart --rounds 15 objective=binary:logistic booster=dart rate_drop=0.3 \
    skip_drop=0
w=$(perl -MJSON::PP -e 'local $/; my $j = decode_json(<STDIN>);
    print scalar grep { $_ < 0.99 } @{$j->{learner}{gradient_booster}{weight_drop}}' \
    <"$T/dart.json")
imports "dart ($w of 15 trees weighted below 1) with --check" "$T/dart.json" \
    "$T/dart-out.rpf" --check "$T/md.csv"
[ "${w:-0}" -gt 0 ] && ok "dart's weights matter" || not_ok "dart weights all 1"

# the exact method prunes with gamma: deleted nodes stay in the arrays
train pr --rounds 15 objective=binary:logistic tree_method=exact gamma=3 \
    max_depth=6
del=$(grep -o '"num_deleted":"[0-9]*"' "$T/pr.json" | tr -dc '0-9\n' \
      | awk '{ s += $1 } END { print s + 0 }')
imports "pruned trees ($del deleted nodes) with --check" "$T/pr.json" \
    "$T/pr-out.rpf" --check "$T/md.csv"
[ "$del" -gt 0 ] && ok "the pruner left deleted nodes" || not_ok "no deleted node"

# the product priors: the table from the events at the matrix's cutoff
"$XT" "$T/m.csv" "$T/pri.json" --rounds 20 objective=binary:logistic \
    --features event_count,purchase_count,pp_days_since_last,pp_ndays,pp_mean_gap,prod_buyers,prod_buyers_30d,prod_rebuy_rate,prod_repeat_share,prod_med_interval
imports "the product priors (--priors, --cutoff) with --check" "$T/pri.json" \
    "$T/pri-out.rpf" --priors "$T/ev.csv" --cutoff 2025-05-01T00:00:00Z \
    --check "$T/m.csv"
np=$(awk -F, 'NR > 1 && $NF != "" { print $2 }' "$T/m.csv" | sort -u | wc -l)
grep -q "^priors      [1-9][0-9]* products + default row" "$T/inspect" \
    && ok "the file carries the prior table ($np products in the matrix)" \
    || not_ok "no prior table: $(grep priors "$T/inspect")"
refuses "--check: prod_* columns of another cutoff than --cutoff" \
    "the matrix was made from other events or another --cutoff" \
    "$T/pri.json" --priors "$T/ev.csv" --cutoff 2025-04-01T00:00:00Z \
    --check "$T/m.csv"
"$RP" import "$T/pri.json" -o "$T/no.rpf" --priors "$T/ev.csv" >/dev/null 2>&1
[ $? -eq 2 ] && ok "--priors without --cutoff: exit 2" || not_ok "--priors alone"

# early stopping records best_iteration; Booster.predict still uses every
# round, and so does the import, which says so
sed 's/"attributes":{}/"attributes":{"best_iteration":"4","best_ntree_limit":"5"}/' \
    "$T/gb.json" >"$T/best.json"
imports "a model with best_iteration" "$T/best.json" "$T/best-out.rpf" \
    --check "$T/md.csv"
grep -q 'best_iteration 4; every one of its 20 rounds is imported' "$T/err" \
    && grep -q '^trees       20,' "$T/inspect" \
    && ok "best_iteration: all 20 rounds imported, with a note" \
    || { not_ok "best_iteration note"; show; }

imports "--version" "$T/gb.json" "$T/v.rpf" --version "exp-42"
grep -q '^version     exp-42$' "$T/inspect" && ok "--version exp-42 served" \
    || not_ok "--version"
refuses "--version with a space" "printable ASCII without spaces" \
    "$T/gb.json" --version "a b"

# --- XGBoost 2.x and 3.x schemas (hand-written) ------------------------------
# 2.1: iteration_indptr, categories arrays, size_leaf_vector 1, trees listed
# out of id order, a pruned node; XGBoost 1.7 reads this schema too
imports "2.1 schema with --check" "$D/v2-small.json" "$T/v2.rpf" \
    --check "$D/small-matrix.csv" --version same
grep -q '9 rows, max |rp - xgboost|' "$T/err" && ok "2.1: 9 rows agree" \
    || { not_ok "2.1 rows"; show; }

# 3.1: base_score "[3E-1]", default_left as booleans. XGBoost 1.7 misreads
# 3.1's base_score, so --check fails, naming the row, and writes nothing;
# the same trees in 1.7's spelling are checked instead and must give the
# same file
refuses "3.1 schema: --check with an older XGBoost fails" \
    "line 7 (u6, p6): rp 0.378175893" "$D/v3-small.json" \
    --check "$D/small-matrix.csv"
grep -q 'newer than the XGBoost' "$T/err" && ok "--check warns of the older XGBoost" \
    || not_ok "no warning of the older XGBoost"
imports "3.1 schema" "$D/v3-small.json" "$T/v3.rpf" --version same
sed -e 's/"base_score":"\[3E-1\]"/"base_score":"3E-1"/' -e 's/true/1/g' \
    -e 's/false/0/g' -e 's/"version":\[3,1,0\]/"version":[1,7,4]/' \
    "$D/v3-small.json" >"$T/v3as1.json"
imports "the same trees in 1.7's spelling, with --check" "$T/v3as1.json" \
    "$T/v3as1-out.rpf" --version same --check "$D/small-matrix.csv"
tail -c +257 "$T/v3as1-out.rpf" >"$T/b1"
tail -c +257 "$T/v3.rpf" >"$T/b3"
if cmp -s "$T/b1" "$T/b3"; then
    "$RP" inspect --json "$T/v3.rpf" | sed 's/"trained_at":"[^"]*"//' >"$T/i3"
    "$RP" inspect --json "$T/v3as1-out.rpf" | sed 's/"trained_at":"[^"]*"//' >"$T/i1"
    if cmp -s "$T/i1" "$T/i3" && grep -q '"base_margin":-0.84729' "$T/i3"; then
        ok "3.1 and 1.7 spellings: the same model file (base margin logit(0.3))"
    else
        not_ok "3.1 header differs"; diff "$T/i1" "$T/i3" | sed 's/^/#   /'
    fi
else
    not_ok "3.1 and 1.7 spellings: different payloads"
fi

# --- refusals ----------------------------------------------------------------
sed 's/"feature_names":\["event_count"/"feature_names":["label"/' "$T/gb.json" \
    >"$T/unknown.json"
refuses "an unknown feature name" \
    "1 feature name of the model is not in rp's feature table: \"label\"" \
    "$T/unknown.json"
sed 's/"feature_names":\["event_count","amount_max"/"feature_names":["event_count","event_count"/' \
    "$T/gb.json" >"$T/twice.json"
refuses "a feature named twice" 'feature "event_count" is named twice' \
    "$T/twice.json"
"$XT" "$T/m.csv" "$T/nonames.json" --rounds 3 --no-names \
    objective=binary:logistic
refuses "a model without feature names" "the model has no feature names" \
    "$T/nonames.json"
"$XT" "$T/m.csv" "$T/prior.json" --rounds 3 \
    --features event_count,prod_buyers objective=binary:logistic
refuses "a product prior without --priors" \
    "the model uses the product priors (prod_*)" "$T/prior.json"
refuses "a categorical split, naming tree and node" \
    "tree 0 node 2: a categorical split" "$D/v2-categorical.json"
"$XT" "$T/m.csv" "$T/multi.json" --rounds 3 --classes 3 \
    objective=multi:softprob num_class=3
refuses "a multi-class model" "a multi-class model (num_class 3)" \
    "$T/multi.json"
"$XT" "$T/m.csv" "$T/sq.json" --rounds 3 objective=reg:squarederror
refuses "an unknown objective, named" \
    'objective "reg:squarederror" is not supported' "$T/sq.json"
"$XT" "$T/m.csv" "$T/linear.json" --rounds 3 objective=binary:logistic \
    booster=gblinear
refuses "gblinear" "booster gblinear is a linear model" "$T/linear.json"
sed 's/"base_score":"[^"]*"/"base_score":"1.5E0"/' "$T/gb.json" >"$T/bs.json"
refuses "base_score out of (0, 1) for a logistic objective" \
    "base_score 1.5 is not a probability in (0, 1)" "$T/bs.json"
printf 'not a model\n' >"$T/text.json"
refuses "a malformed file" "not valid JSON (an error at byte 0" "$T/text.json"
head -c 3000 "$T/gb.json" >"$T/cut.json"
refuses "truncated JSON" "the file ends early, truncated?" "$T/cut.json"
"$XT" "$T/m.csv" "$T/binary.model" --rounds 2 objective=binary:logistic
refuses "XGBoost's binary format, with a hint" \
    "binary or UBJSON format? Save the model under a name ending in .json" \
    "$T/binary.model"
printf '{"learner": 1}' >"$T/other.json"
refuses "JSON that is not a model" 'no "learner" object' "$T/other.json"
sed 's/"left_children":\[1,/"left_children":[0,/' "$T/gb.json" >"$T/cycle.json"
refuses "a node that is its own child" "tree 0 node 0: reached twice" \
    "$T/cycle.json"
# a second split_conditions in tree 0, after the first: XGBoost would read
# the second, rp the first
sed 's/"split_type":\[/"split_conditions":[0E0],"split_type":[/' "$T/gb.json" \
    >"$T/dupkey.json"
refuses "a key twice in one object" \
    'key "split_conditions" twice in one object' "$T/dupkey.json"
: >"$T/empty.json"
refuses "an empty file" "is empty" "$T/empty.json"
refuses "a missing file" "cannot open" "$T/missing.json"

sed '3s/,[^,]*$/,1,2/' "$T/md.csv" >"$T/md-long.csv"
refuses "--check: a row longer than the header" \
    "line 3: more columns than the header's" "$T/gb.json" --check "$T/md-long.csv"
sed '4s/^\([^,]*,[^,]*\),[^,]*/\1,x1/' "$T/md.csv" >"$T/md-bad.csv"
refuses "--check: a value that is not a number" \
    'line 4: column 3 is not a number: "x1"' "$T/gb.json" --check "$T/md-bad.csv"
cut -d, -f1-4,6- "$T/md.csv" >"$T/md-short.csv"
refuses "--check with a matrix without a model's feature" \
    'has no column "amount_mean"' "$T/gb.json" --check "$T/md-short.csv"

tap_end
