# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# A hostile client: control bytes and duplicate keys in JSON, bodies of
# the wrong type or too large, malformed percent escapes; and data of the
# wrong type in the store, which is one user's problem, not an outage.

use Test::Nginx::Socket 'no_plan';

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

# a key that is not a hash, and a hash with an unparsable value
for my $cmd ("SET 'rp:{h_wrongtype}' x", "DEL 'rp:{h_corrupt}'",
             "HSET 'rp:{h_corrupt}' u 3,x7") {
    system("redis-cli -p $ENV{TEST_NGINX_REDIS_PORT} $cmd >/dev/null") == 0
        or die "redis-cli $cmd failed";
}

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
_EOC_

our $Ctl = '{"error":"bad_request","detail":"strings must not contain control characters (\\\\u0000 to \\\\u001f)"}';
our $Raw = '{"error":"bad_json","detail":"raw control character in a JSON string"}';
our $E415 = '{"error":"unsupported_media_type","detail":"Content-Type must be application/json"}';
our $E413 = '{"error":"body_too_large","detail":"request body exceeds client_max_body_size"}';

our $Chunk = sub { sprintf("%x\r\n%s\r\n", length $_[0], $_[0]) };

# one request for a user whose key is not a hash
our $Wrong = "POST /predict\n" . '{"user_id":"h_wrongtype","product_id":"p1"}';

run_tests();

__DATA__

=== TEST 1: a raw NUL inside user_id does not cut it short
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n" . qq({"user_id":"u_loyal\0zz","product_id":"p1"})
--- error_code: 400
--- response_body eval: $::Raw
--- no_error_log
[error]



=== TEST 2: a raw NUL inside a key is not read as "user_id"
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n" . qq({"user_id\0x":"u_loyal","user_id":"u_loyal","product_id":"p1"})
--- error_code: 400
--- response_body eval: $::Raw



=== TEST 3: any raw byte below 0x20 in a string
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n" . qq({"user_id":"u_loyal","product_id":"p\x1f1"})
--- error_code: 400
--- response_body eval: $::Raw



=== TEST 4: a raw NUL in the second item of a batch
--- http_config eval: $::HttpConfig
--- config
    location = /b { rp_predict_batch; }
--- request eval
"POST /b\n" . qq([{"user_id":"u_loyal","product_id":"p1"},{"user_id":"u_loyal\0","product_id":"p1"}])
--- error_code: 400
--- response_body eval: $::Raw



=== TEST 5: an escaped control character in a key, even an unknown one
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1","x\u001F":1}
--- error_code: 400
--- response_body eval: $::Ctl



=== TEST 6: \u0020 and above are not control characters
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u\u005floyal","product_id":"p1","note":"a\u0020b"}
--- error_code: 200
--- response_body_like chomp
^\{"user_id":"u_loyal","product_id":"p1",.*"features_source":"store"



=== TEST 7: duplicate user_id
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","user_id":"ghost","product_id":"p1"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"duplicate key \"user_id\""}



=== TEST 8: keys equal once decoded are duplicates
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"product_id":"p1","user_id":"ghost","user\u005fid":"u_loyal"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"duplicate key \"user_id\""}



=== TEST 9: a duplicate key the module does not read is refused too
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"pad":1,"user_id":"u_loyal","product_id":"p1","pad":2}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"duplicate key \"pad\""}



=== TEST 10: a duplicate key in a batch item names the item
--- http_config eval: $::HttpConfig
--- config
    location = /b { rp_predict_batch; }
--- request
POST /b
[{"user_id":"u_loyal","product_id":"p1"},{"user_id":"u_loyal","product_id":"p1","product_id":"p2"}]
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"item 1: duplicate key \"product_id\""}



=== TEST 11: no Content-Type: 415
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- more_headers
X-Test: no type
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 415
--- response_headers
Content-Type: application/json
--- response_body eval: $::E415



=== TEST 12: text/plain (a CORS simple request): 415
--- http_config eval: $::HttpConfig
--- config
    location = /b { rp_predict_batch; }
--- more_headers
Content-Type: text/plain;charset=UTF-8
--- request
POST /b
[{"user_id":"u_loyal","product_id":"p1"}]
--- error_code: 415
--- response_body eval: $::E415



=== TEST 13: a longer type that starts like application/json: 415
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- more_headers
Content-Type: application/jsonp
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 415
--- response_body eval: $::E415



=== TEST 14: the type in any case, with a parameter
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- more_headers
Content-Type: Application/JSON ; charset=utf-8
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"features_source":"store"



=== TEST 15: a Content-Length over client_max_body_size: JSON 413
--- http_config eval: $::HttpConfig
--- config
    location = /predict { client_max_body_size 16; rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body eval: $::E413



=== TEST 16: a chunked body that grows over client_max_body_size: JSON 413
--- http_config eval: $::HttpConfig
--- config
    location = /b { client_max_body_size 64; rp_predict_batch; }
--- raw_request eval
["POST /b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
 $::Chunk->('[{"user_id":"u_loyal","product_id":"p1"},'),
 $::Chunk->('{"user_id":"u_loyal","product_id":"p1"}]') . "0\r\n\r\n"]
--- raw_request_middle_delay: 0.1
--- error_code: 413
--- response_headers
Content-Type: application/json
--- response_body eval: $::E413



=== TEST 17: an error_page 413 of the configuration wins
--- http_config eval: $::HttpConfig
--- config
    location = /predict {
        client_max_body_size 16;
        error_page 413 @mine;
        rp_predict;
    }
    location @mine { return 413 "mine\n"; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 413
--- response_body
mine



=== TEST 18: a malformed percent escape in ?product_id: 400
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request eval
["GET /features/u_loyal?product_id=%zz", "GET /features/u_loyal?product_id=p%4",
 "GET /features/u_loyal?product_id=%70%31"]
--- error_code eval
[400, 400, 200]
--- response_body_like eval
[qr/^\{"error":"bad_request","detail":"malformed percent escape in the product_id argument"\}$/,
 qr/^\{"error":"bad_request","detail":"malformed percent escape in the product_id argument"\}$/,
 qr/^\{"user_id":"u_loyal","product_id":"p1",/]



=== TEST 19: a malformed percent escape in the path: nginx's own 400
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/u_%zzloyal
--- error_code: 400



=== TEST 20: a key of the wrong type on /features: 502, not 503
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request
GET /features/h_wrongtype
--- error_code: 502
--- response_body chomp
{"error":"store_corrupt","detail":"the stored state is corrupt"}
--- error_log
1 of 1 items got default features: 0 Redis errors or lost replies, 1 corrupted store values; first: user "h_wrongtype": WRONGTYPE



=== TEST 21: with rp_fallback 503 a batch holding bad users is still served
--- http_config eval: $::HttpConfig
--- config
    location = /b { rp_fallback 503; rp_predict_batch; }
--- request
POST /b
[{"user_id":"h_wrongtype","product_id":"p1"},{"user_id":"u_loyal","product_id":"p1"},{"user_id":"h_corrupt","product_id":"p1"}]
--- error_code: 200
--- response_body_like chomp
^\{"predictions":\[\{"user_id":"h_wrongtype",[^{]*"features_source":"default".*\{"user_id":"u_loyal",[^{]*"features_source":"store".*\{"user_id":"h_corrupt",[^{]*"features_source":"default".*"count":3,
--- grep_error_log eval
qr/\d+ of \d+ items got default features: \d+ Redis errors or lost replies, \d+ corrupted store values; first: user "\w+"/
--- grep_error_log_out
2 of 3 items got default features: 0 Redis errors or lost replies, 2 corrupted store values; first: user "h_wrongtype"



=== TEST 22: a wrong type counts as corrupt data, not as a Redis error
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
    location = /metrics { rp_metrics; }
--- request eval
[$::Wrong, "GET /metrics"]
--- response_body_like eval
[qr/"features_source":"default"/,
 qr/rp_redis_errors_total 0\n.*rp_fallbacks_total 1\n.*rp_store_corrupt_total 1\n/s]



=== TEST 23: failed items are logged at most 10 lines a second per worker
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- pipelined_requests eval
[($::Wrong) x 40]
--- error_code eval
[(200) x 40]
--- grep_error_log eval
qr/items got default features/
--- grep_error_log_out eval
qr/^(items got default features\n){1,30}$/
