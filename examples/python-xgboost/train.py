#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
"""Train an XGBoost model in Python on rp's training matrix and save it as
JSON for `rp-train import`, or score /predict replies with it.

  train.py train MATRIX.csv MODEL.json [--rounds N] [--depth D]
  train.py compare MODEL.json REPLIES.json
  train.py explain MODEL.json METHOD REPLIES.json

train: the features are the matrix's columns, named by its header (the
names rp's feature table uses), without the ids and the label; the product
priors (prod_*) among them, whose table `rp-train import --priors` builds
from the same events at the same cutoff.
compare: REPLIES.json holds /predict replies (one JSON object a line);
each reply's features_used is scored by the booster, which must give the
reply's probability to 1e-6.
explain: every reply in REPLIES.json carries an explanation by METHOD
(tree_shap or saabas); XGBoost explains the same rows (features_used)
with pred_contribs=True (TreeSHAP) or approx_contribs=True (Saabas), and
every contribution, by feature name, and the bias must be XGBoost's to
1e-5, and bias + contributions the logit of the reply's probability to
1e-6.
"""

import csv
import json
import math
import sys

import numpy as np
import xgboost as xgb


def read_matrix(path):
    with open(path, newline="") as f:
        rows = csv.reader(f)
        header = next(rows)
        cols = [i for i, name in enumerate(header)
                if name not in ("user_id", "product_id", "label")]
        label = header.index("label")
        x, y = [], []
        for r in rows:
            x.append([float(r[i]) for i in cols])   # "nan" is a missing value
            y.append(float(r[label]))
    return [header[i] for i in cols], np.array(x, dtype=np.float32), np.array(y)


def train(matrix, out, rounds=50, depth=4):
    names, x, y = read_matrix(matrix)
    dtrain = xgb.DMatrix(x, label=y, feature_names=names, missing=np.nan)
    params = {"objective": "binary:logistic", "max_depth": depth, "eta": 0.1,
              "subsample": 0.8, "tree_method": "hist", "seed": 1,
              "nthread": 2, "eval_metric": "logloss"}
    booster = xgb.train(params, dtrain, num_boost_round=rounds)
    booster.save_model(out)
    print(f"train.py: {len(y)} rows, {len(names)} features, {rounds} rounds "
          f"of depth {depth} -> {out}")


def read_replies(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def served_rows(booster, replies):
    """The rows the module scored, as XGBoost reads them: each reply's
    features_used (floats printed to round-trip) in the booster's order."""
    names = booster.feature_names
    rows = [[math.nan if r["features_used"][n] is None
             else r["features_used"][n] for n in names] for r in replies]
    return xgb.DMatrix(np.array(rows, dtype=np.float32), feature_names=names,
                       missing=np.nan)


def compare(model, replies):
    booster = xgb.Booster()
    booster.load_model(model)
    replies = read_replies(replies)
    served = [r["repeat_purchase_probability"] for r in replies]
    ours = booster.predict(served_rows(booster, replies))
    worst = max(range(len(replies)), key=lambda i: abs(served[i] - ours[i]))
    diff = abs(served[worst] - float(ours[worst]))
    print(f"train.py compare: {len(replies)} replies, max |nginx - python| = "
          f"{diff:.3g} (nginx {served[worst]:.9f}, python {ours[worst]:.9f})")
    return 0 if diff <= 1e-6 else 1


def explain(model, method, replies):
    if method not in ("tree_shap", "saabas"):
        print(f"train.py explain: method {method!r}: tree_shap or saabas",
              file=sys.stderr)
        return 2
    booster = xgb.Booster()
    booster.load_model(model)
    names = booster.feature_names
    replies = read_replies(replies)
    if not replies:
        print("train.py explain: no replies", file=sys.stderr)
        return 1
    # one column per feature, the bias last, in margin space
    want = booster.predict(served_rows(booster, replies), pred_contribs=True,
                           approx_contribs=(method == "saabas"))
    contrib = (0.0, "", 0, 0.0, 0.0)    # |diff|, feature, reply, nginx, xgb
    bias = (0.0, 0, 0.0, 0.0)           # |diff|, reply, nginx, xgb
    total = (0.0, 0, 0.0, 0.0)          # |diff|, reply, bias + sum, logit
    bad = []
    for i, r in enumerate(replies):
        e = r.get("explanation")
        if e is None or e["method"] != method:
            bad.append(f"reply {i} ({r['user_id']}, {r['product_id']}): "
                       f"explanation {e and e['method']}, not {method}")
            continue
        c = e["contributions"]
        if sorted(c) != sorted(names):
            bad.append(f"reply {i}: contributions for {sorted(c)}, "
                       f"the model's features are {sorted(names)}")
            continue
        for k, n in enumerate(names):
            d = abs(c[n] - float(want[i][k]))
            if d >= contrib[0]:
                contrib = (d, n, i, c[n], float(want[i][k]))
        d = abs(e["bias"] - float(want[i][-1]))
        if d >= bias[0]:
            bias = (d, i, e["bias"], float(want[i][-1]))
        p = r["repeat_purchase_probability"]
        s = e["bias"] + sum(c.values())
        d = abs(s - math.log(p / (1 - p)))
        if d >= total[0]:
            total = (d, i, s, math.log(p / (1 - p)))
    if bad:
        for b in bad[:5]:
            print(f"train.py explain: {b}", file=sys.stderr)
        if len(bad) > 5:
            print(f"train.py explain: ... and {len(bad) - 5} more",
                  file=sys.stderr)
        return 1
    print(f"train.py explain {method}: {len(replies)} replies, "
          f"{len(names)} features each")
    print(f"  max |nginx - xgboost| contribution = {contrib[0]:.3g} "
          f"({contrib[1]}, reply {contrib[2]}: nginx {contrib[3]:.9f}, "
          f"xgboost {contrib[4]:.9f})")
    print(f"  max |nginx - xgboost| bias = {bias[0]:.3g} (reply {bias[1]}: "
          f"nginx {bias[2]:.9f}, xgboost {bias[3]:.9f})")
    print(f"  max |bias + sum - logit(p)| = {total[0]:.3g} (reply {total[1]}:"
          f" {total[2]:.9f}, logit {total[3]:.9f})")
    ok = contrib[0] <= 1e-5 and bias[0] <= 1e-5 and total[0] <= 1e-6
    return 0 if ok else 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "train":
        opts = dict(zip(argv[4::2], argv[5::2]))
        train(argv[2], argv[3], int(opts.get("--rounds", 50)),
              int(opts.get("--depth", 4)))
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    if len(argv) == 5 and argv[1] == "explain":
        return explain(argv[2], argv[3], argv[4])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
