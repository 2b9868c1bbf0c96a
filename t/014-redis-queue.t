# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# The queue of commands on a worker's Redis connection: requests are not
# added behind commands that already waited a whole rp_redis_timeout (they
# would time out too), and a server that accepts but never answers is not
# a ready connection.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;

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

our $Req = "POST /predict\n" . '{"user_id":"u_loyal","product_id":"p1"}';

run_tests();

__DATA__

=== TEST 1: behind commands older than the timeout: default features at once
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_HOLE_PORT;
    rp_redis_timeout 300ms;
--- config
    location = /predict { rp_predict; }
--- pipelined_requests eval
[$::Req, $::Req]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"default"/, qr/"features_source":"default"/]
--- grep_error_log eval
qr/did not answer within 300ms|the oldest commands out wait for \d+ms, over rp_redis_timeout/
--- grep_error_log_out eval
qr/^did not answer within 300ms\nthe oldest commands out wait for \d+ms, over rp_redis_timeout\n$/
--- timeout: 3



=== TEST 2: a server that never answers the setup PING is not ready
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_HOLE_PORT;
--- config
    location = / { rp_health; }
--- request
GET /
--- wait: 0.3
--- response_body_like chomp
^\{"status":"degraded","model_loaded":true,"model_version":"test-v1","redis":"(connecting|disconnected)"\}$
