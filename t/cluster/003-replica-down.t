# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# rp_redis_replica_reads on when a slot's replica is down: the replica is
# killed by its PID (RP_TEST_CLUSTER_DIR), and once the worker noticed,
# the reads of its primary's slots go to that primary (INFO commandstats
# of every node) and answer from the store, as a single Redis holding the
# same events does. Then another replica stopped (SIGSTOP): it accepts
# connections and never answers, so reads time out until the worker gives
# up on its connection; the test measures how long that takes, then
# checks the reads go to the primary, and resumes it (SIGCONT). Run by `make test-nginx-cluster`, on a cluster of its
# own (scripts/with-redis-cluster).

use Test::Nginx::Socket 'no_plan';
use HTTP::Tiny;
use Time::HiRes ();

no_shuffle();

my $single = $ENV{TEST_NGINX_REDIS_PORT} or die "TEST_NGINX_REDIS_PORT unset";
our @ports = split ' ', ($ENV{RP_TEST_CLUSTER_PORTS} || '');
die "RP_TEST_CLUSTER_PORTS unset" unless @ports == 6;
die "RP_TEST_CLUSTER_DIR unset" unless $ENV{RP_TEST_CLUSTER_DIR};

sub cli { my $p = shift; my $out = `redis-cli -p $p @_`; chomp $out; $out }

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

our @users = map { /^rp:\{(.*)\}$/ ? $1 : () }
             split /\n/, cli($single, "--scan --pattern 'rp:*'");

# the primary with the most users, its users, and its replica's port
# (ROLE on a primary: master, offset, then ip, port, offset per replica)
my %by_owner;
push @{ $by_owner{ owner(keyslot($_)) } }, $_ for @users;
our ($primary) = sort { @{ $by_owner{$b} } <=> @{ $by_owner{$a} } }
                 keys %by_owner;
our @pusers = @{ $by_owner{$primary} };
our ($replica) = (split /\n/, cli($primary, 'role'))[3];
die "no replica of $primary" unless $replica && $replica =~ /^\d+$/;

# another primary, and its replica, for the stopped replica
our ($primary2) = grep { $_ != $primary } sort keys %by_owner;
our @pusers2 = @{ $by_owner{$primary2} };
our ($replica2) = (split /\n/, cli($primary2, 'role'))[3];
die "no replica of $primary2" unless $replica2 && $replica2 =~ /^\d+$/;

sub http {
    my ($method, $path) = @_;
    my $r = HTTP::Tiny->new(timeout => 5)->request($method,
        "http://127.0.0.1:$ENV{TEST_NGINX_SERVER_PORT}$path");
    return ($r->{status}, $r->{content});
}

sub strip_time { my $s = shift; $s =~ s/"prediction_timestamp":"[^"]*"//g; $s }

sub same_as_single {
    my ($path) = @_;
    (my $spath = $path) =~ s{^/r/}{/s/};
    return sub {
        my $got = shift;
        for my $try (1, 2) {
            my ($st, $want) = http('GET', $spath);
            return "same" if $st == 200 && strip_time($got) eq strip_time($want);
            return "cluster: $got\nsingle ($st): $want" if $try == 2;
            (undef, $got) = http('GET', $path);
        }
    };
}

sub node_state {
    my ($h, $port) = @_;
    $h =~ /\{"address":"127\.0\.0\.1:$port","role":"([a-z]+)","up":(true|false),/
        ? "$1 $2" : "absent";
}

# until GET /r/ says so, or 5 s
sub wait_health {
    my ($cond) = @_;
    for (1 .. 100) {
        my (undef, $h) = http('GET', '/r/');
        return 1 if $cond->($h);
        select(undef, undef, undef, 0.05);
    }
    return 0;
}

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

sub hmgets {
    my ($p) = @_;
    cli($p, 'info commandstats') =~ /cmdstat_hmget:calls=(\d+)/ ? $1 : 0;
}

our $seeds = join ' ', map { "127.0.0.1:$_" } @ports[0 .. 2];

our $Config = <<"_EOC_";
    location /r/ {
        rp_redis_cluster $seeds;
        rp_redis_replica_reads on;
        location = /r/ { rp_health; }
        location /r/features/ { rp_features; }
    }
    location /s/ {
        rp_redis 127.0.0.1:$single;
        location /s/features/ { rp_features; }
    }
_EOC_

run_tests();

__DATA__

=== TEST 1: the replica read first, then killed: the worker sees it down, and its primary's users are read from the primary and answered from the store
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_timeout 2s;
--- config eval: $::Config
--- init
::wait_replicas();
--- request eval
[(map { "GET /r/features/$_" } @::users), "GET /r/",
 (map { "GET /r/features/$_" } @::pusers), "GET /r/"]
--- response_body_filters eval
[(map { [::same_as_single("/r/features/$_")] } @::users),
 [sub {
     my $h = shift;
     my $before = ::node_state($h, $::replica);
     my $pid = `cat $ENV{RP_TEST_CLUSTER_DIR}/redis-$::replica.pid`;
     CORE::chomp($pid);
     kill('KILL', $pid) or return "cannot kill $::replica ($pid)";
     my $seen = ::wait_health(sub {
         ::node_state($_[0], $::replica) =~ /false$/ });
     ::cli($_, 'config resetstat') for grep { $_ != $::replica } @::ports;
     "replica before: $before; seen down: $seen";
 }],
 (map { [::same_as_single("/r/features/$_")] } @::pusers),
 [sub {
     my ($pri, $others) = (0, 0);
     for my $p (grep { $_ != $::replica } @::ports) {
         if ($p == $::primary) { $pri += ::hmgets($p) }
         else { $others += ::hmgets($p) }
     }
     "primary $pri others $others";
 }]]
--- response_body eval
[(map { "same" } @::users), "replica before: replica true; seen down: 1",
 (map { "same" } @::pusers),
 "primary " . scalar(@::pusers) . " others 0"]
--- no_error_log
[alert]



=== TEST 2: a replica stopped (SIGSTOP): reads fall back until the worker gives up on it (bounded), then go to the primary and answer from the store
--- http_config
    rp_model $TEST_NGINX_MODEL;
    rp_redis_timeout 200ms;
--- config eval: $::Config
--- request eval
[(map { "GET /r/features/$_" } @::pusers2), "GET /r/"]
--- response_body_filters eval
[(map { [::same_as_single("/r/features/$_")] } @::pusers2),
 [sub {
     my $h = shift;
     my $before = ::node_state($h, $::replica2);
     my $pid = `cat $ENV{RP_TEST_CLUSTER_DIR}/redis-$::replica2.pid`;
     CORE::chomp($pid);
     kill('STOP', $pid) or return "cannot stop $::replica2 ($pid)";
     # never ask the stopped node anything: redis-cli would wait for ever
     my @live = grep { $_ != $::replica2 && $_ != $::replica } @::ports;
     my ($t0, $in_row, $defaults, $ms) = (Time::HiRes::time(), 0, 0);
     for (my $i = 0; Time::HiRes::time() - $t0 < 10; $i++) {
         my $u = $::pusers2[$i % @::pusers2];
         my $r = ::same_as_single("/r/features/$u")->((::http('GET', "/r/features/$u"))[1]);
         if ($r eq 'same') { $in_row++ } else { $in_row = 0; $defaults++ }
         select(undef, undef, undef, 0.02);
         if ($in_row >= 3) {
             $ms = int((Time::HiRes::time() - $t0) * 1000);
             last;
         }
     }
     my $out;
     if (!defined $ms) {
         $out = "never served from the store again";
     } else {
         (undef, $h) = ::http('GET', '/r/');
         my $after = ::node_state($h, $::replica2);
         ::cli($_, 'config resetstat') for @live;
         my $same = grep { ::same_as_single("/r/features/$_")->((::http('GET', "/r/features/$_"))[1]) eq 'same' } @::pusers2;
         my ($pri, $others) = (0, 0);
         for my $p (@live) {
             if ($p == $::primary2) { $pri += ::hmgets($p) }
             else { $others += ::hmgets($p) }
         }
         Test::More::diag("replica $::replica2 stopped: from the store again after $ms ms, $defaults reads not from the store before");
         $out = "replica before: $before; after: $after; within 5 s: "
                . ($ms <= 5000 ? "yes" : "no ($ms ms)")
                . "; same $same of " . scalar(@::pusers2)
                . "; primary $pri others $others";
     }
     kill('CONT', $pid);
     $out;
 }]]
--- response_body eval
[(map { "same" } @::pusers2),
 "replica before: replica true; after: replica false; within 5 s: yes; same "
 . scalar(@::pusers2) . " of " . scalar(@::pusers2)
 . "; primary " . scalar(@::pusers2) . " others 0"]
--- timeout: 60
