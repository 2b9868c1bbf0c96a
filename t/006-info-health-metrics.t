# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# GET / (health), /model/info and /metrics.

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

=== TEST 1: health: model loaded, Redis ready
--- http_config eval: $::HttpConfig
--- config
    location = / { rp_health; }
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}", "GET /"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"store"/,
 qr/^\{"status":"ok","model_loaded":true,"model_version":"test-v1","redis":"ready"\}$/]
--- no_error_log
[error]



=== TEST 2: model info: model.json plus what is mapped
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
--- request
GET /model/info
--- error_code: 200
--- response_headers
Content-Type: application/json
--- response_body_like chomp
^\{"model_version":"test-v1","path":"[^"]*/model\.rpf","mapped":\{"file_size":\d+,"trees":3,"nodes":7,"max_depth":1,"format":1,"explainable":false,"priors":0,"priors_bytes":0,"objective":"binary:logistic","base_margin":-1\.5,"checksum":"[0-9a-f]{8}","trained_at":1700000000,"features":\["event_count",[^\]]*,"days_since_last_purchase"\]\},"scorer_tables_bytes":\d+,"metadata":\{"version":"test-v1","trained_at":"2023-11-14T22:13:20Z","parameters":\{"trees":3\},"metrics":\{"auc":0\.5\}\},"build":\{"version":"\d+\.\d+\.\d+( \(git [^"]+\))?","nginx_version":"\d+\.\d+\.\d+","compiler":"(?:[^"\\]|\\.)+","configure":"(?:[^"\\]|\\.)*--with-cc-opt=(?:[^"\\]|\\.)*","simd_compiled":\["portable"(,"avx2","avx512")?\],"simd_cpu":"(portable|avx2|avx512)"\}\}$
--- no_error_log
[error]



=== TEST 3: HEAD on model info
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
--- request
HEAD /model/info
--- error_code: 200
--- response_body chomp



=== TEST 4: metrics count requests by endpoint and status, shared by workers
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
    location = /metrics { rp_metrics; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}",
 "POST /predict\n{\"user_id\":\"ghost\",\"product_id\":\"p1\"}",
 "POST /predict\n{\"user_id\":1}",
 "GET /predict",
 "GET /metrics"]
--- error_code eval
[200, 200, 400, 405, 200]
--- response_body_like eval
[qr/store/, qr/default/, qr/bad_request/, qr/method_not_allowed/,
 qr/rp_requests_total\{endpoint="predict",code="200"\} [1-9]\d*\n.*rp_requests_total\{endpoint="predict",code="400"\} [1-9]\d*\nrp_requests_total\{endpoint="predict",code="405"\} [1-9]\d*\n.*rp_request_duration_seconds_bucket\{endpoint="predict",le="\+Inf"\} [1-9]\d*\n.*rp_request_duration_seconds_count\{endpoint="predict"\} [1-9]\d*\n.*rp_predictions_total [1-9]\d*\n.*rp_redis_connects_total [1-9]\d*\n.*rp_unknown_users_total [1-9]\d*\n.*rp_model_info\{version="test-v1",path="[^"]*model\.rpf",trees="3"\} 1\n.*rp_redis_up\{address="127\.0\.0\.1:\d+"\} 1\n/s]
--- no_error_log
[error]



=== TEST 5: metrics content type; a fresh zone has the counters at zero
--- http_config eval: $::HttpConfig
--- config
    location = /metrics { rp_metrics; }
--- request
GET /metrics
--- error_code: 200
--- response_headers
Content-Type: text/plain; version=0.0.4
--- response_body_like chomp
# TYPE rp_requests_total counter\n.*rp_redis_timeouts_total 0\n.*rp_fallbacks_total 0\n
