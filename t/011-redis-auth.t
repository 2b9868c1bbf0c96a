# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# A Redis that refuses AUTH: requests fall back at once, the failure is
# logged, and the worker retries with a growing backoff rather than a
# reconnect (and an error line) every 50 ms.
#
# Not repeated (repeat_each 1): with the backoff, a second request in the
# same second need not see a new error line.
#
# The test Redis has no password, so it refuses any AUTH but serves the
# HMGET of a request queued behind the first AUTH (before the module
# drops the connection): that request may be answered from the store; a
# Redis that requires a password answers it NOAUTH, and it falls back.

use Test::Nginx::Socket 'no_plan';

# the POST endpoints want "Content-Type: application/json" (415 otherwise);
# a block that sets its own headers says what it sends
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

run_tests();

__DATA__

=== TEST 1: AUTH refused: logged, requests fall back, nginx keeps serving
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
    rp_redis_password not-the-password;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"features_source":"(default|store)"
--- wait: 0.5
--- error_log
connection setup (AUTH/SELECT/PING) failed
--- timeout: 2



=== TEST 2: AUTH refused: retried with backoff, not in a tight loop
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_password not-the-password;
--- config
    location = /t { return 200 "alive\n"; }
--- request
GET /t
--- response_body
alive
--- wait: 1.5
--- grep_error_log eval
qr/setup \(AUTH\/SELECT\/PING\) failed/
--- grep_error_log_out eval
qr/^(setup \(AUTH\/SELECT\/PING\) failed\n){1,7}$/
