#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# licence-test.sh: scripts/licence-headers on a scratch copy of the tree:
#   - after one run, --check finds no source file without the lines;
#   - a second run changes no file;
#   - shebangs stay first, executables stay executable, shell scripts
#     still parse, the core C files still compile, a C file starts with
#     the two comment lines;
#   - --check fails, naming the file, once a file loses its lines.
# `make test-licence` checks the tree itself (scripts/licence-headers
# --check).
set -u
cd "$(dirname "$0")/.." || exit 1

pass=0 fail=0
ok()  { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/rp-licence-test.XXXXXX")
trap 'rm -rf "$TMP" "$TMP".*' EXIT
trap 'exit 1' INT TERM

# the tree as git sees it, without .git (the script's other way to list)
git ls-files -co --exclude-standard | grep -v '^build/' \
    | tar -cf - -T - | tar -xf - -C "$TMP"
# the tree as it was before the lines: every header the script writes
# (LICENSE keeps its copyright line, which the script reads)
find "$TMP" -type f ! -path "$TMP/LICENSE" -exec sed -i -E \
    -e '/^(#|--|\/\*|<!--) SPDX-License-Identifier: BSD-2-Clause( \*\/| -->)?$/d' \
    -e '/^(#|--|\/\*|<!--) Copyright \(c\) [0-9]+, The rp authors( \*\/| -->)?$/d' {} +
scripts/licence-headers --check "$TMP" > /dev/null 2>&1 \
    && bad "the scratch copy lost its lines" || ok "the scratch copy lost its lines"
find "$TMP" -type f | sort | xargs cksum > "$TMP.before" 2>/dev/null
shebangs=$(cd "$TMP" && grep -rl --exclude-dir=tests/corpus '^#!' . | sort \
    | while read -r f; do head -1 "$f" | grep -q '^#!' && echo "$f"; done)

if scripts/licence-headers "$TMP" > "$TMP.out1" 2>&1; then
    ok "licence-headers runs: $(tail -1 "$TMP.out1")"
else
    bad "licence-headers runs"; cat "$TMP.out1"
fi
if scripts/licence-headers --check "$TMP" > "$TMP.check" 2>&1; then
    ok "--check finds every source file with the lines"
else
    bad "--check finds every source file with the lines"; tail -5 "$TMP.check"
fi

find "$TMP" -type f | sort | xargs cksum > "$TMP.mid"
scripts/licence-headers "$TMP" > "$TMP.out2" 2>&1
find "$TMP" -type f | sort | xargs cksum > "$TMP.after"
if cmp -s "$TMP.mid" "$TMP.after" && grep -q ' 0 files' "$TMP.out2"; then
    ok "a second run changes nothing"
else
    bad "a second run changes nothing"; diff "$TMP.mid" "$TMP.after" | head
fi
cmp -s "$TMP.before" "$TMP.mid" && bad "the first run changed files" \
    || ok "the first run changed files"

moved=0
for f in $shebangs; do
    head -1 "$TMP/$f" | grep -q '^#!' || { moved=1; echo "     $f"; }
done
[ $moved = 0 ] && ok "every shebang is still on the first line" \
    || bad "every shebang is still on the first line"

lost=0
for f in $(git ls-files -s | awk '$1 == "100755" { print $4 }'); do
    [ -x "$TMP/$f" ] || { lost=1; echo "     $f"; }
done
[ $lost = 0 ] && ok "executables stay executable" || bad "executables stay executable"

noparse=0
for f in $(cd "$TMP" && grep -l '^#!/bin/sh\|^#!/bin/bash' $shebangs 2>/dev/null); do
    sh -n "$TMP/$f" 2>/dev/null || bash -n "$TMP/$f" 2>/dev/null \
        || { noparse=1; echo "     $f"; }
done
[ $noparse = 0 ] && ok "shell scripts still parse" || bad "shell scripts still parse"

if (cd "$TMP" && ${CC:-cc} -std=c99 -D_DEFAULT_SOURCE -Isrc -fsyntax-only \
        src/rp_*.c) > "$TMP.cc" 2>&1; then
    ok "the core C files still compile"
else
    bad "the core C files still compile"; head "$TMP.cc"
fi
head -2 "$TMP/src/rp_model_file.c" | grep -q '^/\* SPDX-License-Identifier: BSD-2-Clause \*/$' \
    && sed -n 2p "$TMP/src/rp_model_file.c" | grep -q '^/\* Copyright (c) .*rp authors \*/$' \
    && ok "a C file starts with the SPDX and copyright comments" \
    || bad "a C file starts with the SPDX and copyright comments"

# --check fails, naming the file, when one loses its lines
sed -i '1,2d' "$TMP/src/rp_model_file.c"
if scripts/licence-headers --check "$TMP" > "$TMP.check2" 2>&1; then
    bad "--check fails on a file without the lines"
else
    grep -q '^src/rp_model_file.c:' "$TMP.check2" \
        && ok "--check fails on a file without the lines, naming it" \
        || bad "--check names the file"
fi
rm -f "$TMP".*

echo "licence-test: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
