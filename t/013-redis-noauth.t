# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# A Redis that starts requiring a password the module does not have: every
# command answers NOAUTH although the connect succeeds. The worker must say
# so (health, metrics), fall back, and retry with a growing backoff, not
# count each successful connect as a recovery.
#
# This file starts its own redis-server on a free port and stops it by PID;
# requirepass is set with CONFIG SET after it started, before nginx
# connects (a connection authenticated before the change stays so: the
# module meets NOAUTH when it reconnects).

use Test::Nginx::Socket 'no_plan';
use IO::Socket::INET;
use File::Temp qw(tempdir);

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

our $Dir = tempdir(CLEANUP => 1);
my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                              Proto => 'tcp', Listen => 1, ReuseAddr => 1)
    or die "cannot bind: $!";
$ENV{TEST_NGINX_AUTH_REDIS_PORT} = $s->sockport;
close $s;

my $port = $ENV{TEST_NGINX_AUTH_REDIS_PORT};
system("redis-server --port $port --bind 127.0.0.1 --save '' "
       . "--appendonly no --daemonize yes --pidfile $Dir/redis.pid "
       . "--dir $Dir --logfile $Dir/redis.log") == 0
    or die "redis-server failed";

for (1 .. 100) {
    last if system("redis-cli -p $port PING >/dev/null 2>&1") == 0;
    select(undef, undef, undef, 0.05);
}

system("redis-cli -p $port CONFIG SET requirepass rp-test-secret "
       . ">/dev/null") == 0
    or die "redis-cli CONFIG SET failed";

END {
    if (defined $Dir && open my $fh, '<', "$Dir/redis.pid") {
        my $pid = <$fh>;
        kill 'TERM', $1 if defined $pid && $pid =~ /^(\d+)/;
    }
}

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_AUTH_REDIS_PORT;
    rp_redis_timeout 2s;
_EOC_

run_tests();

__DATA__

=== TEST 1: NOAUTH: default features, health and metrics say auth_failed
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
    location = / { rp_health; }
    location = /metrics { rp_metrics; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}",
 "GET /", "GET /metrics"]
--- error_code eval
[200, 200, 200]
--- response_body_like eval
[qr/"features_source":"default"/,
 qr/^\{"status":"degraded","model_loaded":true,"model_version":"test-v1","redis":"auth_failed"\}$/,
 qr/rp_redis_up\{address="127\.0\.0\.1:\d+"\} 0\n.*rp_redis_auth_failed\{address="127\.0\.0\.1:\d+"\} 1\n/s]



=== TEST 2: NOAUTH: reconnects back off instead of looping
--- http_config eval: $::HttpConfig
--- config
    location = /t { return 200 "alive\n"; }
--- request
GET /t
--- response_body
alive
--- wait: 2
--- grep_error_log eval
qr/setup \(AUTH\/SELECT\/PING\) failed: NOAUTH/
--- grep_error_log_out eval
qr/^(setup \(AUTH\/SELECT\/PING\) failed: NOAUTH\n){2,8}$/
