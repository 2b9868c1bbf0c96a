# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# vi:filetype=perl
# Request building and response parsing sections.
use Test::Nginx::Socket;

repeat_each(2);

# status + body (+1 per extra check below)
plan tests => repeat_each() * (blocks() * 2 + 4);

run_tests();

__DATA__

=== TEST 1: POST body gets a Content-Length (body trimmed like the real runner)
--- config
    location = /p {
        return 200 "$request_method len=$http_content_length\n";
    }
--- request
POST /p
hello world
--- response_body
POST len=11



=== TEST 2: more_headers are sent
--- config
    location = /h {
        return 200 "foo=$http_x_foo bar=$http_x_bar ua=$http_user_agent\n";
    }
--- more_headers
X-Foo: 1
# a comment line is skipped
X-Bar: two words
--- request
GET /h
--- response_body
foo=1 bar=two words ua=



=== TEST 3: request eval with a query string
--- config
    location = /q {
        return 200 "a=$arg_a b=$arg_b\n";
    }
--- request eval
"GET /q?a=" . (1 + 1) . "&b=x"
--- response_body
a=2 b=x



=== TEST 4: chunked response is decoded
--- config
    location = /c {
        sub_filter_types text/plain;
        sub_filter 'world' 'nginx';
        return 200 "hello world\n";
    }
--- request
GET /c
--- response_headers
Transfer-Encoding: chunked
!Content-Length
--- response_body
hello nginx



=== TEST 5: user_files and the default root location
--- user_files
>>> foo.txt
file contents
--- config
--- request
GET /foo.txt
--- response_body
file contents



=== TEST 6: index.html of the server root
--- config
--- request
GET /
--- response_body_like: ^<html><head><title>It works!</title>



=== TEST 7: http_config and main_config land at the right level
--- main_config
worker_rlimit_nofile 1024;
--- http_config
    map $arg_x $rp_mapped {
        default "none";
        1       "one";
    }
--- config
    location = /m {
        return 200 "$rp_mapped\n";
    }
--- request
GET /m?x=1
--- response_body
one



=== TEST 8: response_body eval with a regex, response_headers_like
--- config
    location = /r {
        add_header X-Stamp "t-$msec";
        return 200 "n=$connection_requests\n";
    }
--- request
GET /r
--- response_headers_like
X-Stamp: t-\d+\.\d+
--- response_body eval
qr/^n=\d+\n\z/



=== TEST 9: HEAD request has no body
--- config
    location = /t {
        return 200 "something\n";
    }
--- request
HEAD /t
--- response_headers
Content-Length: 10
--- response_body eval
""



=== TEST 10: response_body_unlike
--- config
    location = /t {
        return 200 "fine\n";
    }
--- request
GET /t
--- response_body_unlike: error|fail
