# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# rp_redis_cluster on a real Redis Cluster (3 primaries, 3 replicas), whose
# store was copied from a single Redis filled by rp-train materialize
# (tests/cluster-fill.sh): every answer through the cluster must equal the
# single Redis' answer, computed by the same nginx at test time. Then MOVED
# after a slot moved by hand, ASK during a migration, CLUSTERDOWN, replica
# reads and configuration errors. Run by `make test-nginx-cluster`.

use Test::Nginx::Socket 'no_plan';
use HTTP::Tiny;
use IO::Socket::INET;

no_shuffle();

my $single = $ENV{TEST_NGINX_REDIS_PORT} or die "TEST_NGINX_REDIS_PORT unset";
our @ports = split ' ', ($ENV{RP_TEST_CLUSTER_PORTS} || '');
die "RP_TEST_CLUSTER_PORTS unset" unless @ports == 6;

sub cli { my $p = shift; my $out = `redis-cli -p $p @_`; chomp $out; $out }

# the primaries, and the primary of a slot (CLUSTER SLOTS, redis-cli's text)
sub primaries { grep { cli($_, 'role') =~ /^master/ } @ports }

sub owner {
    my $slot = shift;
    my @l = split /\n/, cli($ports[0], 'cluster slots');
    for (my $i = 0; $i + 3 < @l; $i++) {
        next unless $l[$i] =~ /^\d+$/ && $l[$i + 1] =~ /^\d+$/
                    && $l[$i + 2] =~ /^\d+\.\d+\.\d+\.\d+$/;
        return $l[$i + 3] if $slot >= $l[$i] && $slot <= $l[$i + 1];
    }
    return undef;
}

sub keyslot { cli($ports[0], 'cluster keyslot', "'rp:{$_[0]}'") }

# users in the store, and for each the first product it has a field for
our @users = map { /^rp:\{(.*)\}$/ ? $1 : () }
             split /\n/, cli($single, "--scan --pattern 'rp:*'");
our %product = map {
    my $u = $_;
    my ($p) = grep { /^p:/ } split /\n/, cli($single, 'hkeys', "'rp:{$u}'");
    ($u => defined $p ? substr($p, 2) : 'prod_none')
} @users;

my %by_owner;
push @{ $by_owner{ owner(keyslot($_)) } }, $_ for @users;
ok(scalar(keys %by_owner) == 3,
   "the store's users are on all three primaries ("
   . join(', ', map { "$_: " . scalar @{ $by_owner{$_} } } sort keys %by_owner)
   . ")");

# three users on three different primaries, for the slot tests
our ($u_moved, $u_ask, $u_down) = map { $by_owner{$_}[0] } sort keys %by_owner;

sub http {
    my ($method, $path, $body) = @_;
    my $r = HTTP::Tiny->new(timeout => 5)->request($method,
        "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}$path",
        { content => $body // '',
          headers => { 'Content-Type' => 'application/json' } });
    return ($r->{status}, $r->{content});
}

sub strip_time { my $s = shift; $s =~ s/"prediction_timestamp":"[^"]*"//g; $s }

# a response filter: "same" when the single Redis' location answers the
# same request alike (/c/... through the cluster, /s/... the single Redis);
# asked twice, since a fractional day may tick between two requests
sub same_as_single {
    my ($method, $path, $body) = @_;
    (my $spath = $path) =~ s{^/[cr]/}{/s/};
    return sub {
        my $got = shift;
        for my $try (1, 2) {
            my ($st, $want) = http($method, $spath, $body);
            return "same" if $st == 200 && strip_time($got) eq strip_time($want);
            return "cluster: $got\nsingle ($st): $want" if $try == 2;
            (undef, $got) = http($method, $path, $body);
        }
    };
}

# the worker has learned the whole map (GET / asks no node)
sub wait_map {
    my ($path, $nodes) = @_;
    for (1 .. 100) {
        my ($st, $h) = http('GET', $path);
        return if $h =~ /"slots_covered":16384/
                  && (!$nodes || $h =~ /"nodes_known":$nodes\b/);
        select(undef, undef, undef, 0.05);
    }
    die "no slot map at $path";
}

sub node_id { cli($_[0], 'cluster myid') }

# moves one slot with all its keys from its primary to another one
sub move_slot {
    my ($slot, $to) = @_;
    my $from = owner($slot);
    my ($fid, $tid) = (node_id($from), node_id($to));
    cli($to, "cluster setslot $slot importing $fid");
    cli($from, "cluster setslot $slot migrating $tid");
    for my $k (split /\n/, cli($from, "cluster getkeysinslot $slot 1000")) {
        cli($from, "migrate 127.0.0.1 $to '$k' 0 5000");
    }
    cli($_, "cluster setslot $slot node $tid") for primaries();
}

sub other_primary { my $p = shift; (grep { $_ != $p } primaries())[0] }

# a cluster advertises a replica in CLUSTER SLOTS once its replication
# offset, carried by the cluster bus, is not 0: after the first writes
sub wait_replicas {
    for (1 .. 100) {
        my $slots = cli($ports[0], 'cluster slots');
        my $ips = () = $slots =~ /^127\.0\.0\.1$/mg;
        my $ranges = () = $slots =~ /^\d+\n\d+\n127\.0\.0\.1$/mg;
        return if $ranges && $ips == 2 * $ranges;
        select(undef, undef, undef, 0.1);
    }
    die "the cluster does not advertise its replicas";
}

sub commandstat {
    my ($p) = @_;
    cli($p, 'info commandstats') =~ /cmdstat_hmget:calls=(\d+)/ ? $1 : 0;
}

our $seeds = join ' ', map { "127.0.0.1:$_" } @ports[0 .. 2];
our $batch = '[' . join(',', map {
    "{\"user_id\":\"$_\",\"product_id\":\"$product{$_}\"}" } @users,
    ) . ',{"user_id":"ghost_user","product_id":"p1"}]';

our $HttpConfig = <<"_EOC_";
    rp_model \$TEST_NGINX_MODEL;
    rp_redis_timeout 2s;   # generous: also right under valgrind
_EOC_

our $Config = <<"_EOC_";
    location /c/ {
        rp_redis_cluster $seeds;
        location = /c/ { rp_health; }
        location = /c/predict { rp_predict; }
        location = /c/batch { rp_predict_batch; }
        location /c/features/ { rp_features; }
    }
    location /s/ {
        rp_redis 127.0.0.1:$single;
        location = /s/predict { rp_predict; }
        location = /s/batch { rp_predict_batch; }
        location /s/features/ { rp_features; }
    }
    location /r/ {
        rp_redis_cluster $seeds;
        rp_redis_replica_reads on;
        location = /r/ { rp_health; }
        location /r/features/ { rp_features; }
    }
    location /d/ {
        rp_redis_cluster $seeds;
        rp_fallback 503;
        location = /d/predict { rp_predict; }
    }
    location = /metrics { rp_metrics; }
_EOC_

# a "node" that accepts connections and never answers
our $Hole = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 128,
                                  ReuseAddr => 1)
    or die "cannot bind: $!";
$ENV{TEST_NGINX_HOLE_PORT} = $Hole->sockport;

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

run_tests();

__DATA__

=== TEST 1: /features through the cluster equals the single Redis, every user and one unknown
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- init
::wait_map('/c/');
--- request eval
[map { "GET /c/features/$_" } @::users]
--- response_body_filters eval
[map { [::same_as_single('GET', "/c/features/$_")] } @::users]
--- response_body eval
[map { "same" } @::users]
--- no_error_log
[error]



=== TEST 2: an unknown user: 404 from both
--- request
GET /c/features/ghost_user
--- error_code: 404



=== TEST 3: /predict for each user and a product it bought
--- request eval
[map { "POST /c/predict\n{\"user_id\":\"$_\",\"product_id\":\"$::product{$_}\"}" } @::users]
--- response_body_filters eval
[map { [::same_as_single('POST', '/c/predict',
          "{\"user_id\":\"$_\",\"product_id\":\"$::product{$_}\"}")] } @::users]
--- response_body eval
[map { "same" } @::users]
--- no_error_log
[error]



=== TEST 4: a batch over every user (all three primaries) and an unknown one, in one request
--- request eval
"POST /c/batch\n$::batch"
--- response_body_filters eval
[::same_as_single('POST', '/c/batch', $::batch)]
--- response_body: same
--- error_log eval
my $n = scalar(@::users) + 1;
qr/rp cluster: $n commands out/



=== TEST 5: health: the map, every primary connected, no redirect
--- request
GET /c/
--- response_body_like chomp
^\{"status":"ok","model_loaded":true,"model_version":"test-v1","redis":"ready","cluster":\{"workers":1,"nodes_known":[36],"nodes_connected":3,"slots_covered":16384,"slot_map_age_seconds":\d+,"redirects":\{"moved":0,"ask":0\},"nodes":\[(\{"address":"127\.0\.0\.1:\d+","role":"(primary|replica)","up":(true|false),"ready_workers":[01],"connection":"[a-z_]+"\},?){3,6}\]\}\}$



=== TEST 6: MOVED: a slot moved to another primary by hand is followed, counted, and the map learns it
--- init
my $slot = ::keyslot($::u_moved);
::move_slot($slot, ::other_primary(::owner($slot)));
--- request eval
"GET /c/features/$::u_moved"
--- response_body_filters eval
[::same_as_single('GET', "/c/features/$::u_moved")]
--- response_body: same
--- error_log eval
qr/rp cluster: item 0 MOVED slot \d+, to "127\.0\.0\.1:\d+"/
--- no_error_log
[error]



=== TEST 6b: MOVED: the next read goes to the new owner directly
--- request eval
["GET /c/features/$::u_moved", "GET /c/"]
--- response_body_filters eval
[[::same_as_single('GET', "/c/features/$::u_moved")], []]
--- response_body_like eval
["^same\$", qr/"redirects":\{"moved":1,"ask":0\}/]
--- no_error_log
[error]



=== TEST 7: ASK: a key already migrated out of a migrating slot is read with ASKING, twice (the map is not changed)
--- init
my $slot = ::keyslot($::u_ask);
my $from = ::owner($slot);
my $to = ::other_primary($from);
$::ask = [$slot, $from, $to];
::cli($to, "cluster setslot $slot importing " . ::node_id($from));
::cli($from, "cluster setslot $slot migrating " . ::node_id($to));
::cli($from, "migrate 127.0.0.1 $to 'rp:{$::u_ask}' 0 5000");
--- request eval
"GET /c/features/$::u_ask"
--- response_body_filters eval
[::same_as_single('GET', "/c/features/$::u_ask")]
--- response_body: same
--- error_log eval
qr/rp cluster: item 0 ASK slot \d+, to "127\.0\.0\.1:\d+"/
--- no_error_log
[error]



=== TEST 7b: ASK again: the map still names the migrating node
--- request eval
["GET /c/features/$::u_ask", "GET /c/"]
--- response_body_filters eval
[[::same_as_single('GET', "/c/features/$::u_ask")], []]
--- response_body_like eval
["^same\$", qr/"redirects":\{"moved":1,"ask":2\}/]
--- no_error_log
[error]



=== TEST 8: the migration ends: MOVED once, then the new owner directly
--- init
my ($slot, $from, $to) = @$::ask;
::move_slot($slot, $to);
--- request eval
["GET /c/features/$::u_ask", "GET /c/features/$::u_ask", "GET /c/"]
--- response_body_filters eval
[[::same_as_single('GET', "/c/features/$::u_ask")],
 [::same_as_single('GET', "/c/features/$::u_ask")], []]
--- response_body_like eval
["^same\$", "^same\$", qr/"redirects":\{"moved":2,"ask":2\}/]



=== TEST 9: replica reads: every HMGET goes to a replica (INFO commandstats of the nodes)
--- http_config eval: $::HttpConfig
--- config eval: $::Config
--- init
::wait_replicas();
::wait_map('/r/', 6);
::cli($_, 'config resetstat') for @::ports;
--- request eval
[(map { "GET /r/features/$_" } @::users), "GET /r/"]
--- response_body_filters eval
[(map { [::same_as_single('GET', "/r/features/$_")] } @::users),
 [sub {
     my ($rep, $pri) = (0, 0);
     for my $p (@::ports) {
         if (::cli($p, 'role') =~ /^master/) { $pri += ::commandstat($p) }
         else { $rep += ::commandstat($p) }
     }
     "replicas $rep primaries $pri";
 }]]
--- response_body eval
[(map { "same" } @::users), "replicas " . scalar(@::users) . " primaries 0"]
--- no_error_log
[error]



=== TEST 10: CLUSTERDOWN (a slot no node serves): default features, 503 with rp_fallback 503, others still from the store
--- init
my $slot = ::keyslot($::u_down);
::cli($_, 'config set cluster-require-full-coverage no') for @::ports;
::cli($_, "cluster delslots $slot") for ::primaries();
--- request eval
"POST /c/predict\n{\"user_id\":\"$::u_down\",\"product_id\":\"p1\"}"
--- response_body_like: "features_source":"default"
--- error_log eval
qr/rp cluster: "127\.0\.0\.1:\d+": CLUSTERDOWN Hash slot not served/



=== TEST 10b: CLUSTERDOWN with rp_fallback 503; another user still from the store
--- request eval
["POST /d/predict\n{\"user_id\":\"$::u_down\",\"product_id\":\"p1\"}",
 "POST /c/predict\n{\"user_id\":\"$::u_moved\",\"product_id\":\"p1\"}"]
--- error_code eval
[503, 200]
--- response_body_like eval
[qr/"error":"store_unavailable"/, qr/"features_source":"store"/]



=== TEST 11: rp_redis and rp_redis_cluster in one block
--- http_config
    rp_redis 127.0.0.1:6379;
    rp_redis_cluster 127.0.0.1:7000;
--- config
--- must_die
--- error_log
"rp_redis_cluster" directive cannot be used with "rp_redis" in the same block



=== TEST 12: rp_redis_cluster then rp_redis in one block
--- http_config
    rp_redis_cluster 127.0.0.1:7000;
    rp_redis 127.0.0.1:6379;
--- config
--- must_die
--- error_log
"rp_redis" directive cannot be used with "rp_redis_cluster" in the same block



=== TEST 13: a bad seed address
--- http_config
    rp_redis_cluster 127.0.0.1:7000 127.0.0.1:notaport;
--- config
--- must_die
--- error_log
rp_redis_cluster "127.0.0.1:notaport": invalid port



=== TEST 14: a seed name that does not resolve
--- http_config
    rp_redis_cluster no-such-host.invalid:7000;
--- config
--- must_die
--- error_log
rp_redis_cluster "no-such-host.invalid:7000": host not found



=== TEST 15: rp_redis_db with a cluster
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_cluster 127.0.0.1:7000;
    rp_redis_db 2;
--- config
    location = /predict { rp_predict; }
--- must_die
--- error_log
rp_redis_db 2: a Redis Cluster has database 0 only



=== TEST 16: a location may use rp_redis under an http-level cluster (no mix inherited)
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_cluster 127.0.0.1:1;
    rp_redis_timeout 2s;
--- config eval
"location = /s/predict { rp_redis 127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT}; rp_predict; }"
--- request eval
"POST /s/predict\n{\"user_id\":\"$::users[0]\",\"product_id\":\"p1\"}"
--- response_body_like chomp
"features_source":"store"



=== TEST 17: a node that never answers: the request times out, its part is detached, the node hears of it
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_cluster 127.0.0.1:$TEST_NGINX_HOLE_PORT;
    rp_redis_timeout 200ms;
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"p1"}
--- response_body_like: "features_source":"default"
--- error_log eval
[qr/\[debug\] .*rp cluster: item 0, slot \d+, to "127\.0\.0\.1:\d+"/,
 qr/\[debug\] .*rp cluster: 1 commands out/,
 qr/\[debug\] .*rp lookup: timed out after 200ms/,
 qr/\[debug\] .*rp redis: batch \S+ detached, 0 of 1 replies in/,
 qr/\[debug\] .*rp cluster: "127\.0\.0\.1:\d+" did not answer in time/,
 qr/\[debug\] .*rp redis: "127\.0\.0\.1:\d+" timeout, 1 in a row/,
 qr/\[warn\] .*rp: redis "127\.0\.0\.1:\d+" did not answer within 200ms/]
--- timeout: 3



=== TEST 18: the whole cluster starts requiring a password (for the next block's nginx)
--- config
    location = /t { return 200 "ok"; }
--- init
::cli($_, 'config set masterauth rp-test-pw') for @::ports;
::cli($_, 'config set requirepass rp-test-pw') for @::ports;
--- request
GET /t
--- response_body: ok



=== TEST 19: a password applies to every node; without it the cluster is auth_failed
--- http_config eval: $::HttpConfig
--- config eval
my $seeds = $::seeds;
"location /c/ {
    rp_redis_cluster $seeds;
    rp_redis_password rp-test-pw;
    location = /c/ { rp_health; }
    location /c/features/ { rp_features; }
}
location /n/ {
    rp_redis_cluster $seeds;
    location = /n/ { rp_health; }
    location = /n/predict { rp_predict; }
}
location /s/ {
    rp_redis 127.0.0.1:$ENV{TEST_NGINX_REDIS_PORT};
    location /s/features/ { rp_features; }
}"
--- request eval
["GET /c/features/$::u_moved", "GET /c/features/$::u_ask",
 "POST /n/predict\n{\"user_id\":\"$::u_moved\",\"product_id\":\"p1\"}", "GET /n/"]
--- response_body_filters eval
[[::same_as_single('GET', "/c/features/$::u_moved")],
 [::same_as_single('GET', "/c/features/$::u_ask")], [], []]
--- response_body_like eval
["^same\$", "^same\$", qr/"features_source":"default"/,
 qr/"status":"degraded".*"redis":"auth_failed".*"connection":"auth_failed"/]
