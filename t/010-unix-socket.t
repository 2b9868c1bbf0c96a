# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# rp_redis unix:PATH. This file starts its own redis-server on a unix
# socket (plus a loopback port for loading the fixture with rp-train
# materialize) and stops it by PID at the end.

use Test::Nginx::Socket 'no_plan';
use File::Temp ();
use IO::Socket::INET;

# the POST endpoints want "Content-Type: application/json" (415 otherwise);
# a block that sets its own headers says what it sends
add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

our $Dir = File::Temp::tempdir("rp-unix.XXXXXX", TMPDIR => 1, CLEANUP => 1);

my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                              Proto => 'tcp', Listen => 1, ReuseAddr => 1)
    or die "cannot bind: $!";
my $port = $s->sockport;
close $s;

system("redis-server --port $port --bind 127.0.0.1 --unixsocket $Dir/redis.sock"
       . " --save '' --appendonly no --daemonize yes --dir $Dir"
       . " --pidfile $Dir/redis.pid --logfile $Dir/redis.log") == 0
    or die "redis-server failed";

for (1 .. 100) {
    last if -S "$Dir/redis.sock" && -s "$Dir/redis.pid";
    select(undef, undef, undef, 0.05);
}

my $train = $ENV{TEST_NGINX_RP_TRAIN} || 'build/rp-train';
system("$train materialize t/data/events.csv --redis 127.0.0.1:$port -q") == 0
    or die "rp-train materialize failed";

$ENV{TEST_NGINX_REDIS_SOCK} = "$Dir/redis.sock";

END {
    if (open my $fh, '<', "$Dir/redis.pid") {
        my $pid = <$fh>;
        chomp $pid;
        kill 'TERM', $pid if $pid;
        select(undef, undef, undef, 0.2);
    }
}

repeat_each(2);

run_tests();

__DATA__

=== TEST 1: /predict over a unix socket
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis unix:$TEST_NGINX_REDIS_SOCK;
    rp_redis_timeout 2s;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- error_code: 200
--- response_body_like chomp
"repeat_purchase_probability":0\.5,.*"features_source":"store"
--- no_error_log
[error]



=== TEST 2: health over a unix socket
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis unix:$TEST_NGINX_REDIS_SOCK;
    rp_redis_timeout 2s;   # the first request waits for connect and PING
--- config
    location = / { rp_health; }
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"}", "GET /"]
--- error_code eval
[200, 200]
--- response_body_like eval
[qr/"features_source":"store"/, qr/"redis":"ready"/]
