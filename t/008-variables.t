# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# $rp_probability, $rp_model_version, $rp_features_source, $rp_confidence
# in access_log and in later phases.

use Test::Nginx::Socket 'no_plan';

# the POST endpoints want "Content-Type: application/json" (415 otherwise);
# a block that sets its own headers says what it sends
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    log_format rp 'rp: p=$rp_probability v=$rp_model_version s=$rp_features_source c=$rp_confidence';
_EOC_

run_tests();

__DATA__

=== TEST 1: a stored user in the access log
--- http_config eval: $::HttpConfig
--- config
    location = /predict { access_log logs/error.log rp; rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- error_log
rp: p=0.5 v=test-v1 s=store c=medium
--- no_error_log
[error]



=== TEST 2: an unknown user
--- http_config eval: $::HttpConfig
--- config
    location = /predict { access_log logs/error.log rp; rp_predict; }
--- request
POST /predict
{"user_id":"ghost","product_id":"p1"}
--- error_code: 200
--- error_log
rp: p=0.07585818002124355 v=test-v1 s=default c=low



=== TEST 3: an error: the scoring variables are empty, the version is set
--- http_config eval: $::HttpConfig
--- config
    location = /predict { access_log logs/error.log rp; rp_predict; }
--- request
POST /predict
nope
--- error_code: 400
--- error_log
rp: p=- v=test-v1 s=- c=-



=== TEST 4: add_header can use them
--- http_config eval: $::HttpConfig
--- config
    location = /predict {
        add_header X-RP-Source $rp_features_source;
        add_header X-RP-Model $rp_model_version;
        rp_predict;
    }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_headers
X-RP-Source: store
X-RP-Model: test-v1
