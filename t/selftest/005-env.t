# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# vi:filetype=perl
# $TEST_NGINX_* substitution and helper functions.
use Test::Nginx::Socket;

BEGIN {
    $ENV{TEST_NGINX_RP_GREETING} ||= 'hello-from-env';
}

env_to_nginx('TEST_NGINX_RP_GREETING');
repeat_each(3);

plan tests => repeat_each() * (blocks() * 2 + 1);

run_tests();

__DATA__

=== TEST 1: $TEST_NGINX_ variables in config
--- config
    location = /t {
        return 200 "$TEST_NGINX_RP_GREETING port=$TEST_NGINX_SERVER_PORT\n";
    }
--- request
GET /t
--- response_body eval
"$ENV{TEST_NGINX_RP_GREETING} port=$ENV{TEST_NGINX_SERVER_PORT}\n"



=== TEST 2: $ServerPort in expected values
--- config
    location = /t {
        add_header X-Port $server_port;
        return 200 "port=$server_port\n";
    }
--- request
GET /t
--- response_headers
X-Port: $ServerPort
--- response_body
port=$ServerPort



=== TEST 3: skip_nginx skips on old versions only (never here)
--- skip_nginx: 2: < 1.0.0
--- config
    location = /t {
        return 200 "new enough\n";
    }
--- request
GET /t
--- response_body
new enough
