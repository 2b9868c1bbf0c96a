# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Every response body is valid JSON with the documented shape: parsed here
# with JSON::PP (a different parser than the module's encoder).

use Test::Nginx::Socket 'no_plan';
use JSON::PP ();

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
    rp_redis_timeout 2s;
_EOC_

# decodes the body and prints its keys (sorted) and a few checks
our $Shape = sub {
    my $j = JSON::PP->new->decode($_[0]);
    my @p = ref $j->{predictions} ? @{ $j->{predictions} } : ($j);
    my @out = (join(',', sort keys %$j));
    for my $p (@p) {
        next unless exists $p->{features_used};
        push @out, scalar(keys %{ $p->{features_used} }) . ' features';
        push @out, ($p->{repeat_purchase_probability} >= 0
                    && $p->{repeat_purchase_probability} <= 1)
                   ? 'p in [0,1]' : 'p out of range';
    }
    join("\n", @out) . "\n";
};

run_tests();

__DATA__

=== TEST 1: /predict, a non-ASCII id: a JSON error
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p\\1\"\/\u00e9x"}
--- error_code: 400
--- response_body_filters eval: $::Shape
--- response_body
detail,error



=== TEST 2: /predict, a stored user
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p\\1\"/x"}
--- error_code: 200
--- response_body_filters eval: $::Shape
--- response_body
confidence,features_source,features_used,model_version,prediction_timestamp,product_id,repeat_purchase_probability,user_id
14 features
p in [0,1]



=== TEST 3: /predict/batch
--- http_config eval: $::HttpConfig
--- config
    location = /b { rp_predict_batch; }
--- request
POST /b
[{"user_id":"u_loyal","product_id":"p1"},{"user_id":"x\ty","product_id":"p1"}]
--- error_code: 400
--- response_body_filters eval: $::Shape
--- response_body
detail,error



=== TEST 4: /predict/batch, two items
--- http_config eval: $::HttpConfig
--- config
    location = /b { rp_predict_batch; }
--- request
POST /b
[{"user_id":"u_loyal","product_id":"p1"},{"user_id":"ghost","product_id":"p1"}]
--- error_code: 200
--- response_body_filters eval: $::Shape
--- response_body
count,model_version,predictions
14 features
p in [0,1]
14 features
p in [0,1]



=== TEST 5: /model/info, /features, / and a 405
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
    location /features/ { rp_features; }
    location = / { rp_health; }
--- request eval
["GET /model/info", "GET /features/u_loyal?product_id=p1", "GET /",
 "DELETE /model/info"]
--- error_code eval
[200, 200, 200, 405]
--- response_body_filters eval: $::Shape
--- response_body eval
["build,mapped,metadata,model_version,path,scorer_tables_bytes\n",
 "features,product_id,state,user_id\n",
 "model_loaded,model_version,redis,status\n",
 "detail,error\n"]
