# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# POST /predict/batch: one HMGET per item, pipelined in one round trip.

use Test::Nginx::Socket 'no_plan';

# the POST endpoints want "Content-Type: application/json" (415 otherwise);
# a block that sets its own headers says what it sends
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

repeat_each(2);

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
_EOC_

our $Big = '[' . join(',', map {
    '{"user_id":"' . ($_ % 3 == 0 ? 'u_loyal' : "anon_$_")
    . '","product_id":"p1"}' } 1 .. 100) . ']';

run_tests();

__DATA__

=== TEST 1: items keep their order; store and default mixed
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"u_loyal","product_id":"p1"},{"user_id":"ghost","product_id":"p1"},{"user_id":"u_loyal","product_id":"p2"}]
--- error_code: 200
--- response_body_like chomp
^\{"predictions":\[\{"user_id":"u_loyal","product_id":"p1","repeat_purchase_probability":0\.5,[^\]]*"features_source":"store"[^\]]*\},\{"user_id":"ghost","product_id":"p1","repeat_purchase_probability":0\.07585818002124355,[^\]]*"features_source":"default"[^\]]*\},\{"user_id":"u_loyal","product_id":"p2","repeat_purchase_probability":0\.3775406687981454,[^\]]*\}\],"count":3,"model_version":"test-v1"\}$
--- no_error_log
[error]



=== TEST 2: a batch of 100 (the default rp_max_batch): one reply per item
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request eval
"POST /predict/batch\n$::Big"
--- error_code: 200
--- response_body_like chomp
"count":100,"model_version":"test-v1"\}$
--- response_body_filters eval
sub { my $n = () = $_[0] =~ /"features_source":"store"/g;
      my $m = () = $_[0] =~ /"features_source":"default"/g;
      "$n $m" }
--- response_body: 33 67
--- no_error_log
[error]



=== TEST 3: a batch of one
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"u_two","product_id":"p3"}]
--- error_code: 200
--- response_body_like chomp
^\{"predictions":\[\{"user_id":"u_two","product_id":"p3","repeat_purchase_probability":0\.5,.*\}\],"count":1,"model_version":"test-v1"\}$
--- no_error_log
[error]



=== TEST 4: over rp_max_batch: 413
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_max_batch 2; rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"a","product_id":"p"},{"user_id":"b","product_id":"p"},{"user_id":"c","product_id":"p"}]
--- error_code: 413
--- response_body chomp
{"error":"batch_too_large","detail":"batch of 3 items exceeds rp_max_batch 2"}



=== TEST 5: empty batch: 400
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[]
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"empty batch"}



=== TEST 6: an object instead of an array: 400
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
{"user_id":"a","product_id":"p"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"request body must be a JSON array"}



=== TEST 7: one bad item fails the batch and names it
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"a","product_id":"p"},{"user_id":"b"}]
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"item 1: missing field \"product_id\""}



=== TEST 8: an item that is not an object
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"a","product_id":"p"},7]
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"item 1: not a JSON object"}
