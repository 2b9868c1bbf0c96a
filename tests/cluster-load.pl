#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# cluster-load.pl PORT SECONDS USERS_FILE: POST /c/predict (the cluster) for
# the users of USERS_FILE in turn, over one keep-alive connection, for
# SECONDS, and checks every answer against /s/predict (the single Redis
# holding the same store) asked once per user at the start. An answer from
# the store must carry the same features (less the time-dependent
# days_since_last_purchase) as the single Redis' answer; an answer on
# default features is a fallback. Prints one line:
#   requests N store N default N wrong N first_default_ms T last_default_ms T
# (times in ms since the epoch, 0 without a default), and the first wrong
# answer on stderr.
use strict;
use warnings;
use IO::Socket::INET;
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(time);

my ($port, $secs, $file) = @ARGV;
die "usage: cluster-load.pl PORT SECONDS USERS_FILE\n" unless $file;

open my $in, '<', $file or die "$file: $!\n";
my @pairs = map { chomp; [split / /] } <$in>;
close $in;

# one keep-alive connection; each request in one write (a request split in
# two writes waits for the delayed ACK of the first)
my $sock;

sub predict {
    my ($loc, $u, $p) = @_;
    my $body = "{\"user_id\":\"$u\",\"product_id\":\"$p\"}";
    for my $try (1, 2) {
        $sock ||= IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port",
                                        Proto => 'tcp')
            or die "connect: $!\n";
        $sock->setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
        print $sock "POST /$loc/predict HTTP/1.1\r\nHost: localhost\r\n"
            . "Content-Type: application/json\r\n"
            . "Content-Length: " . length($body) . "\r\n\r\n$body";
        my ($status, $len, $line) = (0, 0);
        while (defined($line = <$sock>)) {
            $status = $1 if !$status && $line =~ m{^HTTP/1\.\d (\d+)};
            $len = $1 if $line =~ /^Content-Length:\s*(\d+)/i;
            last if $line eq "\r\n";
        }
        if (!defined $line) {
            undef $sock;          # closed by the server: once more
            next;
        }
        my $content = '';
        read($sock, $content, $len) == $len or die "short body\n";
        return ($status, $content);
    }
    die "no answer\n";
}

# the features the store gave, without what depends on the time
sub features {
    my $body = shift;
    my ($f) = $body =~ /"features_used":(\{[^}]*\})/;
    return undef unless defined $f;
    $f =~ s/"days_since_last_purchase":[^,}]*//;
    return $f;
}

my %want;
for my $pr (@pairs) {
    my ($st, $body) = predict('s', @$pr);
    die "single Redis: $st $body\n" unless $st == 200
        && $body =~ /"features_source":"store"/;
    $want{"@$pr"} = features($body);
}

my ($n, $store, $default, $wrong, $first, $last) = (0, 0, 0, 0, 0, 0);
my $end = time + $secs;
my $i = 0;

while (time < $end) {
    my $pr = $pairs[$i++ % @pairs];
    my ($st, $body) = predict('c', @$pr);
    $n++;

    if ($st == 200 && $body =~ /"features_source":"store"/) {
        $store++;
        if ((features($body) // '') ne $want{"@$pr"}) {
            print STDERR "wrong answer for @$pr: $body\n" unless $wrong;
            $wrong++;
        }
    } elsif ($st == 200 && $body =~ /"features_source":"default"/) {
        my $t = int(time * 1000);
        $default++;
        $first ||= $t;
        $last = $t;
    } else {
        print STDERR "unexpected answer for @$pr: $st $body\n" unless $wrong;
        $wrong++;
    }
}

print "requests $n store $store default $default wrong $wrong "
    . "first_default_ms $first last_default_ms $last\n";
