# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
package Test::Nginx::Socket;

# Local work-alike of the CPAN Test::Nginx::Socket (subset used by nginx
# C modules), built on Test::Base.  See t/lib/README.md for what is
# implemented and how it differs from the real module.

use strict;
use warnings;

use Test::Base -base;

our $VERSION = '0.29_rp';

use Time::HiRes qw( sleep time );
use IO::Socket::INET ();
use IO::Select ();
use POSIX qw( EAGAIN EWOULDBLOCK EINTR );
use HTTP::Response ();
use List::Util qw( min );
use Test::More ();

use Test::Nginx::Util;

our @EXPORT = qw( env_to_nginx is_str plan run_tests run_test
  repeat_each config_preamble worker_connections
  master_process_enabled
  no_long_string workers master_on master_off
  log_level no_shuffle no_root_location use_hup
  server_name
  server_addr server_root html_dir server_port server_port_for_client
  timeout no_nginx_manager check_accum_error_log
  add_block_preprocessor bail_out add_cleanup_handler
  add_response_body_check
);

our @ResponseBodyChecks;

$RunTestHelper = \&run_test_helper;
$CheckErrorLog = \&check_error_log;

sub run_test ($) { Test::Nginx::Util::run_test(shift) }

sub add_response_body_check ($) { push @ResponseBodyChecks, shift }

#--------------------------------------------------------------------
# building requests
#--------------------------------------------------------------------

sub parse_more_headers ($) {
    my $in = shift;
    my ($out, $is_chunked) = ('', 0);
    for my $header (split /\n+/, $in) {
        next if $header =~ /^\s*#/;
        next if $header =~ /^\s*$/;
        my ($key, $val) = split /:\s*/, $header, 2;
        $val = '' unless defined $val;
        $is_chunked = 1
            if lc($key) eq 'transfer-encoding' && $val =~ /^chunked\s*$/i;
        $out .= "$key: $val\r\n";
    }
    return ($out, $is_chunked);
}

# "METH [URL [VERSION]]\nbody" => raw HTTP request text
sub build_request ($$$$$) {
    my ($name, $req, $more_headers, $is_chunked, $conn) = @_;

    $req =~ s/\A(?:\s*#[^\n]*\n)+//;   # leading comment lines
    $req =~ s/\A\s+//;
    my ($first, $content) = split /\n/, $req, 2;
    if (!defined $first || $first !~ /\S/) {
        bail_out("$name - Request line should be non-empty");
    }
    $first =~ s/\s+$//;
    my ($meth, $url, $ver) = split /\s+/, $first;
    if ($first =~ /^\S+(?:\s+\S+){3,}/) {
        bail_out("$name - Request line is not valid. Should be "
                 . "'meth [url [version]]' but got \"$first\".");
    }
    $url = '/' unless defined $url;
    $ver = 'HTTP/1.1' unless defined $ver;
    $content = '' unless defined $content;

    my $len_header = '';
    if (!$is_chunked && $content ne ''
        && $more_headers !~ /(?:^|\n)Content-Length:/i)
    {
        $content =~ s/^\s+|\s+$//gs;
        $len_header = "Content-Length: " . length($content) . "\r\n";
    }

    my $headers = '';
    $headers .= "Host: $ServerName\r\n"
        if $more_headers !~ /(?:^|\n)Host:/mi;
    $headers .= "Connection: $conn\r\n"
        if $more_headers !~ /(?:^|\n)Connection/mi;
    $headers .= "$more_headers$len_header\r\n";

    return "$meth $url $ver\r\n$headers$content";
}

sub _headers_for ($$$) {
    my ($name, $more_headers, $i) = @_;
    if (ref $more_headers eq 'ARRAY') {
        my $h = $more_headers->[$i];
        bail_out("$name - --- more_headers lacks data for request $i")
            unless defined $h;
        return parse_more_headers($h);
    }
    return parse_more_headers($more_headers);
}

# Returns a list of requests; each request is a list of packets
# ({ value => $bytes, delay => $secs }).
sub get_req_from_block ($) {
    my $block = shift;
    my $name = $block->name;
    my @reqs;

    if (defined $block->raw_request) {
        my $raw = $block->raw_request;
        if (ref $raw eq 'ARRAY') {
            push @reqs, [ map { ref $_ ? $_ : { value => $_ } } @$raw ];
        } else {
            push @reqs, [ { value => $raw } ];
        }
        return \@reqs;
    }

    my $more_headers = $block->more_headers;
    $more_headers = '' unless defined $more_headers;
    $more_headers = expand_env_in_text($more_headers, $name)
        unless ref $more_headers;

    if (my $pl = $block->pipelined_requests) {
        bail_out("$name - invalid entries in --- pipelined_requests")
            unless ref $pl eq 'ARRAY';
        my $buf = '';
        for my $i (0 .. $#$pl) {
            my $conn = $i == $#$pl ? 'close' : 'keep-alive';
            my ($hdr, $chunked) = _headers_for($name, $more_headers, $i);
            $buf .= build_request($name,
                                  expand_env_in_text($pl->[$i], $name),
                                  $hdr, $chunked, $conn);
        }
        push @reqs, [ { value => $buf } ];
        return \@reqs;
    }

    my $request = $block->request;
    if (!defined $request) {
        bail_out("$name - no --- request section (nor raw_request / "
                 . "pipelined_requests)");
    }

    if (!ref $request) {
        my ($hdr, $chunked) = _headers_for($name, $more_headers, 0);
        push @reqs, [ { value => build_request($name,
                                   expand_env_in_text($request, $name),
                                   $hdr, $chunked, 'close') } ];
    } elsif (ref $request eq 'ARRAY') {
        my $i = 0;
        for my $one (@$request) {
            my ($hdr, $chunked) = _headers_for($name, $more_headers, $i);
            if (!ref $one) {
                push @reqs, [ { value => build_request($name,
                                           expand_env_in_text($one, $name),
                                           $hdr, $chunked, 'close') } ];
            } elsif (ref $one eq 'ARRAY') {
                # a request given as packets: build the whole request
                # from their concatenation, then cut it at the same
                # body-relative boundaries (headers go with packet 1).
                my @pk = map { ref $_ eq 'HASH' ? { %$_ } : { value => $_ } } @$one;
                my $joined = join '', map { $_->{value} } @pk;
                my $full = build_request($name, $joined, $hdr, $chunked, 'close');
                my $extra = length($full) - length($joined);
                my $pos = 0;
                for my $k (0 .. $#pk) {
                    my $len = length $pk[$k]{value};
                    $len += $extra if $k == 0;
                    $len = length($full) - $pos if $k == $#pk;
                    $pk[$k]{value} = substr($full, $pos, $len);
                    $pos += $len;
                }
                push @reqs, \@pk;
            } else {
                bail_out("$name - invalid --- request element: $one");
            }
            $i++;
        }
    } else {
        bail_out("$name - invalid --- request: MUST be a string or an "
                 . "array of requests");
    }
    return \@reqs;
}

#--------------------------------------------------------------------
# talking to nginx
#--------------------------------------------------------------------

sub _connect ($$) {
    my ($name, $timeout) = @_;
    my $deadline = time + ($timeout > 3 ? $timeout : 3);
    my $err;
    while (1) {
        my $sock = IO::Socket::INET->new(
            PeerAddr => $ServerAddr,
            PeerPort => $ServerPortForClient,
            Proto    => 'tcp',
            Timeout  => $timeout,
        );
        return $sock if $sock;
        $err = $!;
        last if time >= $deadline;
        sleep 0.05;
    }
    return (undef, $err);
}

# Send the packets of one request and read until EOF.
# Returns (raw_response, timed_out, error).
sub send_request ($$$$) {
    my ($packets, $middle_delay, $timeout, $block) = @_;
    my $name = $block->name;

    my ($sock, $cerr) = _connect($name, $timeout);
    if (!$sock) {
        return (undef, 0, "Can't connect to $ServerAddr:"
                          . "$ServerPortForClient: $cerr");
    }
    $sock->blocking(0);
    binmode $sock;

    my @queue = @$packets;
    my $resp = '';
    my ($wbuf, $woff) = (undef, 0);
    my $next_write_at = time;
    my $deadline = time + $timeout;
    my $writing = 1;
    my $sel = IO::Select->new($sock);

    while (1) {
        my $now = time;
        if ($now >= $deadline) {
            close $sock;
            return ($resp, 1, undef);
        }

        if ($writing && !defined $wbuf) {
            if (@queue) {
                if ($now >= $next_write_at) {
                    my $pk = shift @queue;
                    ($wbuf, $woff) = ($pk->{value}, 0);
                    $wbuf = '' unless defined $wbuf;
                } else {
                    # still waiting for the inter-packet delay
                }
            } else {
                $writing = 0;
            }
        }

        my $wait = $deadline - $now;
        if ($writing && !defined $wbuf) {
            $wait = min($wait, $next_write_at - $now);
            $wait = 0 if $wait < 0;
        }

        my ($r, $w) = IO::Select->select($sel,
                                         defined $wbuf ? $sel : undef,
                                         undef, $wait);

        if ($w && @$w && defined $wbuf) {
            my $n = syswrite($sock, $wbuf, length($wbuf) - $woff, $woff);
            if (!defined $n) {
                if ($! != EAGAIN && $! != EWOULDBLOCK && $! != EINTR) {
                    # the server may have answered and closed already
                    $writing = 0;
                    undef $wbuf;
                    @queue = ();
                }
            } else {
                $woff += $n;
                if ($woff >= length $wbuf) {
                    undef $wbuf;
                    my $pk_delay = @queue && defined $queue[0]{delay}
                                   ? parse_time($queue[0]{delay})
                                   : parse_time($middle_delay);
                    $next_write_at = time + ($pk_delay || 0);
                }
            }
        }

        if ($r && @$r) {
            my $n = sysread($sock, my $buf, 65536);
            if (!defined $n) {
                next if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
                close $sock;
                # a reset after a complete response is not an error
                return ($resp, 0, length $resp ? undef : "read failed: $!");
            }
            if ($n == 0) {
                close $sock;
                return ($resp, 0, undef);
            }
            $resp .= $buf;
        }
    }
}

sub parse_response ($$$) {
    my ($name, $raw, $head_req) = @_;
    my $left;
    my $raw_headers = '';
    if ($raw =~ /^(.*?\r\n)\r\n/s) {
        $raw_headers = $1;
    }

    my $res = HTTP::Response->parse($raw);
    my $code = $res->code;
    if (defined $code && $code !~ /^\d+$/) {
        $res->code(undef);
        undef $code;
    }
    return ($res, $raw_headers, undef)
        if $code && ($code == 304 || $code == 101 || $code == 204);

    my $enc = $res->header('Transfer-Encoding');
    my $len = $res->header('Content-Length');

    if ($head_req) {
        my $content = $res->content;
        $res->content('');
        return ($res, $raw_headers, length $content ? $content : undef);
    }

    if (defined $enc && $enc =~ /\bchunked\b/i) {
        my $body = $res->content;
        $body = '' unless defined $body;
        my $decoded = '';
        my $ok = 0;
        pos($body) = 0;
        while (1) {
            if ($body =~ /\G[ \t]*([0-9A-Fa-f]+)[^\r\n]*\r\n/gc) {
                my $size = hex $1;
                if ($size == 0) {
                    # trailers until empty line
                    if ($body =~ /\G((?:[^\r\n]+\r\n)*)\r\n/gc) {
                        $ok = 1;
                        my $rest = substr($body, pos($body));
                        $left = $rest if length $rest;
                    }
                    last;
                }
                if (length($body) - pos($body) < $size) {
                    Test::More::fail("$name - invalid chunked data received "
                                     . "(not enough octets for the data section)");
                    last;
                }
                $decoded .= substr($body, pos($body), $size);
                pos($body) = pos($body) + $size;
                if ($body !~ /\G\r\n/gc) {
                    Test::More::fail("$name - invalid chunked data received "
                                     . "(expected CRLF)");
                    last;
                }
            } else {
                my $rest = substr($body, pos($body) || 0, 60);
                Test::More::fail("$name - "
                    . (length $rest ? "invalid chunked body received: "
                                      . show_all_chars($rest)
                                    : "no last chunk found"));
                last;
            }
        }
        $res->content($decoded);
    } elsif (defined $len && $len =~ /^\d+$/) {
        my $body = $res->content;
        $body = '' unless defined $body;
        if (length $body < $len) {
            warn "WARNING: $name - response body truncated: $len expected, "
               . "but got " . length($body) . "\n";
        } elsif (length $body > $len) {
            $left = substr($body, $len);
            $res->content(substr($body, 0, $len));
        }
    }

    return ($res, $raw_headers, $left);
}

#--------------------------------------------------------------------
# checks
#--------------------------------------------------------------------

sub get_indexed_value ($$$$) {
    my ($name, $value, $req_idx, $need_array) = @_;
    if ($need_array) {
        return $value->[$req_idx] if ref $value && ref $value eq 'ARRAY';
        bail_out("$name - You asked for many requests, the expected "
                 . "results should be arrays as well.");
    }
    if (ref $value && ref $value eq 'ARRAY') {
        return $value->[0];
    }
    return $value;
}

sub fmt_str ($) {
    my $str = shift;
    chomp $str;
    $str =~ s/"/\\"/g;
    $str =~ s/\r/\\r/g;
    $str =~ s/\n/\\n/g;
    $str;
}

sub check_error_code ($$$$) {
    my ($block, $res, $req_idx, $need_array) = @_;
    my $name = $block->name;
    my $got = ($res && $res->code) || '';
    if (defined $block->error_code_like) {
        my $val = get_indexed_value($name, $block->error_code_like,
                                    $req_idx, $need_array);
        Test::More::like($got, qr/$val/sm, "$name - status code ok");
    } elsif (defined $block->error_code) {
        my $val = get_indexed_value($name, $block->error_code,
                                    $req_idx, $need_array);
        $val =~ s/^\s+|\s+$//g if defined $val && !ref $val;
        Test::More::is($got, $val, "$name - status code ok");
    } else {
        Test::More::is($got, 200, "$name - status code ok");
    }
}

sub check_raw_response_headers ($$$$) {
    my ($block, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;
    if (defined $block->raw_response_headers_like) {
        my $pat = get_indexed_value($name, $block->raw_response_headers_like,
                                    $req_idx, $need_array);
        Test::More::like($raw_headers, qr/$pat/s,
                         "$name - raw resp headers like");
    }
    if (defined $block->raw_response_headers_unlike) {
        my $pat = get_indexed_value($name, $block->raw_response_headers_unlike,
                                    $req_idx, $need_array);
        Test::More::unlike($raw_headers, qr/$pat/s,
                           "$name - raw resp headers unlike");
    }
}

sub check_response_headers ($$$$$) {
    my ($block, $res, $raw_headers, $req_idx, $need_array) = @_;
    my $name = $block->name;

    if (defined $block->response_headers) {
        my $spec = get_indexed_value($name, $block->response_headers,
                                     $req_idx, $need_array);
        for my $h (@{ parse_headers($spec) }) {
            my ($key, $val) = @$h;
            if (!defined $val) {
                Test::More::unlike($raw_headers, qr/^\s*\Q$key\E\s*:/ms,
                    "$name - header $key not present in the raw headers");
                next;
            }
            $val =~ s/\$ServerPort\b/$ServerPort/g;
            $val =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
            my $actual = $res ? $res->header($key) : undef;
            $actual = '' unless defined $actual;
            Test::More::is($actual, $val, "$name - header $key ok");
        }
    } elsif (defined $block->response_headers_like) {
        my $spec = get_indexed_value($name, $block->response_headers_like,
                                     $req_idx, $need_array);
        for my $h (@{ parse_headers($spec) }) {
            my ($key, $val) = @$h;
            $val = '' unless defined $val;
            my $actual = $res ? $res->header($key) : undef;
            $actual = '' unless defined $actual;
            Test::More::like($actual, qr/^$val$/,
                             "$name - header $key like ok");
        }
    }
}

sub transform_response_body ($$$) {
    my ($block, $res, $req_idx) = @_;
    return unless $res;
    my $filters = $block->response_body_filters;
    return unless defined $filters;
    my $content = $res->content;
    return unless defined $content;
    my $name = $block->name;

    if (!ref $filters) {
        $filters =~ s/^\s+|\s+$//gs;
        $filters = [ split /\s+/, $filters ];
    } elsif (ref $filters ne 'ARRAY') {
        $filters = [$filters];
    }
    if (@$filters && ref $filters->[0] eq 'ARRAY') {
        $filters = $filters->[$req_idx];
        bail_out("$name - --- response_body_filters has no entry for "
                 . "request $req_idx") unless defined $filters;
    }
    for my $f (@$filters) {
        if (ref $f eq 'CODE') {
            $content = $f->($content);
        } elsif ($f eq 'md5_hex') {
            require Digest::MD5;
            $content = Digest::MD5::md5_hex($content);
        } elsif ($f eq 'sha1_hex') {
            require Digest::SHA;
            $content = Digest::SHA::sha1_hex($content);
        } elsif ($f =~ /^(?:uc|lc|ucfirst|lcfirst|length)$/) {
            $content = $f eq 'uc' ? uc $content
                     : $f eq 'lc' ? lc $content
                     : $f eq 'ucfirst' ? ucfirst $content
                     : $f eq 'lcfirst' ? lcfirst $content
                     : length $content;
        } else {
            bail_out("$name - unknown filter \"$f\" in --- response_body_filters");
        }
    }
    $res->content($content);
}

sub check_response_body ($$$$$) {
    my ($block, $res, $req_idx, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $content = $res ? $res->content : undef;

    if (defined $block->response_body) {
        my $expected = get_indexed_value($name, $block->response_body,
                                         $req_idx, $need_array);
        if (defined $expected && !ref $expected) {
            $expected =~ s/\$ServerPort\b/$ServerPort/g;
            $expected =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        }
        if (ref $expected && ref $expected eq 'Regexp') {
            Test::More::like($content, $expected,
                "$name - response_body - like (repeated req "
                . "$repeated_req_idx, req $req_idx)");
        } else {
            is_str($content, $expected,
                "$name - response_body - response is expected (repeated "
                . "req $repeated_req_idx, req $req_idx)");
        }
    } elsif (defined $block->response_body_like
             || defined $block->response_body_unlike)
    {
        my ($pats, $type) = defined $block->response_body_like
            ? ($block->response_body_like, 'like')
            : ($block->response_body_unlike, 'unlike');
        my $pat = get_indexed_value($name, $pats, $req_idx, $need_array);
        if (!ref $pat) {
            $pat =~ s/\$ServerPort\b/$ServerPort/g;
            $pat =~ s/\$ServerPortForClient\b/$ServerPortForClient/g;
        }
        my $summary = trim($content);
        $summary = '' unless defined $summary;
        $summary = substr($summary, 0, 200) . '...' if length $summary > 200;
        my $re = ref $pat eq 'Regexp' ? $pat : qr/$pat/s;
        my $desc = "$name - response_body_$type - response is expected "
                 . "($summary)";
        if ($type eq 'like') {
            Test::More::like($content, $re, $desc);
        } else {
            Test::More::unlike($content, $re, $desc);
        }
    }

    for my $check (@ResponseBodyChecks) {
        $check->($block, $content, $req_idx, $repeated_req_idx, 0);
    }
}

sub _pattern_list {
    my $pats = shift;
    if (!ref $pats) {
        chomp $pats;
        return [ split /\n+/, $pats ];
    }
    return [$pats] if ref $pats eq 'Regexp';
    return [@$pats] if ref $pats eq 'ARRAY';
    return [$pats];
}

sub _line_matches {
    my ($line, $pat) = @_;
    return ref $pat ? scalar($line =~ /$pat/) : index($line, $pat) >= 0;
}

sub _contains {
    my ($val, $needle) = @_;
    return 0 unless defined $val;
    if (!ref $val || ref $val eq 'Regexp') {
        return index("$val", $needle) >= 0;
    }
    if (ref $val eq 'ARRAY') {
        for (@$val) { return 1 if _contains($_, $needle) }
    }
    return 0;
}

sub check_error_log ($$$$$) {
    my ($block, $res, $dry_run, $repeated_req_idx, $need_array) = @_;
    my $name = $block->name;
    my $lines;
    my %warn_on = (alert => 1, crit => 1, emerg => 1);

    if (defined(my $grep_pats = $block->grep_error_log)) {
        my $grep_pat = ref $grep_pats eq 'ARRAY'
                       ? $grep_pats->[$repeated_req_idx] : $grep_pats;
        my $expected = $block->grep_error_log_out;
        bail_out("$name - No --- grep_error_log_out defined but "
                 . "--- grep_error_log is defined") unless defined $expected;
        $expected = $expected->[$repeated_req_idx] if ref $expected eq 'ARRAY';
        $lines ||= error_log_data();
        my $matched = '';
        for my $line (@$lines) {
            if (ref $grep_pat ? $line =~ /$grep_pat/ : $line =~ /\Q$grep_pat\E/) {
                my $m = $&;
                $matched .= "$m\n" if $m !~ /\n/;
            }
        }
        if (ref $expected eq 'Regexp') {
            Test::More::like($matched, $expected,
                "$name - grep_error_log_out (req $repeated_req_idx)");
        } else {
            is_str($matched, $expected,
                "$name - grep_error_log_out (req $repeated_req_idx)");
        }
    }

    if (defined $block->error_log) {
        my $pats = $block->error_log;
        for my $lvl (keys %warn_on) {
            delete $warn_on{$lvl} if _contains($pats, "[$lvl");
        }
        $pats = _pattern_list($pats);
        $lines ||= error_log_data();
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat;
                if (_line_matches($line, $pat)) {
                    Test::More::pass("$name - pattern \"$pat\" matches a "
                        . "line in error.log (req $repeated_req_idx)");
                    undef $pat;
                }
            }
        }
        for my $pat (@$pats) {
            next unless defined $pat;
            Test::More::fail("$name - pattern \"$pat\" should match a line "
                             . "in error.log (req $repeated_req_idx)");
            if ($lines && @$lines) {
                my @tail = @$lines > 20 ? @$lines[-20 .. -1] : @$lines;
                Test::More::diag("last lines of error.log for this "
                                 . "request:\n" . join('', @tail));
            } else {
                Test::More::diag("error.log had no new lines for this request");
            }
        }
    }

    if (defined $block->no_error_log) {
        my $pats = $block->no_error_log;
        for my $lvl (keys %warn_on) {
            delete $warn_on{$lvl} if _contains($pats, "[$lvl");
        }
        $pats = _pattern_list($pats);
        $lines ||= error_log_data();
        my %found;
        my $i = 0;
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat;
                if (_line_matches($line, $pat)) {
                    $found{$pat} = 1;
                    my $ln = fmt_str($line);
                    my $p = fmt_str($pat);
                    my @more;
                    for (my $j = $i + 1; $j < min($i + 10, @$lines - 1); $j++) {
                        push @more, $lines->[$j];
                    }
                    Test::More::fail("$name - pattern \"$p\" should not match "
                        . "any line in error.log but matches line \"$ln\" "
                        . "(req $repeated_req_idx)\n" . join('', @more));
                }
            }
        } continue {
            $i++;
        }
        for my $pat (@$pats) {
            next if !defined $pat || $found{$pat};
            my $p = fmt_str($pat);
            Test::More::pass("$name - pattern \"$p\" does not match a line "
                             . "in error.log (req $repeated_req_idx)");
        }
    }

    if (!$dry_run) {
        $lines ||= error_log_data();
        for my $line (@$lines) {
            for my $lvl (keys %warn_on) {
                if ($line =~ /\[$lvl\]/) {
                    warn "WARNING: $name - " . fmt_str($line) . "\n";
                }
            }
        }
        for my $line (@$lines) {
            if ($line =~ /\bAssertion .*?failed\b/) {
                chomp(my $l = $line);
                Test::More::fail("$name - $l");
            }
        }
    }
}

sub check_access_log ($$) {
    my ($block, $repeated_req_idx) = @_;
    my $name = $block->name;
    my $lines;

    if (defined $block->access_log) {
        my $pats = _pattern_list($block->access_log);
        $lines ||= access_log_data();
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat;
                if (_line_matches($line, $pat)) {
                    Test::More::pass("$name - pattern \"$pat\" matches a line "
                                     . "in access.log (req $repeated_req_idx)");
                    undef $pat;
                }
            }
        }
        for my $pat (@$pats) {
            next unless defined $pat;
            Test::More::fail("$name - pattern \"$pat\" should match a line "
                             . "in access.log (req $repeated_req_idx)");
        }
    }

    if (defined $block->no_access_log) {
        my $pats = _pattern_list($block->no_access_log);
        $lines ||= access_log_data();
        my %found;
        for my $line (@$lines) {
            for my $pat (@$pats) {
                next unless defined $pat;
                if (_line_matches($line, $pat)) {
                    $found{$pat} = 1;
                    Test::More::fail("$name - pattern \"" . fmt_str($pat)
                        . "\" should not match any line in access.log but "
                        . "matches line \"" . fmt_str($line)
                        . "\" (req $repeated_req_idx)");
                }
            }
        }
        for my $pat (@$pats) {
            next if !defined $pat || $found{$pat};
            Test::More::pass("$name - pattern \"" . fmt_str($pat)
                . "\" does not match a line in access.log (req "
                . "$repeated_req_idx)");
        }
    }
}

#--------------------------------------------------------------------
# one repetition of a block
#--------------------------------------------------------------------

sub run_test_helper ($$$) {
    my ($block, $dry_run, $repeated_req_idx) = @_;
    my $name = $block->name;

    my $reqs = get_req_from_block($block);
    bail_out("$name - request empty") unless @$reqs;

    my $timeout = parse_time($block->timeout);
    $timeout = timeout() unless defined $timeout;

    my $n_pipelined = $block->pipelined_requests
                      ? scalar @{ $block->pipelined_requests } : 0;
    my $need_array = $n_pipelined ? 1 : @$reqs > 1;

    my $res;
    my $req_idx = 0;

    for my $ri (0 .. $#$reqs) {
        my $packets = $reqs->[$ri];
        my $joined = join '', map { $_->{value} } @$packets;
        my $head_req = $joined =~ /^\s*HEAD\s+/ ? 1 : 0;

        my ($raw, $timed_out, $err) =
            send_request($packets, $block->raw_request_middle_delay,
                         $timeout, $block);

        if (defined $err) {
            Test::More::fail("$name - $err");
            $raw = '';
        } elsif ($timed_out && !defined $block->abort) {
            Test::More::fail("$name - ERROR: client socket timed out "
                             . "after ${timeout}s (repeated req "
                             . "$repeated_req_idx, req $req_idx)");
        }
        $raw = '' unless defined $raw;

        my $remaining = $n_pipelined || 1;
        while ($remaining-- > 0) {
            my ($raw_headers, $left);
            if (!defined $block->ignore_response) {
                if (defined $block->http09) {
                    $res = HTTP::Response->new(200, 'OK', [], $raw);
                    $raw_headers = '';
                } else {
                    ($res, $raw_headers, $left) =
                        parse_response($name, $raw, $head_req);
                }
                check_error_code($block, $res, $req_idx, $need_array);
                check_raw_response_headers($block, $raw_headers, $req_idx,
                                           $need_array);
                check_response_headers($block, $res, $raw_headers, $req_idx,
                                       $need_array);
                transform_response_body($block, $res, $req_idx);
                check_response_body($block, $res, $req_idx,
                                    $repeated_req_idx, $need_array);
            }
            if ($n_pipelined) {
                $raw = defined $left ? $left : '';
            } elsif (defined $left && length $left) {
                warn "WARNING: $name - unexpected extra bytes after the "
                   . "response: \"" . show_all_chars($left) . "\"\n";
            }
            $req_idx++;
        }

        if ($ri < $#$reqs) {
            sleep parse_time($block->wait) if $block->wait;
            check_error_log($block, $res, $dry_run, $repeated_req_idx,
                            $need_array);
            check_access_log($block, $repeated_req_idx)
                unless defined $block->ignore_response;
        }
    }

    sleep parse_time($block->wait) if $block->wait;
    check_error_log($block, $res, $dry_run, $repeated_req_idx, $need_array);
    check_access_log($block, $repeated_req_idx)
        unless defined $block->ignore_response;
}

1;
