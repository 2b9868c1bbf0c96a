#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# deb-test.sh MODULE.deb TOOLS.deb: the Debian packages `make deb` built.
#   - metadata and contents (dpkg-deb -I / -c): the module in
#     /usr/lib/nginx/modules, mod-http-rp.conf in modules-available, the
#     exact nginx-abi-* dependency of the installed nginx-dev; the programs,
#     man pages, units, /etc/rp conffiles;
#   - lintian reports no error (when installed);
#   - the shipped ELF files are hardened (tests/elf-hardening.sh);
#   - as root: apt-get installs both; the module is enabled through
#     /etc/nginx/modules-enabled; --version says the package version; the
#     units pass `systemd-analyze verify`;
#     /usr/libexec/rp/rp-retrain trains a model from a few events;
#     a throw-away nginx (own prefix, loopback port, stopped by PID; the
#     system's nginx service is never touched) that loads the module the
#     way Debian's nginx.conf does (include modules-enabled) passes
#     nginx -t and answers /predict from a throw-away redis-server with
#     features_source "store", and /model/info names the packaged version;
#     then apt-get purge leaves nothing behind.
# Prints "N passed, M failed"; exits non-zero on any failure.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
MOD_DEB=$1 TOOLS_DEB=$2
case "$MOD_DEB" in /*) ;; *) MOD_DEB=$ROOT/$MOD_DEB ;; esac
case "$TOOLS_DEB" in /*) ;; *) TOOLS_DEB=$ROOT/$TOOLS_DEB ;; esac

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else bad "$d"; fi; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rp-deb-test.XXXXXX")
chmod 0755 "$TMP"     # nginx's workers (nobody) read the model and logs here
NGINX_PID= INSTALLED=0
cleanup() {
    [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && sleep 0.5
    [ -f "$TMP/redis.pid" ] && kill "$(cat "$TMP/redis.pid")" 2>/dev/null
    if [ $INSTALLED = 1 ]; then
        apt-get purge -y -q -o DPkg::Lock::Timeout=120 libnginx-mod-http-rp \
            rp-tools > /dev/null 2>&1
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version)
ABI=$(sed -n 's/^nginx:abi=//p' /usr/share/nginx/src/debian/libnginx-mod.abisubstvars)

# ------------------------------------------------------ metadata, contents
f() { dpkg-deb -f "$1" "$2"; }
check "libnginx-mod-http-rp $VERSION" test "$(f "$MOD_DEB" Version)" = "$VERSION"
check "the module depends on the exact $ABI" \
    sh -c "dpkg-deb -f '$MOD_DEB' Depends | tr ',' '\n' | grep -qx ' *$ABI'"
check "the module depends on libhiredis and libcjson (shlibs)" \
    sh -c "dpkg-deb -f '$MOD_DEB' Depends | grep -q libhiredis && dpkg-deb -f '$MOD_DEB' Depends | grep -q libcjson"
dpkg-deb -c "$MOD_DEB" | awk '{ print $6 }' > "$TMP/mod.list"
dpkg-deb -c "$TOOLS_DEB" | awk '{ print $6 }' > "$TMP/tools.list"
for p in ./usr/lib/nginx/modules/ngx_http_rp_module.so \
         ./usr/share/nginx/modules-available/mod-http-rp.conf \
         ./usr/share/doc/libnginx-mod-http-rp/copyright; do
    check "libnginx-mod-http-rp ships $p" grep -qx "$p" "$TMP/mod.list"
done
for p in ./usr/bin/rp-train ./usr/bin/rp-consumer ./usr/bin/rp-produce \
         ./usr/bin/rp-mock-kafka ./usr/share/man/man1/rp-train.1.gz \
         ./usr/share/man/man1/rp-consumer.1.gz ./usr/share/man/man1/rp-produce.1.gz \
         ./usr/share/man/man1/rp-mock-kafka.1.gz ./etc/rp/consumer.conf \
         ./etc/rp/retrain.conf ./usr/libexec/rp/rp-retrain \
         ./lib/systemd/system/rp-consumer.service \
         ./lib/systemd/system/rp-retrain.service \
         ./lib/systemd/system/rp-retrain.timer; do
    check "rp-tools ships $p" grep -qx "$p" "$TMP/tools.list"
done
mkdir -p "$TMP/x/mod" "$TMP/x/tools" "$TMP/x/ctl"
dpkg-deb -x "$MOD_DEB" "$TMP/x/mod"
dpkg-deb -x "$TOOLS_DEB" "$TMP/x/tools"
dpkg-deb -e "$TOOLS_DEB" "$TMP/x/ctl"
check "mod-http-rp.conf loads the module" grep -qx \
    'load_module modules/ngx_http_rp_module.so;' \
    "$TMP/x/mod/usr/share/nginx/modules-available/mod-http-rp.conf"
check "/etc/rp/consumer.conf and retrain.conf are conffiles" sh -c \
    "grep -qx /etc/rp/consumer.conf '$TMP/x/ctl/conffiles' && grep -qx /etc/rp/retrain.conf '$TMP/x/ctl/conffiles'"
check "rp-consumer.service reads /etc/rp/consumer.conf" grep -qx \
    'EnvironmentFile=/etc/rp/consumer.conf' "$TMP/x/tools/lib/systemd/system/rp-consumer.service"
check "rp-retrain.service reloads nginx after the retrain" grep -q \
    '^ExecStartPost=.*reload.*nginx' "$TMP/x/tools/lib/systemd/system/rp-retrain.service"
check "rp-retrain.timer runs every night" grep -q '^OnCalendar=\*-\*-\* 0[0-9]:' \
    "$TMP/x/tools/lib/systemd/system/rp-retrain.timer"
check "the man pages have a NAME and the options" sh -c \
    "zcat '$TMP/x/tools/usr/share/man/man1/rp-consumer.1.gz' | grep -q 'rp-consumer \\\\- apply' \
     && zcat '$TMP/x/tools/usr/share/man/man1/rp-consumer.1.gz' | grep -q 'metrics'"

# -------------------------------------------------------- lintian, ELF
if command -v lintian > /dev/null; then
    lintian --fail-on error --tag-display-limit 0 "$MOD_DEB" "$TOOLS_DEB" \
        > "$TMP/lintian.out" 2>&1
    if [ $? -eq 0 ]; then
        ok "lintian: no errors ($(grep -c '^W:' "$TMP/lintian.out") warnings)"
    else
        bad "lintian: no errors"
    fi
    sed 's/^/     /' "$TMP/lintian.out"
else
    bad "lintian is installed (scripts/install-deps installs it)"
fi
if tests/elf-hardening.sh "$TMP/x/mod/usr/lib/nginx/modules/ngx_http_rp_module.so" \
       "$TMP"/x/tools/usr/bin/rp-* > "$TMP/elf.out" 2>&1; then
    ok "the module and the four programs are hardened ($(grep -c '^ok' "$TMP/elf.out") checks)"
else
    bad "the module and the four programs are hardened"; grep FAIL "$TMP/elf.out"
fi
# ------------------------------------------------- install, serve, purge
if [ "$(id -u)" -ne 0 ]; then
    echo "skip - install, nginx -t, /predict, purge: needs root"
    echo "deb-test: $pass passed, $fail failed"
    [ "$fail" -eq 0 ]; exit
fi
for p in libnginx-mod-http-rp rp-tools; do
    if dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q installed; then
        bad "$p is not installed before the test (purge it first)"
        echo "deb-test: $pass passed, $fail failed"; exit 1
    fi
done

snapshot() { # the places the packages touch
    find /etc/rp /var/lib/rp /etc/nginx/modules-enabled \
         /usr/share/nginx/modules-available /usr/lib/nginx/modules \
         /usr/libexec/rp /usr/share/doc/rp-tools /usr/share/doc/libnginx-mod-http-rp \
         /lib/systemd/system /etc/systemd/system /var/lib/systemd/deb-systemd-helper-enabled \
         /var/lib/systemd/deb-systemd-helper-masked /usr/share/man/man1 /usr/bin \
         2>/dev/null | sort
}
snapshot > "$TMP/before"
if apt-get install -y -q -o DPkg::Lock::Timeout=120 --no-install-recommends \
       "$MOD_DEB" "$TOOLS_DEB" > "$TMP/install.out" 2>&1; then
    INSTALLED=1
    ok "apt-get installs both packages"
else
    bad "apt-get installs both packages"; tail -20 "$TMP/install.out"
    echo "deb-test: $pass passed, $fail failed"; exit 1
fi
dpkg -L libnginx-mod-http-rp rp-tools > "$TMP/files"

link=/etc/nginx/modules-enabled/50-mod-http-rp.conf
check "the module is enabled: $link" sh -c \
    "[ -L $link ] && [ \"\$(readlink -f $link)\" = /usr/share/nginx/modules-available/mod-http-rp.conf ]"
for p in rp-train rp-consumer rp-produce rp-mock-kafka; do
    check "/usr/bin/$p --version says $VERSION" sh -c \
        "/usr/bin/$p --version | head -1 | grep -qx '$p $VERSION'"
done
if command -v systemd-analyze > /dev/null; then
    if systemd-analyze verify --man=no /lib/systemd/system/rp-consumer.service \
           /lib/systemd/system/rp-retrain.service \
           /lib/systemd/system/rp-retrain.timer > "$TMP/verify.out" 2>&1; then
        ok "systemd-analyze verify accepts the three units"
    else
        bad "systemd-analyze verify accepts the three units"; sed 's/^/     /' "$TMP/verify.out"
    fi
fi
check "man rp-train finds the page" sh -c "man -w rp-train | grep -q /usr/share/man/man1/rp-train.1"

# a model, trained the way the nightly job does
/usr/bin/rp-train generate --users 60 --products 30 --days 120 --seed 7 -q \
    -o "$TMP/events.csv" 2> "$TMP/gen.err"
if RP_EVENTS=$TMP/events.csv RP_MODEL=$TMP/model.rpf RP_FIT_OPTS="--trees 5 -q" \
       /usr/libexec/rp/rp-retrain > "$TMP/retrain.out" 2>&1 \
   && /usr/bin/rp-train inspect "$TMP/model.rpf" > /dev/null \
   && ! ls "$TMP"/model.rpf.tmp* > /dev/null 2>&1; then
    ok "rp-retrain writes a valid model and leaves no temporary file"
else
    bad "rp-retrain writes a valid model"; tail -5 "$TMP/retrain.out"
fi
if RP_EVENTS=$TMP/none.csv RP_MODEL=$TMP/m2.rpf /usr/libexec/rp/rp-retrain \
       > "$TMP/noevents.out" 2>&1; then
    bad "rp-retrain fails on a missing events file"
else
    grep -q 'cannot read the events file' "$TMP/noevents.out" \
        && ok "rp-retrain fails on a missing events file, saying so" \
        || bad "rp-retrain says why it fails"
fi

# a throw-away redis-server with the events' features
rport=$(scripts/free-port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --pidfile "$TMP/redis.pid" --dir "$TMP" \
    --logfile "$TMP/redis.log" > /dev/null 2>&1
i=0
until redis-cli -p "$rport" ping > /dev/null 2>&1; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
/usr/bin/rp-train materialize "$TMP/events.csv" --redis "127.0.0.1:$rport" -q
USER_ID=$(awk -F, '$4 == "purchase" { print $2; exit }' "$TMP/events.csv")
PRODUCT_ID=$(awk -F, '$4 == "purchase" { print $3; exit }' "$TMP/events.csv")

# nginx with the packaged module, loaded as Debian's nginx.conf loads it
nport=$(scripts/free-port)
mkdir -p "$TMP/nginx/logs"
# load_module paths are relative to the prefix: Debian's has this link too
ln -s /usr/lib/nginx/modules "$TMP/nginx/modules"
cat > "$TMP/nginx/nginx.conf" <<CONF
include /etc/nginx/modules-enabled/*.conf;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/logs/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $TMP/nginx/body;
    rp_model $TMP/model.rpf;
    rp_redis 127.0.0.1:$rport;
    server {
        listen 127.0.0.1:$nport;
        location = /predict    { rp_predict; }
        location = /model/info { rp_model_info; }
    }
}
CONF
if nginx -t -q -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log" \
       > "$TMP/nginx-t.out" 2>&1; then
    ok "nginx -t accepts the packaged module and the model"
else
    bad "nginx -t accepts the packaged module and the model"; cat "$TMP/nginx-t.out"
fi
nginx -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/logs/error.log"
i=0
until [ -s "$TMP/nginx/nginx.pid" ] && curl -s -o /dev/null "http://127.0.0.1:$nport/model/info"; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
NGINX_PID=$(cat "$TMP/nginx/nginx.pid" 2>/dev/null)
body=$(curl -s -X POST "http://127.0.0.1:$nport/predict" \
    -H 'Content-Type: application/json' \
    -d "{\"user_id\":\"$USER_ID\",\"product_id\":\"$PRODUCT_ID\"}")
echo "$body" | grep -q '"features_source":"store"' \
    && echo "$body" | grep -q '"repeat_purchase_probability":' \
    && ok "/predict for $USER_ID answers from the store" \
    || bad "/predict answers from the store: $body"
info=$(curl -s "http://127.0.0.1:$nport/model/info")
echo "$info" | grep -q "\"build\":{\"version\":\"$VERSION\"" \
    && ok "/model/info names the packaged build ($VERSION)" \
    || bad "/model/info names the packaged build: $(echo "$info" | grep -o '"build":{[^}]*}' | cut -c1-200)"
if [ -n "$NGINX_PID" ]; then
    kill -QUIT "$NGINX_PID"
    i=0
    while kill -0 "$NGINX_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill -0 "$NGINX_PID" 2>/dev/null && bad "nginx stopped" || ok "nginx stopped (SIGQUIT to its PID)"
    NGINX_PID=
fi

# purge: nothing of either package is left
if apt-get purge -y -q -o DPkg::Lock::Timeout=120 libnginx-mod-http-rp rp-tools \
       > "$TMP/purge.out" 2>&1; then
    INSTALLED=0
    ok "apt-get purge removes both"
else
    bad "apt-get purge removes both"; tail "$TMP/purge.out"
fi
left=$(while read -r p; do
           [ "$p" = /. ] || [ -d "$p" ] && continue
           [ -f "$p" ] || [ -L "$p" ] && echo "$p"
       done < "$TMP/files")
[ -z "$left" ] && ok "no file of the packages is left" || bad "files left: $left"
check "dpkg knows neither package any more" sh -c \
    "! dpkg-query -W -f='\${Status}' libnginx-mod-http-rp rp-tools 2>/dev/null | grep -q 'installed\|config-files'"
snapshot > "$TMP/after"
if cmp -s "$TMP/before" "$TMP/after"; then
    ok "/etc/rp, /var/lib/rp, the enabled module, the unit state: as before the install"
else
    bad "left behind or removed:"; diff "$TMP/before" "$TMP/after" | sed 's/^/     /' | head -20
fi

echo "deb-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
