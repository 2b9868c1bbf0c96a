# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# tap.sh: the TAP lines of the shell test scripts, sourced by them.
#   ok DESCRIPTION
#   not_ok DESCRIPTION [LOG...]   the last lines of each LOG as comments
#   tap_end                       "N passed, M failed"; false on a failure
passed=0
failed=0

ok() {
    passed=$((passed + 1))
    echo "ok $((passed + failed)) - $1"
}

not_ok() {
    failed=$((failed + 1))
    echo "not ok $((passed + failed)) - $1"
    shift
    for f in "$@"; do
        [ -f "$f" ] && { echo "# --- $f (last lines)"; tail -n 20 "$f" | sed 's/^/# /'; }
    done
    return 0
}

tap_end() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
