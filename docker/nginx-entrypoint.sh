#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# nginx-entrypoint.sh: renders docker/nginx.conf and runs nginx in the
# foreground (the container's PID 1 is the nginx master).
#
# rp_redis takes a name: nginx resolves it when it reads the configuration
# (in the master, at start and on reload, like proxy_pass), so the name
# "redis" goes into nginx.conf as it is. If the redis container is
# re-created with a new IP, reload nginx:
#   docker compose exec nginx nginx -s reload
#
# Environment:
#   RP_REDIS_ADDR   HOST:PORT or unix:PATH (default redis:6379)
#   RP_MODEL        model file (default /models/model.rpf)
#   RP_WORKERS      worker_processes (default auto)
#   RP_NGINX_TEMPLATE, RP_NGINX_CONF   template and output paths
set -eu

RP_REDIS_ADDR=${RP_REDIS_ADDR:-redis:6379}
RP_MODEL=${RP_MODEL:-/models/model.rpf}
RP_WORKERS=${RP_WORKERS:-auto}
RP_NGINX_TEMPLATE=${RP_NGINX_TEMPLATE:-/etc/nginx/rp-nginx.conf.in}
RP_NGINX_CONF=${RP_NGINX_CONF:-/etc/nginx/nginx.conf}

say() { echo "rp-nginx-entrypoint: $*" >&2; }

case "$RP_REDIS_ADDR" in
    ""|*"|"*|*";"*|*" "*)
        say "RP_REDIS_ADDR \"$RP_REDIS_ADDR\": expected HOST:PORT or unix:PATH"
        exit 1 ;;
esac
addr=$RP_REDIS_ADDR

if [ ! -r "$RP_MODEL" ]; then
    say "no model at $RP_MODEL (the trainer job writes it; see" \
        "docker compose logs trainer)"
    exit 1
fi

# the values are addresses, paths and numbers; '|' was refused above
sed -e "s|@RP_REDIS_ADDR@|$addr|g" \
    -e "s|@RP_MODEL@|$RP_MODEL|g" \
    -e "s|@RP_WORKERS@|$RP_WORKERS|g" \
    "$RP_NGINX_TEMPLATE" > "$RP_NGINX_CONF.tmp"
mv -f "$RP_NGINX_CONF.tmp" "$RP_NGINX_CONF"

# validates the model and every directive before we start serving
nginx -t -q -c "$RP_NGINX_CONF"

if [ "$#" -gt 0 ]; then
    exec "$@"
fi
exec nginx -c "$RP_NGINX_CONF" -g 'daemon off;'
