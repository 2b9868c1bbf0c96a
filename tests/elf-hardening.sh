#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# elf-hardening.sh FILE...: each ELF file was linked and compiled the way
# dpkg-buildflags' hardening asks (hardening=+all):
#   - BIND_NOW (FLAGS BIND_NOW or FLAGS_1 NOW): -z now
#   - a GNU_RELRO segment: -z relro
#   - __*_chk symbols: _FORTIFY_SOURCE=2 with optimisation
#   - __stack_chk_fail: -fstack-protector-strong
#   - executables are position independent (type DYN)
# Prints one line per check; exits non-zero on any failure.
set -u
fail=0
for f in "$@"; do
    name=$(basename "$f")
    dyn=$(readelf -d -W "$f" 2>/dev/null)
    if echo "$dyn" | grep -Eq '\(FLAGS\).*BIND_NOW|\(FLAGS_1\).*NOW'; then
        echo "ok   - $name: BIND_NOW"
    else
        echo "FAIL - $name: BIND_NOW (linked without -z now)"; fail=1
    fi
    if readelf -l -W "$f" 2>/dev/null | grep -q GNU_RELRO; then
        echo "ok   - $name: GNU_RELRO"
    else
        echo "FAIL - $name: GNU_RELRO (linked without -z relro)"; fail=1
    fi
    chk=$(readelf --dyn-syms -W "$f" 2>/dev/null | awk '{ sub(/@.*/, "", $8); print $8 }' \
        | grep -E '^__[a-z0-9_]+_chk$' | grep -v '^__stack_chk' | sort -u)
    if [ -n "$chk" ]; then
        echo "ok   - $name: fortified calls ($(echo "$chk" | wc -l | tr -d ' '): $(echo "$chk" | head -3 | tr '\n' ' '))"
    else
        echo "FAIL - $name: no __*_chk symbols (built without _FORTIFY_SOURCE)"; fail=1
    fi
    if readelf --dyn-syms -W "$f" 2>/dev/null | grep -q '__stack_chk_fail'; then
        echo "ok   - $name: stack protector"
    else
        echo "FAIL - $name: no __stack_chk_fail (built without -fstack-protector)"; fail=1
    fi
    case "$name" in
        *.so) ;;
        *)  if readelf -h "$f" 2>/dev/null | grep -q 'Type:.*DYN'; then
                echo "ok   - $name: position independent executable"
            else
                echo "FAIL - $name: not a PIE"; fail=1
            fi ;;
    esac
done
exit $fail
