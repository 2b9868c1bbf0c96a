#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# compose-test.sh: checks the deployment files without a Docker engine.
#   - docker-compose.yml passes Debian's `docker-compose config -q`, and its
#     normalized form has the services of the README's architecture wired as documented
#     (KRaft Kafka, Redis, Kafdrop on 9000, nginx after the trainer job,
#     the model volume, healthchecks);
#   - every Dockerfile builds FROM Debian images or its own stages, copies
#     only files that exist and that .dockerignore does not drop, and
#     downloads nothing by itself;
#   - the shell scripts parse;
#   - when build/rp-train and redis-server are there: docker/train-job.sh
#     (the compose file's one-shot job) runs for real against a throw-away
#     redis-server (stopped by PID): events, model.rpf + model.json, the
#     backfill, and an idempotent second run;
#   - when the module is built (RP_DEPLOY_MODULE; make test-deploy sets it
#     and RP_DEPLOY_MODEL, the fallback model): docker/nginx.conf, rendered
#     by the real entrypoint with local paths, passes `nginx -t`, and a
#     nginx started from it on a loopback port serves /, /predict (stored
#     features), /predict/batch, /model/info, /features/ID (each answer
#     checked against the OpenAPI schema), /openapi.json, /docs/, the
#     swagger-ui assets (when `make docs-assets` ran) and a JSON 413.
# Prints "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)

pass=0 fail=0 skip=0
ok()   { pass=$((pass + 1)); echo "ok   - $*"; }
bad()  { fail=$((fail + 1)); echo "FAIL - $*"; }
skp()  { skip=$((skip + 1)); echo "skip - $*"; }
check() { # check DESCRIPTION COMMAND...
    d=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rp-compose-test.XXXXXX")
NGINX_PID=
cleanup() {
    if [ -f "$TMP/redis.pid" ]; then
        kill "$(cat "$TMP/redis.pid")" 2>/dev/null
        sleep 0.1
    fi
    if [ -n "$NGINX_PID" ]; then
        kill -QUIT "$NGINX_PID" 2>/dev/null
        i=0
        while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 50 ]; do
            sleep 0.1; i=$((i + 1))
        done
        kill -KILL "$NGINX_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------ compose file
DC=$(command -v docker-compose || true)
if [ -z "$DC" ]; then
    bad "docker-compose is installed (scripts/install-deps installs it)"
else
    if "$DC" -f docker-compose.yml config -q > "$TMP/config.err" 2>&1; then
        ok "docker-compose config -q accepts docker-compose.yml"
    else
        bad "docker-compose config -q accepts docker-compose.yml"
        sed 's/^/     /' "$TMP/config.err"
    fi
    "$DC" -f docker-compose.yml --profile demo --profile cluster config \
        > "$TMP/config.yml" \
        2>/dev/null

    # docker-compose (v1) is Python with PyYAML: its own interpreter reads
    # the normalized file
    PY=$(sed -n '1s/^#! *//p' "$DC" | awk '{ print $1 }')
    case "$PY" in
        */env) PY=python3 ;;
        *python*) ;;
        *) PY=python3 ;;
    esac
    if "$PY" -c 'import yaml' 2>/dev/null; then
        "$PY" - "$TMP/config.yml" "$ROOT" > "$TMP/structure.out" 2>&1 <<'PYEOF'
import os, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
root = sys.argv[2]
svc = cfg.get("services", {})
def check(desc, cond):
    print(("ok   - " if cond else "FAIL - ") + desc)
def env(s):
    e = svc.get(s, {}).get("environment", {}) or {}
    if isinstance(e, list):
        e = dict(x.split("=", 1) for x in e)
    return e
def deps(s):
    d = svc.get(s, {}).get("depends_on", {}) or {}
    return d if isinstance(d, dict) else {k: {"condition": "service_started"} for k in d}
def ports(s):
    out = []
    for p in svc.get(s, {}).get("ports", []) or []:
        out.append(int(p["target"]) if isinstance(p, dict) else int(str(p).split(":")[-1].split("/")[0]))
    return out
def published(s):
    out = []
    for p in svc.get(s, {}).get("ports", []) or []:
        if isinstance(p, dict):
            out.append(int(p.get("published", 0)))
        else:
            parts = str(p).split(":")
            out.append(int(parts[-2]) if len(parts) >= 2 else 0)
    return out
def mounts(s):
    out = {}
    for v in svc.get(s, {}).get("volumes", []) or []:
        if isinstance(v, dict):
            out[v.get("target")] = (v.get("source"), v.get("read_only", False))
        else:
            parts = v.split(":")
            out[parts[1]] = (parts[0], len(parts) > 2 and "ro" in parts[2])
    return out
def image_of(s):
    return svc.get(s, {}).get("image", "")

for name in ["kafka", "redis", "kafdrop", "nginx", "rp-consumer", "trainer", "kafka-init"]:
    check("service %s is defined" % name, name in svc)

check("no ZooKeeper service or setting",
      not any("zookeeper" in (image_of(s) + " " + s).lower() for s in svc)
      and not any(k.startswith("KAFKA_ZOOKEEPER") for s in svc for k in env(s)))
roles = env("kafka").get("KAFKA_PROCESS_ROLES", "")
check("kafka runs in KRaft mode (broker,controller roles, a quorum)",
      "controller" in roles and "broker" in roles
      and env("kafka").get("KAFKA_CONTROLLER_QUORUM_VOTERS")
      and len(env("kafka").get("CLUSTER_ID", "")) == 22)
check("kafdrop listens on 9000 and is published on 9000",
      9000 in ports("kafdrop") and 9000 in published("kafdrop"))
check("kafdrop points at the broker",
      "kafka:9092" in env("kafdrop").get("KAFKA_BROKERCONNECT", ""))

d = deps("nginx").get("trainer", {})
check("nginx waits for the trainer job to complete successfully",
      d.get("condition") == "service_completed_successfully")
check("rp-consumer waits for the topics (kafka-init) and the backfill",
      deps("rp-consumer").get("kafka-init", {}).get("condition") == "service_completed_successfully"
      and deps("rp-consumer").get("trainer", {}).get("condition") == "service_completed_successfully")
tm, nm = mounts("trainer"), mounts("nginx")
check("trainer and nginx share the model volume (read-only in nginx)",
      "/models" in tm and "/models" in nm and tm["/models"][0] == nm["/models"][0]
      and nm["/models"][1])
check("the model volume is a named volume",
      nm.get("/models", ("", False))[0] in (cfg.get("volumes") or {}))
nenv = env("nginx")
check("nginx is told where the model is and the Redis name (nginx resolves it)",
      nenv.get("RP_MODEL", "").startswith("/models/")
      and nenv.get("RP_REDIS_ADDR") == "redis:6379")

for s in ["redis", "kafka", "nginx", "rp-consumer"]:
    check("service %s has a healthcheck" % s, bool(svc.get(s, {}).get("healthcheck", {}).get("test")))
for s in ["redis", "kafka"]:
    deps_on = [t for t in svc if deps(t).get(s, {}).get("condition") == "service_healthy"]
    check("services wait for %s to be healthy (%s)" % (s, ", ".join(sorted(deps_on))), len(deps_on) > 0)
for s in ["trainer", "kafka-init"]:
    check("%s is a one-shot job (no restart)" % s, str(svc.get(s, {}).get("restart", "no")) == "no")

builds = {}
for s, v in svc.items():
    b = v.get("build")
    if b:
        df = b.get("dockerfile", "Dockerfile") if isinstance(b, dict) else "Dockerfile"
        ctx = b.get("context", ".") if isinstance(b, dict) else b
        builds[s] = os.path.normpath(os.path.join(ctx if os.path.isabs(ctx) else os.path.join(root, ctx), df))
check("nginx is built by docker/Dockerfile.nginx",
      builds.get("nginx", "").endswith("docker/Dockerfile.nginx"))
check("trainer builds docker/Dockerfile.tools, rp-consumer runs that image",
      builds.get("trainer", "").endswith("docker/Dockerfile.tools")
      and image_of("rp-consumer") == image_of("trainer"))
for s, p in sorted(builds.items()):
    check("the Dockerfile of %s exists" % s, os.path.isfile(p))
cmd = " ".join(svc.get("rp-consumer", {}).get("command", []) or [])
check("rp-consumer reads ecommerce-events from kafka:9092 into redis:6379",
      "-b kafka:9092" in cmd and "ecommerce-events" in cmd and "--redis redis:6379" in cmd)
hc = svc.get("rp-consumer", {}).get("healthcheck", {}).get("test") or []
hc = " ".join(hc) if isinstance(hc, list) else hc
check("rp-consumer serves /metrics on the compose network, its health check asks it",
      "--metrics-listen 0.0.0.0:9108" in cmd and "/dev/tcp/127.0.0.1/9108" in hc
      and "GET /metrics" in hc)
init = " ".join(svc.get("kafka-init", {}).get("command", []) or [])
check("kafka-init creates ecommerce-events", "ecommerce-events" in init and "--create" in init)

# images: built once, versioned, never looked for on a registry, no
# floating tags
import re
ver = re.search(r'#define RP_VERSION\s+"([^"]+)"', open(os.path.join(root, "src/rp_version.h")).read()).group(1)
tools = [t for t in svc if image_of(t).startswith("rp/tools:")]
tool_builders = [t for t in tools if svc[t].get("build")]
check("rp/tools is built by one service (%s), not by each of %s" % (", ".join(tool_builders), ", ".join(sorted(tools))),
      len(tool_builders) == 1)
for t in sorted(svc):
    img = image_of(t)
    if not img.startswith("rp/"):
        continue
    check("%s: image %s has the local version tag rp/...:%s" % (t, img, ver), img.endswith(":" + ver))
    want = "build" if svc[t].get("build") else "never"
    check("%s: pull_policy %s (it is never pulled from a registry)" % (t, want),
          svc[t].get("pull_policy") == want)
for t in sorted(svc):
    img = image_of(t)
    if img.startswith("rp/"):
        continue
    tag = img.rsplit(":", 1)[1] if ":" in img.split("/")[-1] else "latest"
    check("%s: image %s has an exact version tag" % (t, img),
          "@sha256:" in img or re.match(r"^v?\d+\.\d+\.\d+", tag) is not None)

kd = svc.get("kafdrop", {})
kports = [str(p) if not isinstance(p, dict) else "%s:%s:%s" % (p.get("host_ip", ""), p.get("published"), p.get("target")) for p in kd.get("ports", [])]
check("kafdrop is published on 127.0.0.1 only (%s)" % ", ".join(kports),
      kports and all(p.startswith("127.0.0.1:") for p in kports))
kargs = env("kafdrop").get("CMD_ARGS", "")
check("kafdrop cannot delete or create topics",
      "--topic.deleteEnabled=false" in kargs and "--topic.createEnabled=false" in kargs)
adv = dict(x.split("://", 1) for x in env("kafka").get("KAFKA_ADVERTISED_LISTENERS", "").split(","))
kafka_ports = [str(p) for p in svc.get("kafka", {}).get("ports", [])]
ext_host = adv.get("EXTERNAL", ":").rsplit(":", 1)[0]
check("kafka advertises EXTERNAL on the address it is published on (%s; %s)" % (adv.get("EXTERNAL"), ", ".join(kafka_ports)),
      kafka_ports and all(p.startswith(ext_host + ":") for p in kafka_ports))

# the "cluster" profile: 6 nodes, a one-shot create, a consumer on it
nodes = ["redis-c%d" % i for i in range(1, 7)]
cl = nodes + ["redis-cluster-init", "rp-consumer-cluster"]
check("the cluster profile has 6 nodes, its init job and its consumer",
      all(n in svc for n in cl))
check("the cluster's services run only with --profile cluster",
      all(svc.get(n, {}).get("profiles") == ["cluster"] for n in cl))
def cmdline(s):
    c = svc.get(s, {}).get("command") or []
    return " ".join(c) if isinstance(c, list) else str(c)
check("every cluster node runs with cluster-enabled yes, its own volume and a healthcheck",
      all("--cluster-enabled yes" in cmdline(n)
          and mounts(n).get("/data", (None,))[0] == n + "-data"
          and svc.get(n, {}).get("healthcheck", {}).get("test") for n in nodes))
init = cmdline("redis-cluster-init")
check("redis-cluster-init creates 3 primaries + 3 replicas once (--cluster-replicas 1 --cluster-yes)",
      "--cluster create" in init and "--cluster-replicas 1" in init
      and "--cluster-yes" in init and "cluster_state:ok" in init
      and str(svc.get("redis-cluster-init", {}).get("restart", "no")) == "no")
check("redis-cluster-init waits for the 6 nodes to be healthy",
      all(deps("redis-cluster-init").get(n, {}).get("condition") == "service_healthy" for n in nodes))
cc = cmdline("rp-consumer-cluster")
check("rp-consumer-cluster: --redis-cluster seeds of the cluster, --min-replicas 1, its own group",
      "--redis-cluster redis-c1:6379" in cc and "--min-replicas 1" in cc
      and "-g rp-consumer-cluster" in cc and "--redis " not in cc)
check("rp-consumer-cluster waits for the cluster (init job done) and the topics",
      deps("rp-consumer-cluster").get("redis-cluster-init", {}).get("condition") == "service_completed_successfully"
      and deps("rp-consumer-cluster").get("kafka-init", {}).get("condition") == "service_completed_successfully")
PYEOF
        cat "$TMP/structure.out"
        p=$(grep -c '^ok   - ' "$TMP/structure.out")
        f=$(grep -c '^FAIL - ' "$TMP/structure.out")
        pass=$((pass + p)); fail=$((fail + f))
        [ "$p" -gt 0 ] || bad "the structure checks ran (see above)"
    else
        bad "PyYAML is importable by docker-compose's Python ($PY)"
    fi
fi

# ------------------------------------------------------------- Dockerfiles
# .dockerignore patterns (top-level names only, which is all we use)
ignored() { # ignored PATH: is PATH (or a parent folder) in .dockerignore?
    p=$1
    while :; do
        if grep -v '^#' .dockerignore 2>/dev/null | sed 's|/$||; s|^/||' \
            | grep -qxF "$p"; then
            return 0
        fi
        case "$p" in */*) p=${p%/*} ;; *) return 1 ;; esac
    done
}

check ".dockerignore exists and drops build/ and t/servroot" \
    sh -c 'grep -qx build .dockerignore && grep -qx t/servroot .dockerignore'

for df in docker/Dockerfile.*; do
    [ -f "$df" ] || continue
    # join continuation lines, drop comments
    sed -e 's/#.*$//' "$df" | awk '
        { line = line $0 }
        /\\[ \t]*$/ { sub(/\\[ \t]*$/, "", line); next }
        { print line; line = "" }' > "$TMP/df"

    stages=$(awk 'toupper($1) == "FROM" && toupper($3) == "AS" { print $4 }' "$TMP/df")
    froms_ok=1
    for img in $(awk 'toupper($1) == "FROM" { print $2 }' "$TMP/df"); do
        # Debian 12 with its point release: debian:12 would float
        case "$img" in
            debian:12.[0-9]|debian:12.[0-9][0-9]|debian:12.[0-9]-slim|debian:12.[0-9][0-9]-slim) ;;
            *) echo "$stages" | grep -qxF "$img" || { froms_ok=0; echo "     FROM $img"; } ;;
        esac
    done
    [ $froms_ok = 1 ] && ok "$df: FROM Debian 12.N (a point release) or its own stages" \
        || bad "$df: FROM Debian 12.N (a point release) or its own stages"

    copies_ok=1 ncopies=0
    awk 'toupper($1) == "COPY" || toupper($1) == "ADD"' "$TMP/df" > "$TMP/copies"
    while read -r instr args; do
        # shellcheck disable=SC2086
        set -- $args
        from=0 srcs=""
        while [ $# -gt 1 ]; do
            case "$1" in
                --from=*) from=1 ;;
                --*) ;;
                *) srcs="$srcs $1" ;;
            esac
            shift
        done
        [ $from = 1 ] && continue
        for s in $srcs; do
            ncopies=$((ncopies + 1))
            s=${s#./}
            case "$s" in
                http://*|https://*) copies_ok=0; echo "     $instr $s downloads" ;;
                .) ;;
                *)
                    if [ ! -e "$s" ]; then
                        copies_ok=0; echo "     $instr $s: no such file"
                    elif ignored "$s"; then
                        copies_ok=0; echo "     $instr $s: dropped by .dockerignore"
                    fi ;;
            esac
        done
    done < "$TMP/copies"
    [ $copies_ok = 1 ] && [ $ncopies -gt 0 ] \
        && ok "$df: its $ncopies COPY sources exist in the build context" \
        || bad "$df: COPY sources exist in the build context"

    if grep -Eiq '(curl|wget)[^|]*\|[[:space:]]*(ba|da)?sh|^ADD[[:space:]]+https?:' "$TMP/df"; then
        bad "$df: downloads nothing by itself (no curl | sh, no ADD URL)"
    else
        ok "$df: downloads nothing by itself (no curl | sh, no ADD URL)"
    fi
done

df_has() { # df_has DOCKERFILE ERE: matches the file with continuations joined
    sed -e 's/#.*$//' "$1" | tr '\n\\' '  ' | grep -Eq "$2"
}
check "Dockerfile.nginx builds the module the way module.mk does" \
    df_has docker/Dockerfile.nginx 'make [^&]*build/ngx_http_rp_module\.so'
check "Dockerfile.nginx installs nginx and the runtime libraries" \
    df_has docker/Dockerfile.nginx 'install [^&]* nginx libhiredis0\.14 libcjson1'
if df_has docker/Dockerfile.nginx 'nginx='; then
    bad "Dockerfile.nginx pins no nginx version (Debian drops superseded ones)"
else
    ok "Dockerfile.nginx pins no nginx version (Debian drops superseded ones)"
fi
check "Dockerfile.nginx checks that its nginx loads the module" \
    df_has docker/Dockerfile.nginx 'COPY --from=module [^ ]*ngx_http_rp_module\.so .* nginx -t'
if grep -q '^HEALTHCHECK' docker/Dockerfile.nginx docker/Dockerfile.tools; then
    bad "the images define no health check of their own (docker-compose.yml has the one)"
else
    ok "the images define no health check of their own (docker-compose.yml has the one)"
fi
for loc in '/features/' '= /metrics'; do
    if awk -v loc="location $loc {" 'index($0, loc) { on = 1 } on && /deny all;/ { found = 1 } on && /}/ { on = 0 } END { exit !found }' docker/nginx.conf \
       && awk -v loc="location $loc {" 'index($0, loc) { on = 1 } on && /allow 127\.0\.0\.1;/ { found = 1 } on && /}/ { on = 0 } END { exit !found }' docker/nginx.conf; then
        ok "docker/nginx.conf: location $loc allows loopback and denies the rest"
    else
        bad "docker/nginx.conf: location $loc allows loopback and denies the rest"
    fi
done
check "Dockerfile.tools builds the programs with make" \
    df_has docker/Dockerfile.tools 'make [^&]*build/rp-train build/rp-consumer build/rp-produce'
check "Dockerfile.tools installs the runtime libraries" \
    df_has docker/Dockerfile.tools 'install [^&]*libcjson1 libhiredis0\.14 librdkafka1 libxgboost0'

for s in docker/*.sh tests/compose-test.sh tests/openapi-test.sh; do
    check "$s parses (sh -n) and is executable" sh -c "sh -n '$s' && test -x '$s'"
done

# every rp_* directive in docker/nginx.conf is one the module declares
dirs_ok=1
for d in $(grep -oE '^[[:space:]]*(location[^{]*\{[[:space:]]*)?rp_[a-z_]+' docker/nginx.conf \
           | grep -oE 'rp_[a-z_]+$' | sort -u); do
    grep -q "ngx_string(\"$d\")" ngx_http_rp_module.c 2>/dev/null \
        || { dirs_ok=0; echo "     unknown directive $d"; }
done
[ $dirs_ok = 1 ] && ok "docker/nginx.conf uses only directives of ngx_http_rp_module.c" \
    || bad "docker/nginx.conf uses only directives of ngx_http_rp_module.c"

# ----------------------------------------------- the trainer job, locally
MODEL=${RP_DEPLOY_MODEL:-}
case "$MODEL" in ""|/*) ;; *) MODEL=$ROOT/$MODEL ;; esac
REDIS_PORT=
USER_ID='' PRODUCT_ID=''
if [ -x build/rp-train ] && command -v redis-server >/dev/null 2>&1 \
   && command -v redis-cli >/dev/null 2>&1; then
    rport=$(scripts/free-port)
    redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
        --daemonize yes --pidfile "$TMP/redis.pid" --dir "$TMP" \
        --logfile "$TMP/redis.log" >/dev/null 2>&1
    i=0
    until redis-cli -p "$rport" ping >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
    done
    mkdir -p "$TMP/bin"
    ln -s "$ROOT/build/rp-train" "$TMP/bin/rp-train"
    job() {
        PATH="$TMP/bin:$PATH" RP_MODEL_DIR="$TMP/models" \
        RP_REDIS="127.0.0.1:$rport" RP_USERS=300 RP_DAYS=120 RP_TREES=5 \
            docker/train-job.sh
    }
    if job > "$TMP/train.out" 2>&1 && [ -s "$TMP/models/model.rpf" ] \
       && [ -s "$TMP/models/model.json" ] && [ -s "$TMP/models/events.csv" ]; then
        ok "docker/train-job.sh: events, model.rpf + model.json in RP_MODEL_DIR"
        MODEL=$TMP/models/model.rpf
        REDIS_PORT=$rport
        # a user and a product the store knows: the first purchase
        USER_ID=$(awk -F, '$4 == "purchase" { print $2; exit }' "$TMP/models/events.csv")
        PRODUCT_ID=$(awk -F, '$4 == "purchase" { print $3; exit }' "$TMP/models/events.csv")
    else
        bad "docker/train-job.sh: events, model.rpf + model.json in RP_MODEL_DIR"
        tail -20 "$TMP/train.out" | sed 's/^/     /'
    fi
    keys=$(redis-cli -p "$rport" dbsize 2>/dev/null || echo 0)
    [ "${keys:-0}" -gt 0 ] && ok "docker/train-job.sh backfills Redis ($keys keys)" \
        || bad "docker/train-job.sh backfills Redis"
    before=$(cksum < "$TMP/models/model.rpf" 2>/dev/null)
    if job > "$TMP/train2.out" 2>&1 && grep -q keeping "$TMP/train2.out" \
       && [ "$(cksum < "$TMP/models/model.rpf")" = "$before" ] \
       && [ "$(redis-cli -p "$rport" dbsize)" = "$keys" ]; then
        ok "a second run keeps the model and re-materializes idempotently"
    else
        bad "a second run keeps the model and re-materializes idempotently"
        tail -5 "$TMP/train2.out" | sed 's/^/     /'
    fi
else
    skp "docker/train-job.sh (needs build/rp-train, redis-server, redis-cli)"
fi

# ------------------------------------------ the container's nginx, locally
MODULE=${RP_DEPLOY_MODULE:-}
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
CURL=$(command -v curl || true)
if [ -z "$MODULE" ] || [ ! -f "$MODULE" ] || [ -z "$MODEL" ] \
   || [ ! -f "$MODEL" ] || [ ! -x "$NGINX" ] || [ -z "$CURL" ]; then
    skp "docker/nginx.conf under nginx (needs RP_DEPLOY_MODULE, a model, nginx, curl: make test-deploy)"
else
    case "$MODULE" in /*) ;; *) MODULE=$ROOT/$MODULE ;; esac
    port=$(scripts/free-port)
    # the trainer's Redis, else a port where nothing listens
    redis_port=${REDIS_PORT:-$(scripts/free-port)}
    mkdir -p "$TMP/nginx/body"
    if [ "$(id -u)" = 0 ]; then user='user root;'; else user=''; fi
    # container paths -> this checkout; the rest of the file is as shipped
    sed -e "s|/usr/lib/nginx/modules/ngx_http_rp_module.so|$MODULE|" \
        -e "s|/usr/share/rp|$ROOT|g" \
        -e "s|^user www-data;|$user|" \
        -e "s|/run/nginx.pid|$TMP/nginx/nginx.pid|" \
        -e "s|listen 80 default_server|listen 127.0.0.1:$port default_server|" \
        -e "s|access_log /dev/stdout|access_log $TMP/nginx/access.log|" \
        -e "s|error_log stderr|error_log $TMP/nginx/error.log|" \
        -e "s|^http {|http {\n    client_body_temp_path $TMP/nginx/body;|" \
        docker/nginx.conf > "$TMP/nginx/template.conf"

    if RP_NGINX_TEMPLATE=$TMP/nginx/template.conf \
       RP_NGINX_CONF=$TMP/nginx/nginx.conf RP_MODEL=$MODEL RP_WORKERS=1 \
       RP_REDIS_ADDR=localhost:$redis_port \
       docker/nginx-entrypoint.sh true > "$TMP/entry.out" 2>&1; then
        ok "nginx-entrypoint.sh renders docker/nginx.conf with the Redis name, nginx -t passes"
    else
        bad "nginx-entrypoint.sh renders docker/nginx.conf and nginx -t passes"
        sed 's/^/     /' "$TMP/entry.out"
    fi
    check "the rendered rp_redis is the name, resolved by nginx" \
        grep -Eq "^[[:space:]]*rp_redis localhost:$redis_port;" "$TMP/nginx/nginx.conf"

    "$NGINX" -c "$TMP/nginx/nginx.conf" -g 'daemon off;' \
        > "$TMP/nginx/stdout" 2>&1 &
    NGINX_PID=$!
    B=http://127.0.0.1:$port
    i=0
    until "$CURL" -s -o /dev/null "$B/" 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 50 ] || ! kill -0 "$NGINX_PID" 2>/dev/null; then
            break
        fi
        sleep 0.1
    done
    get() { "$CURL" -s -o "$TMP/body" -w '%{http_code} %{content_type}' "$@"; }

    r=$(get "$B/")
    [ "${r%% *}" = 200 ] && grep -q '"model_loaded":true' "$TMP/body" \
        && ok "GET / answers the health JSON" || bad "GET / answers the health JSON ($r)"

    matches() { # matches SCHEMA WHAT: the last answer against the OpenAPI schema
        cp "$TMP/body" "$TMP/answer.json"
        if tests/openapi-test.sh --validate "$1" "$TMP/answer.json" \
            > "$TMP/validate.out" 2>&1; then
            ok "$2 matches the OpenAPI $1 schema"
        else
            bad "$2 matches the OpenAPI $1 schema"
            sed 's/^/     /' "$TMP/validate.out"
        fi
    }
    matches Health "GET /"

    if [ -n "$REDIS_PORT" ]; then
        # workers connect at start: give the connection a moment
        i=0
        until get "$B/" >/dev/null && grep -q '"redis":"ready"' "$TMP/body"; do
            i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1
        done
        r=$(get -XPOST -H "Content-Type: application/json" "$B/predict" \
            -d "{\"user_id\":\"$USER_ID\",\"product_id\":\"$PRODUCT_ID\"}")
        [ "${r%% *}" = 200 ] && grep -q '"features_source":"store"' "$TMP/body" \
            && ok "POST /predict for a backfilled user: 200 with stored features" \
            || bad "POST /predict for a backfilled user: 200 with stored features ($r: $(cat "$TMP/body"))"
        matches Prediction "POST /predict"
        r=$(get "$B/features/$USER_ID?product_id=$PRODUCT_ID")
        [ "${r%% *}" = 200 ] && ok "GET /features/$USER_ID: 200" \
            || bad "GET /features/$USER_ID: 200 ($r)"
        matches UserFeatures "GET /features/ID"
    fi

    r=$(get -XPOST -H "Content-Type: application/json" "$B/predict" -d '{"user_id":"nobody-at-all","product_id":"p1"}')
    [ "${r%% *}" = 200 ] && grep -q '"features_source":"default"' "$TMP/body" \
        && ok "POST /predict for an unknown user: 200 with default features" \
        || bad "POST /predict for an unknown user: 200 with default features ($r)"
    matches Prediction "POST /predict (default features)"

    r=$(get -XPOST -H "Content-Type: application/json" "$B/predict/batch" \
        -d "[{\"user_id\":\"${USER_ID:-u1}\",\"product_id\":\"${PRODUCT_ID:-p1}\"},{\"user_id\":\"u2\",\"product_id\":\"p2\"}]")
    [ "${r%% *}" = 200 ] && grep -q '"count":2' "$TMP/body" \
        && ok "POST /predict/batch: 200 with 2 predictions" \
        || bad "POST /predict/batch: 200 with 2 predictions ($r)"
    matches BatchPrediction "POST /predict/batch"

    r=$(get "$B/model/info")
    [ "${r%% *}" = 200 ] && ok "GET /model/info: 200" || bad "GET /model/info: 200 ($r)"
    matches ModelInfo "GET /model/info"

    r=$(get "$B/predict")
    [ "${r%% *}" = 405 ] && ok "GET /predict: 405" || bad "GET /predict: 405 ($r)"
    matches Error "GET /predict"

    r=$(get "$B/metrics")
    case "$r" in
        "200 text/plain"*) grep -q '^rp_requests_total' "$TMP/body" \
            && ok "GET /metrics: Prometheus text" || bad "GET /metrics: Prometheus text" ;;
        *) bad "GET /metrics: Prometheus text ($r)" ;;
    esac

    r=$(get "$B/openapi.json")
    [ "${r%% *}" = 200 ] && cmp -s "$TMP/body" conf/openapi.json \
        && case "$r" in *application/json*) true ;; *) false ;; esac \
        && ok "GET /openapi.json serves conf/openapi.json as application/json" \
        || bad "GET /openapi.json serves conf/openapi.json ($r)"

    r=$(get "$B/docs")
    [ "${r%% *}" = 301 ] && ok "GET /docs redirects to /docs/" \
        || bad "GET /docs redirects to /docs/ ($r)"
    r=$(get "$B/docs/")
    [ "${r%% *}" = 200 ] && cmp -s "$TMP/body" conf/docs.html \
        && case "$r" in *text/html*) true ;; *) false ;; esac \
        && ok "GET /docs/ serves conf/docs.html as text/html" \
        || bad "GET /docs/ serves conf/docs.html ($r)"

    if [ -f build/swagger-ui/swagger-ui-bundle.js ]; then
        r=$(get "$B/docs/swagger-ui/swagger-ui-bundle.js")
        [ "${r%% *}" = 200 ] && cmp -s "$TMP/body" build/swagger-ui/swagger-ui-bundle.js \
            && ok "GET /docs/swagger-ui/swagger-ui-bundle.js serves build/swagger-ui/" \
            || bad "GET /docs/swagger-ui/swagger-ui-bundle.js ($r)"
    else
        skp "/docs/swagger-ui/ assets (make docs-assets not run)"
    fi

    head -c 1100000 /dev/zero | tr '\0' x > "$TMP/big"
    r=$(get -XPOST -H "Content-Type: application/json" "$B/predict" --data-binary "@$TMP/big")
    [ "${r%% *}" = 413 ] && grep -q '"error":"body_too_large"' "$TMP/body" \
        && ok "a body over client_max_body_size gets a JSON 413" \
        || bad "a body over client_max_body_size gets a JSON 413 ($r)"
    matches Error "the 413 answer"

    if grep -E '\[(emerg|alert|crit)\]' "$TMP/nginx/error.log" >/dev/null 2>&1; then
        bad "no emerg/alert/crit in nginx's error log"
        grep -E '\[(emerg|alert|crit)\]' "$TMP/nginx/error.log" | sed 's/^/     /'
    else
        ok "no emerg/alert/crit in nginx's error log"
    fi
fi

echo
echo "compose-test: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
