# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Bad input: every case gets the right status and a JSON error.

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

our $Id128 = 'u' x 128;
our $Id129 = 'u' x 129;

run_tests();

__DATA__

=== TEST 1: not JSON
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id": "u_loyal",
--- error_code: 400
--- response_body chomp
{"error":"bad_json","detail":"request body is not valid JSON"}
--- no_error_log
[error]



=== TEST 2: trailing garbage after the object
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"} {}
--- error_code: 400
--- response_body chomp
{"error":"bad_json","detail":"trailing data after the JSON value"}



=== TEST 3: an array where an object belongs
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
[{"user_id":"u_loyal","product_id":"p1"}]
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"request body must be a JSON object"}



=== TEST 4: missing user_id
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"product_id":"p1"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"missing field \"user_id\""}



=== TEST 5: a number as user_id
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":42,"product_id":"p1"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"field \"user_id\" must be a string"}



=== TEST 6: field names are case-sensitive
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"a","Product_ID":"p1"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"missing field \"product_id\""}



=== TEST 7: empty id
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"","product_id":"p1"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"invalid \"user_id\": 1 to 128 printable ASCII characters"}



=== TEST 8: id with an escaped control character
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"a","product_id":"p\u0001"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"strings must not contain control characters (\\u0000 to \\u001f)"}



=== TEST 9: id of 129 bytes
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n{\"user_id\":\"$::Id129\",\"product_id\":\"p1\"}"
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"invalid \"user_id\": 1 to 128 printable ASCII characters"}



=== TEST 10: id of 128 bytes is fine
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n{\"user_id\":\"$::Id128\",\"product_id\":\"p1\"}"
--- error_code: 200
--- response_body_like chomp
"features_source":"default"
--- no_error_log
[error]



=== TEST 11: GET on a POST endpoint: 405 with Allow
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
GET /predict
--- error_code: 405
--- response_headers
Allow: POST
Content-Type: application/json
--- response_body chomp
{"error":"method_not_allowed","detail":"POST"}



=== TEST 12: POST on a GET endpoint
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
--- request
POST /model/info
{}
--- error_code: 405
--- response_headers
Allow: GET, HEAD



=== TEST 13: empty body
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
--- error_code: 400
--- response_body chomp
{"error":"bad_json","detail":"empty request body"}



=== TEST 14: a body over client_max_body_size
--- http_config eval: $::HttpConfig
--- config
    location = /predict { client_max_body_size 16; rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 413



=== TEST 15: a body spilled to a temporary file: 413 JSON
--- http_config eval: $::HttpConfig
--- config
    location = /predict {
        client_body_buffer_size 16;
        client_max_body_size 1m;
        rp_predict;
    }
--- request eval
"POST /predict\n{\"pad\":\"" . ("x" x 4000) . "\",\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}"
--- error_code: 413
--- response_body chomp
{"error":"body_too_large","detail":"request body exceeds client_body_buffer_size"}



=== TEST 16: a JSON null body
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
null
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"request body must be a JSON object"}



=== TEST 17: an escaped NUL would cut the id: refused
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal\u0000evil","product_id":"p1"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"strings must not contain control characters (\\u0000 to \\u001f)"}



=== TEST 18: an escaped backslash before u0000 is just text
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"a\\u0000","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"a\\\\u0000",
