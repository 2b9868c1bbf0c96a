# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# The longest replies: ids of RP_ID_MAX (128) bytes that all need
# escaping, a model version of 63 bytes (the most the file holds) that all
# need escaping, and stored values of 15 digits, the largest the store
# allows. Every reply buffer is sized for its longest text, and a reply
# that would not fit is refused (500) rather than cut into malformed JSON:
# here every reply is complete and parses.

use Test::Nginx::Socket 'no_plan';
use JSON::PP ();
use File::Temp ();

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

# a model whose version is 63 characters, each escaped in JSON
our $Dir = File::Temp->newdir();
our $Version = '"\\' x 31 . '"';
$ENV{TEST_NGINX_LONG_MODEL} = "$Dir/long.rpf";
system("$ENV{TEST_NGINX_MODEL_DIR}/mkmodel", "$Dir/long.rpf", $Version) == 0
    or die "mkmodel failed";
# (mkmodel's metadata does not escape the version: ours does)
open(my $meta, '>', "$Dir/long.json") or die "$Dir/long.json: $!";
print $meta JSON::PP->new->encode({version => $Version}), "\n";
close $meta;

# a user and a product of 128 characters, each escaped in JSON
our $User = '"' x 64 . '\\' x 64;
our $Product = '\\' x 64 . '"' x 64;

# the largest values the store's invariants allow (15 digits)
my $big = '999999999999999';
my $day = int($big / 86400);            # the day of the last purchase
my @cmd = ('redis-cli', '-p', $ENV{TEST_NGINX_REDIS_PORT}, 'HSET',
           "rp:{$User}",
           'u', "$big,$big,$big,$big,499999999999999",
           'b', "500000000000000,$big,$big,$day,1,500000000000000,"
                . "500000000000000",
           "p:$Product", "499999999999999,500000000000000,$day,0,1,$big");
system(@cmd) == 0 or die "redis-cli HSET failed";

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_LONG_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
_EOC_

our $Item = JSON::PP->new->encode({user_id => $User, product_id => $Product});
our $Batch = '[' . join(',', ($Item) x 100) . ']';

# the body parses; the ids and the version come back whole; the source
our $Check = sub {
    my $j = JSON::PP->new->decode($_[0]);
    my @p = ref $j->{predictions} ? @{ $j->{predictions} } : ($j);
    my @out;
    for my $p (@p) {
        push @out, join(' ',
            ($p->{user_id} // '') eq $User ? 'user' : 'USER?',
            ($p->{product_id} // '') eq $Product ? 'product' : 'PRODUCT?',
            exists $p->{model_version}
                ? ($p->{model_version} eq $Version ? 'version' : 'VERSION?')
                : (),
            $p->{features_source} // $p->{state}{event_count});
    }
    push @out, scalar(@p) . ' items';
    push @out, 'batch version'
        if ref $j->{predictions} && ($j->{model_version} // '') eq $Version;
    join("\n", @out) . "\n";
};

our $Uesc = join('', map { sprintf('%%%02X', ord) } split //, $User);
our $Pesc = join('', map { sprintf('%%%02X', ord) } split //, $Product);

run_tests();

__DATA__

=== TEST 1: /predict with the longest ids, version and values
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
"POST /predict\n$::Item"
--- error_code: 200
--- response_body_filters eval: $::Check
--- response_body
user product version store
1 items
--- no_error_log
[alert]
[error]



=== TEST 2: /predict/batch of 100 such items
--- http_config eval: $::HttpConfig
--- config
    client_body_buffer_size 1m;
    location = /predict/batch { rp_predict_batch; }
--- request eval
"POST /predict/batch\n$::Batch"
--- error_code: 200
--- response_body_filters eval
sub { my $s = $::Check->($_[0]); my %n; $n{$_}++ for split /\n/, $s;
      CORE::join("\n", map { "$n{$_} x $_" } sort keys %n) . "\n" }
--- response_body
1 x 100 items
1 x batch version
100 x user product version store
--- no_error_log
[alert]
[error]



=== TEST 3: /features with the longest ids and the largest values
--- http_config eval: $::HttpConfig
--- config
    location /features/ { rp_features; }
--- request eval
"GET /features/$::Uesc?product_id=$::Pesc"
--- error_code: 200
--- response_body_filters eval: $::Check
--- response_body
user product 999999999999999
1 items
--- no_error_log
[alert]
[error]



=== TEST 4: /model/info and / with the longest version
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
--- request
GET /model/info
--- error_code: 200
--- response_body_filters eval
sub { my $j = JSON::PP->new->decode($_[0]);
      ($j->{model_version} eq $::Version ? 'version' : 'VERSION?') . "\n" }
--- response_body
version
--- no_error_log
[alert]
