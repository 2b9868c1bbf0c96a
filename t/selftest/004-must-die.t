# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# vi:filetype=perl
# must_die: nginx has to refuse the config; error_log is matched
# against what it logged while refusing.
use Test::Nginx::Socket 'no_plan';

no_shuffle();
run_tests();

__DATA__

=== TEST 1: unknown directive
--- config
    location = /t {
        rp_no_such_directive on;
    }
--- must_die
--- error_log
[emerg]
unknown directive "rp_no_such_directive"



=== TEST 2: bad directive argument, expected exit code
--- config
    location = /t {
        return abc;
    }
--- must_die: 1
--- error_log eval
qr/\[emerg\] .*invalid return code "abc"/



=== TEST 3: a good config after the failing ones still works
--- config
    location = /t {
        return 200 "alive\n";
    }
--- request
GET /t
--- response_body
alive
