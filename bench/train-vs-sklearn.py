#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# train-vs-sklearn.py: scikit-learn's RandomForestClassifier on the feature
# matrices written by "rp-train features" (train at T1, test at T2), the
# baseline for rp-train fit. Prints one JSON object: test metrics and the
# wall time of loading, fitting and predicting.
#
#   /usr/bin/python3 bench/train-vs-sklearn.py TRAIN.csv TEST.csv \
#       [--trees 100] [--depth 10] [--jobs 2] [--seed 42]
import argparse
import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import (accuracy_score, average_precision_score,
                             brier_score_loss, log_loss, roc_auc_score)


def load(path):
    with open(path) as f:
        header = f.readline().strip().split(",")
    if header[:2] != ["user_id", "product_id"] or header[-1] != "label":
        sys.exit("%s: not an rp-train features matrix" % path)
    data = np.loadtxt(path, delimiter=",", skiprows=1,
                      usecols=range(2, len(header)), dtype=np.float32,
                      ndmin=2)
    return data[:, :-1], data[:, -1].astype(np.int8)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("train")
    ap.add_argument("test")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--depth", type=int, default=10)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=42)
    a = ap.parse_args()

    t0 = time.monotonic()
    xtr, ytr = load(a.train)
    xte, yte = load(a.test)
    t1 = time.monotonic()

    rf = RandomForestClassifier(n_estimators=a.trees, max_depth=a.depth,
                                max_features="sqrt", bootstrap=True,
                                class_weight=None, n_jobs=a.jobs,
                                random_state=a.seed)
    rf.fit(xtr, ytr)
    t2 = time.monotonic()
    p = rf.predict_proba(xte)[:, 1]
    t3 = time.monotonic()

    print(json.dumps({
        "auc": roc_auc_score(yte, p),
        "pr_auc": average_precision_score(yte, p),
        "logloss": log_loss(yte, np.clip(p, 1e-15, 1 - 1e-15)),
        "accuracy": accuracy_score(yte, p >= 0.5),
        "brier": brier_score_loss(yte, p),
        "positive_rate": float(yte.mean()),
        "train_rows": int(len(ytr)),
        "test_rows": int(len(yte)),
        "load_seconds": round(t1 - t0, 3),
        "fit_seconds": round(t2 - t1, 3),
        "predict_seconds": round(t3 - t2, 3),
        "trees": a.trees, "max_depth": a.depth, "n_jobs": a.jobs,
    }))


if __name__ == "__main__":
    main()
