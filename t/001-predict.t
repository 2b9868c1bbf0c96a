# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# POST /predict: scores from the stored state (t/data/events.csv, loaded by
# rp-train materialize) with the known model of tests/mkmodel.c:
# margin = -1.5 + (purchase_count < 2 ? -1 : 1) + 0.5
#               + (product_purchase_count < 1 ? -0.5 : 0)

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

run_tests();

__DATA__

=== TEST 1: a stored user who bought the product three times: margin 0
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id": "u_loyal", "product_id": "p1"}
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like chomp
^\{"user_id":"u_loyal","product_id":"p1","repeat_purchase_probability":0\.5,"confidence":"medium","prediction_timestamp":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z","model_version":"test-v1","features_source":"store","features_used":\{"event_count":6,"amount_max":30,"amount_mean":17\.58333\d*,"amount_min":5\.5,"amount_sum":105\.5,"total_spend":60,"avg_transaction_amount":20,"purchase_count":3,"view_count":3,"product_view_count":2,"product_purchase_count":3,"repeat_purchase_count":1,"view_to_purchase_ratio":1,"days_since_last_purchase":[0-9.]+\}\}$
--- no_error_log
[error]



=== TEST 2: the same user, a product never bought: margin -0.5
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p2"}
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.3775406687981454,"confidence":"medium",.*"features_source":"store".*"product_view_count":1,"product_purchase_count":0,
--- no_error_log
[error]



=== TEST 3: an unknown user gets default features: margin -2.5
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"nobody_at_all","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"nobody_at_all","product_id":"p1","repeat_purchase_probability":0\.07585818002124355,"confidence":"low",.*"features_source":"default","features_used":\{"event_count":0,.*"days_since_last_purchase":365\}\}$
--- no_error_log
[error]



=== TEST 4: ids are echoed JSON-escaped
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"we\"ird\\id","product_id":"p/1"}
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"we\\"ird\\\\id","product_id":"p/1",
--- no_error_log
[error]



=== TEST 5: whitespace around the body is fine; extra fields are ignored
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n  \r\n {\"extra\": [1,2], \"product_id\":\"p1\",\"user_id\":\"u_two\"}\n\n"
--- error_code: 200
--- response_body_like chomp
"user_id":"u_two","product_id":"p1","repeat_purchase_probability":0\.3775406687981454,.*"purchase_count":2,
--- no_error_log
[error]



=== TEST 6: a location may serve another model; rp_* inherit from server
--- http_config
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    rp_model $TEST_NGINX_MODEL_DIR/model.rpf;
    location = /predict { rp_predict; }
    location = /v2 { rp_model $TEST_NGINX_MODEL_DIR/model-v2.rpf; rp_predict; }
--- request
POST /v2
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"model_version":"test-v2"
--- no_error_log
[error]



=== TEST 7: a body in several buffers (chunked) is parsed whole
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- more_headers
Transfer-Encoding: chunked
Content-Type: application/json
--- request eval
"POST /predict\n" . "5\r\n{\"use\r\n" . "32\r\nr_id\":\"u_loyal\",\"product_id\":\"p1\"}                \r\n" . "0\r\n\r\n"
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.5,
--- no_error_log
[error]



=== TEST 8: A/B routing with split_clients and an internal rewrite
--- http_config
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
    split_clients "$remote_addr" $rp_variant { 100% b; * a; }
--- config
    location = /predict { rewrite ^ /predict-$rp_variant last; }
    location = /predict-a { internal; rp_model $TEST_NGINX_MODEL; rp_predict; }
    location = /predict-b {
        internal;
        rp_model $TEST_NGINX_MODEL_DIR/model-v2.rpf;
        rp_predict;
    }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.5,.*"model_version":"test-v2"
--- no_error_log
[error]



=== TEST 9: a model on features of table v2: features_used lists exactly its features, in its order
--- http_config
    rp_model $TEST_NGINX_MODEL_DIR/model-f2.rpf;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.7310585786300049,.*"model_version":"test-f2","features_source":"store","features_used":\{"pp_mean_gap":9\.5,"purchase_count":3,"pp_ndays":3\}\}$
--- no_error_log
[error]



=== TEST 10: the same model, a pair never bought and an unknown user: missing features are null
--- http_config
    rp_model $TEST_NGINX_MODEL_DIR/model-f2.rpf;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"u_loyal","product_id":"p2"},{"user_id":"nobody_at_all","product_id":"p1"}]
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.2689414213699951,.*"features_used":\{"pp_mean_gap":null,"purchase_count":3,"pp_ndays":0\}\},.*"repeat_purchase_probability":0\.2689414213699951,.*"features_source":"default","features_used":\{"pp_mean_gap":null,"purchase_count":0,"pp_ndays":0\}\}
--- no_error_log
[error]

