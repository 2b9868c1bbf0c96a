#!/bin/sh
# nginx-entrypoint.sh: renders docker/nginx.conf and runs nginx in the
# foreground (the container's PID 1 is the nginx master).
#
# Why resolve here: rp_redis accepts only an IP literal or a unix socket,
# because hiredis resolves hostnames with a blocking getaddrinfo() and a
# worker must never block. So the name "redis" is resolved once, at
# container start, with the container's resolver (Docker's embedded DNS),
# and the IP goes into the rendered nginx.conf. We chose this over a static
# IP on the compose network because it needs no fixed subnet (a fixed one
# can collide with a network the host already has) and works unchanged
# with any Redis the operator points RP_REDIS_HOST at. If the redis
# container is re-created with a new IP, restart nginx too:
#   docker compose restart nginx
#
# Environment:
#   RP_REDIS_ADDR   IP:PORT or unix:PATH, used as is (no lookup)
#   RP_REDIS_HOST   name to resolve (default redis)
#   RP_REDIS_PORT   port (default 6379)
#   RP_MODEL        model file (default /models/model.rpf)
#   RP_WORKERS      worker_processes (default auto)
#   RP_NGINX_TEMPLATE, RP_NGINX_CONF   template and output paths
#   RP_RESOLVE_TIMEOUT   seconds to wait for the name (default 60)
set -eu

RP_REDIS_HOST=${RP_REDIS_HOST:-redis}
RP_REDIS_PORT=${RP_REDIS_PORT:-6379}
RP_MODEL=${RP_MODEL:-/models/model.rpf}
RP_WORKERS=${RP_WORKERS:-auto}
RP_NGINX_TEMPLATE=${RP_NGINX_TEMPLATE:-/etc/nginx/rp-nginx.conf.in}
RP_NGINX_CONF=${RP_NGINX_CONF:-/etc/nginx/nginx.conf}
RP_RESOLVE_TIMEOUT=${RP_RESOLVE_TIMEOUT:-60}

say() { echo "rp-nginx-entrypoint: $*" >&2; }

resolve() {   # resolve NAME: prints one address, IPv4 first
    getent ahostsv4 "$1" 2>/dev/null | awk 'NR == 1 { print $1 }' | grep . \
        || getent hosts "$1" 2>/dev/null | awk 'NR == 1 { print $1 }' | grep .
}

if [ -n "${RP_REDIS_ADDR:-}" ]; then
    addr=$RP_REDIS_ADDR
else
    waited=0
    until ip=$(resolve "$RP_REDIS_HOST"); do
        if [ "$waited" -ge "$RP_RESOLVE_TIMEOUT" ]; then
            say "cannot resolve \"$RP_REDIS_HOST\" after ${waited}s;" \
                "set RP_REDIS_ADDR=IP:PORT"
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    case "$ip" in
        *:*) addr="[$ip]:$RP_REDIS_PORT" ;;   # IPv6 literal
        *)   addr="$ip:$RP_REDIS_PORT" ;;
    esac
    say "redis \"$RP_REDIS_HOST\" is $addr"
fi

if [ ! -r "$RP_MODEL" ]; then
    say "no model at $RP_MODEL (the trainer job writes it; see" \
        "docker compose logs trainer)"
    exit 1
fi

# the values are IPs, paths and numbers: '|' cannot occur in them
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
