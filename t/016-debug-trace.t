# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Debug tracing: with error_log at debug level, every Redis connection
# state and every step of a request's lookup leaves a line (the module is
# built against nginx's sources configured --with-debug, as Debian's nginx).

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;

log_level('debug');

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

# a "Redis" that accepts connections and never answers
our $Hole = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 128,
                                  ReuseAddr => 1)
    or die "cannot bind: $!";
$ENV{TEST_NGINX_HOLE_PORT} = $Hole->sockport;

run_tests();

__DATA__

=== TEST 1: connect, ready, a batch queued, its replies
(the request may come before the first connection is ready: a worker's
first connect takes commands early)
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"u_loyal","product_id":"p1"},{"user_id":"ghost","product_id":"p2"}]
--- wait: 0.1
--- error_code: 200
--- grep_error_log eval
qr/rp redis: "[^"]+" connecting|rp redis: batch \S+ (queued, \d+ commands|reply \d+ of \d+)|rp lookup: \d+ items/
--- grep_error_log_out eval
qr/^rp redis: "127\.0\.0\.1:\d+" connecting
rp redis: batch \S+ queued, 2 commands
rp lookup: 2 items
rp redis: batch \S+ reply 1 of 2
rp redis: batch \S+ reply 2 of 2
$/
--- error_log eval
qr/rp redis: "127\.0\.0\.1:\d+" ready/



=== TEST 2: a timeout detaches the batch; nothing is logged at info level
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_HOLE_PORT;
    rp_redis_timeout 200ms;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like: "features_source":"default"
--- error_log eval
[qr/\[debug\] .*rp redis: batch \S+ queued, 1 commands/,
 qr/\[debug\] .*rp lookup: timed out after 200ms/,
 qr/\[debug\] .*rp redis: batch \S+ detached, 0 of 1 replies in/,
 qr/\[debug\] .*rp redis: "127\.0\.0\.1:\d+" timeout, 1 in a row/]
--- timeout: 3
