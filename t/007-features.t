# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# GET /features/{user_id}: the stored state and the derived features.

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
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
_EOC_

run_tests();

__DATA__

=== TEST 1: a stored user, product fields zero without ?product_id
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_loyal
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like chomp
^\{"user_id":"u_loyal","state":\{"event_count":6,"amount_sum_cents":10550,"amount_min_cents":550,"amount_max_cents":3000,"purchase_count":3,"purchase_sum_cents":6000,"view_count":3,"repeat_products":1,"last_purchase":1768903500,"purchase_days":3,"products_bought":1,"first_purchase_day":"2026-01-01"\},"features":\{"event_count":6,"amount_max":30,"amount_mean":17\.58333\d*,"amount_min":5\.5,"amount_sum":105\.5,"total_spend":60,"avg_transaction_amount":20,"purchase_count":3,"view_count":3,"product_view_count":0,"product_purchase_count":0,"repeat_purchase_count":1,"view_to_purchase_ratio":1,"days_since_last_purchase":[0-9.]+,"pp_days_since_last":null,"pp_days_since_first":null,"pp_ndays":0,"pp_mean_gap":null,"pp_recency_ratio":null,"pp_day_share":0,"pp_amount":0,"u_ndays":3,"u_nproducts":1,"u_days_since_first":\d+,"prod_buyers":null,"prod_buyers_30d":null,"prod_rebuy_rate":null,"prod_repeat_share":null,"prod_med_interval":null\}\}$
--- no_error_log
[error]



=== TEST 2: with ?product_id= the pair state is read too (bought on 3 days, Jan 1 to Jan 20)
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_loyal?product_id=p1
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"u_loyal","product_id":"p1","state":\{.*"product_views":2,"product_purchases":3,"product_purchase_days":3,"product_amount_cents":6000,"product_first_purchase_day":"2026-01-01","product_last_purchase_day":"2026-01-20"\},"features":\{.*"product_view_count":2,"product_purchase_count":3,.*"pp_days_since_last":\d+,"pp_days_since_first":\d+,"pp_ndays":3,"pp_mean_gap":9\.5,"pp_recency_ratio":[0-9.]+,"pp_day_share":1,"pp_amount":60,"u_ndays":3,"u_nproducts":1,
--- no_error_log
[error]



=== TEST 3: a user with views only: no purchase day, the features that need one are null
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_viewer?product_id=p1
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"u_viewer","product_id":"p1","state":\{"event_count":2,"amount_sum_cents":2000,"amount_min_cents":800,"amount_max_cents":1200,"purchase_count":0,"purchase_sum_cents":0,"view_count":2,"repeat_products":0,"last_purchase":0,"purchase_days":0,"products_bought":0,"first_purchase_day":null,"product_views":1,"product_purchases":0,"product_purchase_days":0,"product_amount_cents":0,"product_first_purchase_day":null,"product_last_purchase_day":null\},"features":\{.*"days_since_last_purchase":365,"pp_days_since_last":null,"pp_days_since_first":null,"pp_ndays":0,"pp_mean_gap":null,"pp_recency_ratio":null,"pp_day_share":null,"pp_amount":0,"u_ndays":0,"u_nproducts":0,"u_days_since_first":null,
--- no_error_log
[error]



=== TEST 4: an unknown user: 404 JSON
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/nobody_here
--- error_code: 404
--- response_body chomp
{"error":"not_found","detail":"unknown user"}
--- no_error_log
[error]



=== TEST 5: an empty id: 400
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"invalid user id in the URI"}



=== TEST 6: an escaped id is decoded
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/u%5Floyal
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"u_loyal",



=== TEST 7: POST is not allowed
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
POST /features/u_loyal
{}
--- error_code: 405
--- response_headers
Allow: GET, HEAD



=== TEST 8: Redis down: 503
--- http_config
    rp_redis 127.0.0.1:1;
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_loyal
--- error_code: 503
--- response_body chomp
{"error":"store_unavailable","detail":"the feature store did not answer"}



=== TEST 9: rp_redis_db selects another database (empty here): 404
--- http_config
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 2s;
--- config
    location /features/ { rp_redis_db 1; rp_features; }
    location /db0/ { rp_features; }
--- request eval
["GET /features/u_loyal", "GET /db0/u_loyal"]
--- error_code eval
[404, 200]
--- no_error_log
[error]
