# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# rp_redis_password_file, hostnames in rp_redis (resolved when the
# configuration is read), the errno of a failed connect, and the metrics'
# label escaping.
#
# This file starts its own redis-server with a password on a free port and
# stops it by PID at the end; the hostname blocks use the shared test Redis
# (TEST_NGINX_REDIS_PORT, loaded with t/data/events.csv).

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use File::Temp qw(tempdir);

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

our $Dir = tempdir("rp-conf.XXXXXX", TMPDIR => 1, CLEANUP => 1);

my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                              Proto => 'tcp', Listen => 1, ReuseAddr => 1)
    or die "cannot bind: $!";
my $port = $s->sockport;
close $s;
$ENV{TEST_NGINX_AUTH_REDIS_PORT} = $port;

system("redis-server --port $port --bind 127.0.0.1 --save '' "
       . "--appendonly no --daemonize yes --pidfile $Dir/redis.pid "
       . "--dir $Dir --logfile $Dir/redis.log "
       . "--requirepass 'rp file secret'") == 0
    or die "redis-server failed";

for (1 .. 100) {
    last if system("redis-cli -p $port -a 'rp file secret' --no-auth-warning "
                   . "PING >/dev/null 2>&1") == 0;
    select(undef, undef, undef, 0.05);
}

END {
    if (defined $Dir && open my $fh, '<', "$Dir/redis.pid") {
        my $pid = <$fh>;
        kill 'TERM', $1 if defined $pid && $pid =~ /^(\d+)/;
    }
}

# a password file only its owner reads, as an operator would make it
sub secret_file {
    my ($name, $text, $mode) = @_;
    open my $fh, '>', "$Dir/$name" or die "$Dir/$name: $!";
    print $fh $text;
    close $fh;
    chmod $mode, "$Dir/$name";
}

secret_file("pw", "rp file secret\n", 0600);
secret_file("pw-crlf", "rp file secret\r\n", 0600);
secret_file("pw-wrong", "not the secret\n", 0600);
secret_file("pw-empty", "\n", 0600);
$ENV{TEST_NGINX_SECRETS} = $Dir;

# A model whose version has a quote and a backslash (the loader allows
# printable ASCII only), at a path with a tab, a newline, a quote and a
# backslash: every label escape the text format has, and a tab that must
# stay a tab.
mkdir "$Dir/odd\tdir\n\"q\\";
my $mk = ($ENV{TEST_NGINX_MODEL_DIR} || 'build/t') . '/mkmodel';
system($mk, "$Dir/odd\tdir\n\"q\\/m.rpf", 'v"1\\x') == 0
    or die "mkmodel failed";
# mkmodel's model.json does not escape the version; the module serves a
# model without one
unlink "$Dir/odd\tdir\n\"q\\/m.json";

run_tests();

__DATA__

=== TEST 1: rp_redis_password_file: the secret without its newline
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file $TEST_NGINX_SECRETS/pw;
--- config
    location = / { rp_health; }
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}", "GET /"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"(default|store)"/, qr/"redis":"ready"/]
--- no_error_log
readable by every user
[error]



=== TEST 2: rp_redis_password_file: a CRLF line end is stripped too
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file $TEST_NGINX_SECRETS/pw-crlf;
--- config
    location = / { rp_health; }
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}", "GET /"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"(default|store)"/, qr/"redis":"ready"/]
--- no_error_log
[error]



=== TEST 3: a wrong password in the file: refused like rp_redis_password
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file $TEST_NGINX_SECRETS/pw-wrong;
--- config
    location = / { rp_health; }
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}", "GET /"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"default"/, qr/"redis":"auth_failed"/]



=== TEST 4: a relative path is relative to the configuration directory
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file ../html/redis-secret;
--- config
    location = / { rp_health; }
    location = /predict { rp_predict; }
--- user_files
>>> redis-secret
rp file secret
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}", "GET /"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"(default|store)"/, qr/"redis":"ready"/]



=== TEST 5: a password file every user may read is taken, with a warning
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_password_file ../html/redis-secret;
--- config
    location = /t { return 200 "alive\n"; }
--- user_files
>>> redis-secret
rp file secret
--- request
GET /t
--- response_body
alive
--- error_log eval
qr/\[warn\] .*rp_redis_password_file ".*redis-secret" is readable by every user \(mode 644\)/



=== TEST 6: an empty password file is refused
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file $TEST_NGINX_SECRETS/pw-empty;
--- config
    location = / { rp_health; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_redis_password_file ".*pw-empty" is empty/



=== TEST 7: a missing password file is refused with the reason
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file $TEST_NGINX_SECRETS/no-such-file;
--- config
    location = / { rp_health; }
--- must_die
--- error_log eval
qr/\[emerg\] .*rp_redis_password_file ".*no-such-file": cannot open \(2: No such file or directory\)/



=== TEST 8: the file and rp_redis_password in one block: refused
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
    rp_redis_password_file $TEST_NGINX_SECRETS/pw;
    rp_redis_password "rp file secret";
--- config
    location = / { rp_health; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"rp_redis_password" directive cannot be used with "rp_redis_password_file" in the same block/



=== TEST 9: the other order: refused too
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_password "rp file secret";
    rp_redis_password_file $TEST_NGINX_SECRETS/pw;
--- config
    location = / { rp_health; }
--- must_die
--- error_log eval
qr/\[emerg\] .*"rp_redis_password_file" directive cannot be used with "rp_redis_password" in the same block/



=== TEST 10: a hostname is resolved when the configuration is read
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis localhost:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
--- config
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}",
 "POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}"]
--- response_body_like eval
[qr/"features_source":"(default|store)"/, qr/"features_source":"store"/]
--- no_error_log
[error]



=== TEST 11: without a port, Redis' 6379
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1;
--- config
    location = /metrics { rp_metrics; }
--- request
GET /metrics
--- response_body_like chomp
rp_redis_up\{address="127\.0\.0\.1"\}



=== TEST 12: a refused connect is logged with its errno, as nginx does
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:1;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- wait: 0.2
--- response_body_like chomp
"features_source":"default"
--- error_log eval
qr/\[error\] .*rp: redis "127\.0\.0\.1:1": connect\(\) to 127\.0\.0\.1 failed \(111: Connection refused\)/



=== TEST 13: label values: only backslash, quote and newline escaped
--- http_config
    rp_model "$TEST_NGINX_SECRETS/odd\tdir\n\"q\\/m.rpf";
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /metrics { rp_metrics; }
--- request
GET /metrics
--- response_body_like eval
qr/^rp_model_info\{version="v\\"1\\\\x",path="[^"\n]*\/odd\tdir\\n\\"q\\\\\/m\.rpf",trees="3"\} 1$/m



=== TEST 14: build information and the model's training time
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
--- config
    location = /metrics { rp_metrics; }
--- request
GET /metrics
--- response_body_like eval
qr/^rp_model_trained_timestamp_seconds\{version="test-v1",path="[^"]*model\.rpf"\} 1700000000\n.*^# TYPE rp_build_info gauge\nrp_build_info\{version="\d+\.\d+\.\d+[^"]*",nginx_version="\d+\.\d+\.\d+",compiler="[^"]+",simd_cpu="(portable|avx2|avx512)"\} 1$/ms
