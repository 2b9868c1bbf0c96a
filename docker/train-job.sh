#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# train-job.sh (installed as rp-train-job): the compose file's one-shot job.
#   1. generates RP_DAYS days of synthetic shop events ending now
#      (rp-train generate) into $RP_MODEL_DIR/events.csv,
#   2. trains the model (rp-train fit) into $RP_MODEL_DIR/model.rpf and
#      model.json (rp-train writes a temporary file and renames it, so a
#      running nginx never sees a half-written model),
#   3. backfills the Redis feature store with the same events
#      (rp-train materialize; replays of applied events change nothing).
# A second run keeps the existing events and model and only re-materializes,
# which is idempotent. RP_RETRAIN=1 fits a new model on the same events
# (e.g. with another RP_TREES; then `nginx -s reload`). Fresh events need a
# fresh store too (the store remembers the last line it applied of each
# events file, and a new file is a new source):
#   docker compose down -v && docker compose up -d
# The Kafka topics are created by the kafka-init job (kafka-topics.sh ships
# in the Kafka image; this image has no Kafka admin tool).
#
# Environment (defaults): RP_MODEL_DIR (/models), RP_REDIS (redis:6379),
# RP_USERS (1000), RP_PRODUCTS (500), RP_DAYS (180), RP_SEED (42),
# RP_TREES (empty: fit chooses the rounds on an earlier window; a number
# fixes them), RP_RETENTION (34560000 s: 400 days), RP_RETRAIN (0).
set -eu

RP_MODEL_DIR=${RP_MODEL_DIR:-/models}
RP_REDIS=${RP_REDIS:-redis:6379}
RP_USERS=${RP_USERS:-1000}
RP_PRODUCTS=${RP_PRODUCTS:-500}
RP_DAYS=${RP_DAYS:-180}
RP_SEED=${RP_SEED:-42}
RP_TREES=${RP_TREES:-}
RP_RETENTION=${RP_RETENTION:-34560000}
RP_RETRAIN=${RP_RETRAIN:-0}

say() { echo "rp-train-job: $*" >&2; }

events=$RP_MODEL_DIR/events.csv
model=$RP_MODEL_DIR/model.rpf
mkdir -p "$RP_MODEL_DIR"

if [ ! -s "$events" ]; then
    start=$(date -u -d "@$(( $(date -u +%s) - RP_DAYS * 86400 ))" \
        +%Y-%m-%dT%H:%M:%SZ)
    say "generating $RP_DAYS days of events from $start ($RP_USERS users)"
    rp-train generate --users "$RP_USERS" --products "$RP_PRODUCTS" \
        --days "$RP_DAYS" --seed "$RP_SEED" --start "$start" -q \
        -o "$events.tmp"
    mv -f "$events.tmp" "$events"
    rm -f "$model"
fi

if [ "$RP_RETRAIN" = 1 ] || [ ! -s "$model" ]; then
    say "training into $model${RP_TREES:+ ($RP_TREES trees)}"
    rp-train fit "$events" -o "$model" ${RP_TREES:+--trees "$RP_TREES"} \
        --seed "$RP_SEED" --retention "$RP_RETENTION"
else
    say "keeping $model (RP_RETRAIN=1 trains again)"
fi

rp-train inspect "$model" >/dev/null

say "materializing the features into redis $RP_REDIS"
rp-train materialize "$events" --redis "$RP_REDIS" \
    --retention "$RP_RETENTION" -q

say "done: $(ls "$RP_MODEL_DIR" | tr '\n' ' ')"
