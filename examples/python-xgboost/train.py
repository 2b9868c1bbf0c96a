#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
"""Train an XGBoost model in Python on rp's training matrix and save it as
JSON for `rp-train import`, or score /predict replies with it.

  train.py train MATRIX.csv MODEL.json [--rounds N] [--depth D]
  train.py compare MODEL.json REPLIES.json

train: the features are the matrix's columns, named by its header (the
names rp's feature table uses), without the ids and the label; the product
priors (prod_*) among them, whose table `rp-train import --priors` builds
from the same events at the same cutoff.
compare: REPLIES.json holds /predict replies (one JSON object a line);
each reply's features_used is scored by the booster, which must give the
reply's probability to 1e-6.
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


def compare(model, replies):
    booster = xgb.Booster()
    booster.load_model(model)
    names = booster.feature_names
    served, rows = [], []
    with open(replies) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            fu = r["features_used"]
            rows.append([math.nan if fu[n] is None else fu[n] for n in names])
            served.append(r["repeat_purchase_probability"])
    d = xgb.DMatrix(np.array(rows, dtype=np.float32), feature_names=names,
                    missing=np.nan)
    ours = booster.predict(d)
    worst = max(range(len(rows)), key=lambda i: abs(served[i] - ours[i]))
    diff = abs(served[worst] - float(ours[worst]))
    print(f"train.py compare: {len(rows)} replies, max |nginx - python| = "
          f"{diff:.3g} (nginx {served[worst]:.9f}, python {ours[worst]:.9f})")
    return 0 if diff <= 1e-6 else 1


def main(argv):
    if len(argv) >= 4 and argv[1] == "train":
        opts = dict(zip(argv[4::2], argv[5::2]))
        train(argv[2], argv[3], int(opts.get("--rounds", 50)),
              int(opts.get("--depth", 4)))
        return 0
    if len(argv) == 4 and argv[1] == "compare":
        return compare(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
