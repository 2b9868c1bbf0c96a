# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Product priors: a model that carries them (tests/mkmodel.c "priors":
# margin = prod_rebuy_rate < 0.5 ? -1 : +1; p1 rate 0.75, p2 rate 0.25,
# unknown products the default row, rate 0.375). The module looks the
# product up in the mapped table and passes its row to the features;
# features_used shows them, a known product's own, an unknown one's the
# defaults, whether or not the store knows the user.

use Test::Nginx::Socket 'no_plan';

# the POST endpoints want "Content-Type: application/json" (415 otherwise)
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

repeat_each(2);

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL_DIR/model-priors.rpf;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
_EOC_

run_tests();

__DATA__

=== TEST 1: a known product: its own priors (rate 0.75: margin +1)
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.7310585786300049,.*"model_version":"test-priors","features_source":"store","features_used":\{"purchase_count":3,"prod_rebuy_rate":0\.75,"prod_buyers":3,"prod_med_interval":9\.5\}\}$
--- no_error_log
[error]



=== TEST 2: another known product (no repeat buyer: interval null), an unknown product (the default row), an unknown user (the product's priors still)
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"u_loyal","product_id":"p2"},{"user_id":"u_loyal","product_id":"p_new"},{"user_id":"nobody_at_all","product_id":"p1"}]
--- error_code: 200
--- response_body_like chomp
"product_id":"p2","repeat_purchase_probability":0\.2689414213699951,.*"features_used":\{"purchase_count":3,"prod_rebuy_rate":0\.25,"prod_buyers":1,"prod_med_interval":null\}\},.*"product_id":"p_new","repeat_purchase_probability":0\.2689414213699951,.*"features_used":\{"purchase_count":3,"prod_rebuy_rate":0\.375,"prod_buyers":0,"prod_med_interval":12\.5\}\},.*"product_id":"p1","repeat_purchase_probability":0\.7310585786300049,.*"features_source":"default","features_used":\{"purchase_count":0,"prod_rebuy_rate":0\.75,"prod_buyers":3,"prod_med_interval":9\.5\}\}
--- no_error_log
[error]



=== TEST 3: GET /features with ?product_id= shows the product's priors
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_loyal?product_id=p1
--- error_code: 200
--- response_body_like chomp
"prod_buyers":3,"prod_buyers_30d":1,"prod_rebuy_rate":0\.75,"prod_repeat_share":0\.5,"prod_med_interval":9\.5\}\}$
--- no_error_log
[error]



=== TEST 4: /model/info: format 2, the prior table's size
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
--- request
GET /model/info
--- error_code: 200
--- response_body_like chomp
"mapped":\{"file_size":\d+,"trees":1,"nodes":3,"max_depth":1,"format":2,"explainable":false,"priors":2,"priors_bytes":[1-9]\d*,"objective"
--- no_error_log
[error]
