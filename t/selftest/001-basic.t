# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# vi:filetype=perl
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: return 200 with a body
--- config
    location = /t {
        return 200 "hello\n";
    }
--- request
GET /t
--- response_body
hello
--- no_error_log
[error]



=== TEST 2: error_code and a body-less status
--- config
    location = /t {
        return 403;
    }
--- request
GET /t
--- error_code: 403
--- response_body_like: 403 Forbidden



=== TEST 3: response_headers, present and absent
--- config
    location = /t {
        add_header X-Foo bar;
        add_header X-Empty "";
        return 200 "ok";
    }
--- request
GET /t
--- response_headers
X-Foo: bar
!X-Bar
Content-Type: text/plain
--- response_body chomp
ok
