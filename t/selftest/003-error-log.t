# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# vi:filetype=perl
# error_log / no_error_log matching, line by line, per request.
use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: a missing file logs an [error]; plain-string patterns, one per line
--- config
    location /missing/ {
        root html;
    }
--- request
GET /missing/nope.txt
--- error_code: 404
--- error_log
[error]
open() "
/missing/nope.txt" failed (2: No such file or directory)
--- no_error_log
[alert]
[crit]



=== TEST 2: error_log eval with regexes and an array
--- config
    location = /t {
        return 200 "ok\n";
    }
--- request
GET /t
--- response_body
ok
--- error_log eval
[qr/http request line: "GET \/t HTTP\/1\.1"/, qr/http finalize request: \d+/]
--- no_error_log eval
qr/\[error\]/



=== TEST 3: error_page and a log_level restricted error log
--- log_level: warn
--- config
    location = /t {
        error_page 404 = /fallback;
        return 404;
    }
    location = /fallback {
        return 200 "fallback\n";
    }
--- request
GET /t
--- response_body
fallback
--- no_error_log
[debug]
