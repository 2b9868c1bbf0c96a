# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# The cluster in GET / and /metrics with two workers: each worker learns
# the map and connects by itself, and every scrape must show the same
# combined view whichever worker serves it (told by the X-Pid header),
# also after a reload. Then a primary killed by its PID: once the workers noticed, every
# scrape shows it down. Run by `make test-nginx-cluster`, on a cluster of
# its own (scripts/with-redis-cluster).

use Test::Nginx::Socket 'no_plan';
use HTTP::Tiny;
use File::Temp qw(tempfile);

no_shuffle();
master_on();
workers(2);

our @ports = split ' ', ($ENV{RP_TEST_CLUSTER_PORTS} || '');
die "RP_TEST_CLUSTER_PORTS unset" unless @ports == 6;
my $dir = $ENV{RP_TEST_CLUSTER_DIR} or die "RP_TEST_CLUSTER_DIR unset";
my $single = $ENV{TEST_NGINX_REDIS_PORT} or die "TEST_NGINX_REDIS_PORT unset";

sub cli { my $p = shift; my $out = `redis-cli -p $p @_`; chomp $out; $out }

our @users = map { /^rp:\{(.*)\}$/ ? $1 : () }
             split /\n/, cli($single, "--scan --pattern 'rp:*'");
our @primaries = grep { cli($_, 'role') =~ /^master/ } @ports;

# a new connection per request, so that the kernel spreads them over
# both workers
sub http {
    my ($method, $path, $body) = @_;
    my $r = HTTP::Tiny->new(timeout => 5, keep_alive => 0)->request($method,
        "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}$path",
        { content => $body // '',
          headers => { 'Content-Type' => 'application/json' } });
    return ($r->{status}, $r->{content}, $r->{headers}{'x-pid'} // '');
}

# what must not depend on the worker: GET / without the map's age (it
# ticks), and the cluster's lines of /metrics without it
sub health_view {
    my ($st, $b, $pid) = http('GET', '/c/');
    $b =~ s/"slot_map_age_seconds":\d+/"slot_map_age_seconds":N/;
    return ($b, $pid);
}

sub metrics_view {
    my ($st, $b, $pid) = http('GET', '/metrics');
    my $v = join "\n", grep { /^rp_redis_cluster_/ && !/slot_map_age/ }
                       split /\n/, $b;
    return ($v, $pid);
}

sub node_re {
    my ($port, $rest) = @_;
    qr/\{"address":"127\.0\.0\.1:$port","role":"[a-z]+",$rest/;
}

# reads until every worker is connected to every primary
sub warm {
    for my $round (1 .. 40) {
        for my $u (@users) {
            http('POST', '/c/predict', "{\"user_id\":\"$u\",\"product_id\":\"p1\"}");
        }
        my ($h) = health_view();
        return 1 if $h =~ /"workers":2,/
                    && !grep { $h !~ node_re($_, '"up":true,"ready_workers":2,') }
                            @primaries;
    }
    return 0;
}

# scrapes (at least 30, until both workers answered): the distinct views
# and the workers seen
sub scrapes {
    my ($view, $check) = @_;
    my (%views, %pids);
    for my $i (1 .. 200) {
        my ($v, $pid) = $view->();
        $views{$v}++;
        $pids{$pid}++;
        last if $i >= 30 && keys(%pids) >= 2;
    }
    return (scalar(keys %views), scalar(keys %pids), [keys %views]);
}

our $seeds = join ' ', map { "127.0.0.1:$_" } @ports[0 .. 2];

our $Config = <<"_EOC_";
    add_header X-Pid \$pid always;
    location /c/ {
        rp_redis_cluster $seeds;
        location = /c/ { rp_health; }
        location = /c/predict { rp_predict; }
    }
    location = /metrics { rp_metrics; }
_EOC_

run_tests();

__DATA__

=== TEST 1: two workers, every primary read by both: every scrape of GET / and /metrics is the same, from both workers; promtool passes
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_timeout 2s;
--- config eval: $::Config
--- request
GET /c/
--- response_body_filters eval
[sub {
    return "not warm" unless ::warm();
    my ($nh, $ph, $hv) = ::scrapes(\&::health_view);
    my ($nm, $pm, $mv) = ::scrapes(\&::metrics_view);
    my ($fh, $fname) = File::Temp::tempfile();
    my (undef, $m) = ::http('GET', '/metrics');
    print $fh $m;
    close $fh;
    my $promtool = system("promtool check metrics < $fname >/dev/null 2>&1")
                   == 0 ? "promtool ok" : "promtool failed";
    unlink $fname;
    my $h = $hv->[0];
    my $up = grep { $h =~ ::node_re($_, '"up":true,"ready_workers":2,"connection":"ready"') } @::primaries;
    "health: $nh view from $ph workers ($h)\n"
    . "metrics: $nm view from $pm workers\n$promtool\nprimaries up: $up\n"
    . ($mv->[0] =~ /^rp_redis_cluster_workers\{cluster="[^"]+"\} 2$/m
       ? "metrics workers 2" : "metrics: $mv->[0]") . "\n"
    . CORE::join("\n", map { my $p = $_; $mv->[0] =~ /^rp_redis_cluster_node_up\{cluster="[^"]+",address="127\.0\.0\.1:$p",role="primary"\} 1$/m
                       ? "node_up 1" : "node_up? $p" } @::primaries) . "\n";
}]
--- response_body_like eval
qr/^health: 1 view from 2 workers \(\{"status":"ok".*"redis":"ready","cluster":\{"workers":2,"nodes_known":\d+,"nodes_connected":3,"slots_covered":16384,"slot_map_age_seconds":N,.*\)
metrics: 1 view from 2 workers
promtool ok
primaries up: 3
metrics workers 2
node_up 1
node_up 1
node_up 1
$/s
--- timeout: 60



=== TEST 2: after a reload (SIGHUP to the master): the new workers' views only, the same from both
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_timeout 2s;
--- config eval: $::Config
--- request
GET /c/
--- response_body_filters eval
[sub {
    return "not warm" unless ::warm();
    open my $f, '<', $Test::Nginx::Util::PidFile or return "no pid file";
    my $master = <$f>;
    close $f;
    CORE::chomp($master);
    my (undef, undef, $old) = ::http('GET', '/c/');
    kill('HUP', $master) or return "cannot signal $master";
    # the new generation answers: a worker pid not seen before the reload
    my %old = ($old => 1);
    for (1 .. 50) { my (undef, undef, $p) = ::http('GET', '/c/'); $old{$p} = 1 }
    for (1 .. 100) {
        my (undef, undef, $p) = ::http('GET', '/c/');
        last if !$old{$p};
        select(undef, undef, undef, 0.05);
    }
    return "not warm after the reload" unless ::warm();
    my ($nh, $ph, $hv) = ::scrapes(\&::health_view);
    "health: $nh view from $ph workers\n"
    . ($hv->[0] =~ /"cluster":\{"workers":2,/ ? "workers 2" : "workers? $hv->[0]")
    . "\n";
}]
--- response_body
health: 1 view from 2 workers
workers 2
--- timeout: 60



=== TEST 3: a primary killed by its PID: once the workers noticed, every scrape from either worker shows it down
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_timeout 2s;
--- config eval: $::Config
--- request
GET /c/
--- response_body_filters eval
[sub {
    return "not warm" unless ::warm();
    my $p = $::primaries[0];
    my $pid = `cat $ENV{RP_TEST_CLUSTER_DIR}/redis-$p.pid`;
    CORE::chomp($pid);
    kill 'KILL', $pid or return "cannot kill $p ($pid)";
    my $noticed = 0;
    for (1 .. 100) {
        my ($h) = ::health_view();
        if ($h =~ ::node_re($p, '"up":false,"ready_workers":0,')) {
            $noticed = 1;
            last;
        }
        select(undef, undef, undef, 0.05);
    }
    return "never seen down" unless $noticed;
    my (%pids, $down, $n, $mdown);
    for my $i (1 .. 200) {
        my ($h, $pid) = ::health_view();
        my ($m, $mpid) = ::metrics_view();
        $pids{$pid}++;
        $pids{$mpid}++;
        $n++;
        $down++ if $h =~ ::node_re($p, '"up":false,"ready_workers":0,');
        $mdown++ if $m =~ /^rp_redis_cluster_node_up\{cluster="[^"]+",address="127\.0\.0\.1:$p",role="[a-z]+"\} 0$/m;
        last if $i >= 30 && keys(%pids) >= 2;
    }
    "workers " . scalar(keys %pids) . ", down in " . ($down // 0) . " of $n health, "
    . ($mdown // 0) . " of $n metrics\n";
}]
--- response_body_like eval
qr/^workers 2, down in (\d+) of \1 health, \1 of \1 metrics$/
--- timeout: 60
