# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# A Redis that is down, silent or holding garbage never hangs a request:
# default features within rp_redis_timeout, or 503 with rp_fallback 503.

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;

# the POST endpoints want "Content-Type: application/json" (415 otherwise);
# a block that sets its own headers says what it sends
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

# a port nobody listens on
my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                              Proto => 'tcp', Listen => 1, ReuseAddr => 1)
    or die "cannot bind: $!";
$ENV{TEST_NGINX_DEAD_PORT} = $s->sockport;
close $s;

# a "Redis" that accepts connections and never answers
our $Hole = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 128,
                                  ReuseAddr => 1)
    or die "cannot bind: $!";
$ENV{TEST_NGINX_HOLE_PORT} = $Hole->sockport;

# a stored value that is not in its format
system("redis-cli -p $ENV{TEST_NGINX_REDIS_PORT} HSET 'rp:{u_corrupt}'"
       . " u 3,300,100,x7,0 >/dev/null") == 0
    or die "redis-cli failed";
# values that parse but break the layout's invariants: lo > hi; a product
# bought twice by a user with one purchase
system("redis-cli -p $ENV{TEST_NGINX_REDIS_PORT} HSET 'rp:{u_badinv}'"
       . " u 3,100,200,100,0 >/dev/null") == 0
    or die "redis-cli failed";
system("redis-cli -p $ENV{TEST_NGINX_REDIS_PORT} HSET 'rp:{u_badpair}'"
       . " u 2,1000,500,500,1 b 1,500,1768903500,20473,1,1,0"
       . " p:p1 1,2,20473,0,1,500 >/dev/null") == 0
    or die "redis-cli failed";
system("redis-cli -p $ENV{TEST_NGINX_REDIS_PORT} SET 'rp:{u_string}' x"
       . " >/dev/null") == 0
    or die "redis-cli failed";

repeat_each(2);

run_tests();

__DATA__

=== TEST 1: Redis down: default features at once
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.07585818002124355,.*"features_source":"default"
--- timeout: 2



=== TEST 2: Redis down with rp_fallback 503
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- config
    location = /predict { rp_fallback 503; rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 503
--- response_body chomp
{"error":"store_unavailable","detail":"the feature store did not answer"}



=== TEST 3: Redis silent: default features after rp_redis_timeout
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_HOLE_PORT;
    rp_redis_timeout 40ms;
--- config
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}",
 "POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"default"/, qr/"features_source":"default"/]
--- error_log eval
qr/did not answer within 40ms|the oldest commands out wait for \d+ms/
--- timeout: 2



=== TEST 4: Redis silent, batch, rp_fallback 503
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_HOLE_PORT;
    rp_redis_timeout 30ms;
    rp_fallback 503;
--- config
    location = /b { rp_predict_batch; }
--- request eval
["POST /b\n[{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}]",
 "POST /b\n[{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}]"]
--- error_code eval
[503, 503]
--- timeout: 2



=== TEST 5: health says degraded while Redis is down
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_DEAD_PORT;
--- config
    location = / { rp_health; }
--- request
GET /
--- error_code: 200
--- response_body_like chomp
^\{"status":"degraded","model_loaded":true,"model_version":"test-v1","redis":"(disconnected|connecting)"\}$



=== TEST 6: a corrupted stored value: default features and a log line
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_corrupt","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"features_source":"default"
--- error_log
1 of 1 items got default features: 0 Redis errors or lost replies, 1 corrupted store values; first: user "u_corrupt"



=== TEST 7: a corrupted stored value on /features: 502
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_corrupt
--- error_code: 502
--- response_body chomp
{"error":"store_corrupt","detail":"the stored state is corrupt"}



=== TEST 8: Redis replies with an error (wrong type): default features
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_string","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"features_source":"default"
--- error_log
WRONGTYPE



=== TEST 9: the client goes away while Redis is silent: no crash, no leak
(the wait outlasts the 1 s bound on the connection setup, so the repeat
meets a new connection rather than being shed behind the first request;
the lookup's own bound is far longer than the client's 0.1 s, so the
client's going away is what ends the request, even under valgrind)
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_HOLE_PORT;
    rp_redis_timeout 3s;
--- config
    location = /predict { rp_predict; }
    location = /t { return 200 "alive\n"; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- timeout: 0.1
--- abort
--- wait: 1.3
--- ignore_response
--- error_log
client prematurely closed connection
--- no_error_log
[alert]
[crit]
did not answer



=== TEST 10: a state that breaks the invariants (lo > hi) is corrupt: 502
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_badinv
--- error_code: 502
--- response_body chomp
{"error":"store_corrupt","detail":"the stored state is corrupt"}
--- error_log
first: user "u_badinv": stored field "u" is inconsistent



=== TEST 11: an inconsistent product state: default features for the pair
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_badpair","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"features_source":"default"
--- error_log
first: user "u_badpair": product state inconsistent



=== TEST 12: the same user without the product reads fine
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_badpair
--- error_code: 200
--- response_body_like chomp
"purchase_count":1,
--- no_error_log
[error]
