# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# A bad model file is a clear error when the configuration is loaded
# (nginx -t, start, reload), naming the file and the problem.

use Test::Nginx::Socket 'no_plan';

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

run_tests();

__DATA__

=== TEST 1: truncated file
--- http_config
    rp_model $TEST_NGINX_MODEL_DIR/truncated.rpf;
--- config
    location = /predict { rp_predict; rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_model ".*truncated\.rpf": .*file size 100/



=== TEST 2: one flipped byte: the checksum catches it
--- http_config
    rp_model $TEST_NGINX_MODEL_DIR/flipped.rpf;
--- config
    location = /predict { rp_predict; rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_model ".*flipped\.rpf": .*checksum/



=== TEST 3: missing file
--- http_config
    rp_model $TEST_NGINX_MODEL_DIR/no-such-model.rpf;
--- config
    location = /predict { rp_predict; rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_model ".*no-such-model\.rpf": .*(No such file|cannot open)/



=== TEST 4: not a model at all
--- http_config
    rp_model $TEST_NGINX_MODEL_DIR/garbage.rpf;
--- config
    location = /predict { rp_predict; rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_model ".*garbage\.rpf": /



=== TEST 5: a Redis hostname that does not resolve is refused at load
--- http_config
    rp_model $TEST_NGINX_MODEL;
--- config
    location = /predict { rp_predict; rp_redis no-such-host.invalid:6379; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_redis "no-such-host\.invalid:6379": host not found/



=== TEST 6: rp_predict without rp_model
--- config
    location = /predict { rp_predict; rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT; }
--- must_die
--- error_log eval
qr/\[emerg\] .*needs "rp_model"/



=== TEST 7: a bad rp_fallback value
--- http_config
    rp_model $TEST_NGINX_MODEL;
--- config
    location = /predict { rp_fallback maybe; rp_predict; rp_redis 127.0.0.1:1; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "maybe"/



=== TEST 8: rp_max_batch 0 is refused
--- http_config
    rp_model $TEST_NGINX_MODEL;
--- config
    location = /b { rp_max_batch 0; rp_predict_batch; rp_redis 127.0.0.1:1; }
--- must_die
--- error_log eval
qr/\[emerg\] .*value must be between 1 and 100000/



=== TEST 9: a good model loads; identical paths share one mapping
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /a { rp_model $TEST_NGINX_MODEL; rp_model_info; }
    location = /b { rp_model_info; }
--- request
GET /a
--- error_code: 200
--- response_body_like chomp
^\{"model_version":"test-v1",
--- no_error_log
[error]
[emerg]
