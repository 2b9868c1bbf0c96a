# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# Explanations: "explain": true on /predict and per item on /predict/batch.
# The model (build/t/model-explain.rpf) and the values to expect
# (build/t/explain.json) come from tests/explain_fixture.c, which trains
# it with XGBoost and asks XGBoost for its TreeSHAP (pred_contribs) and
# Saabas (approx_contribs) values of the rows the module builds for a user
# the store does not know and each product. Checked: bias + contributions
# = the margin of the reply's probability (1e-6), XGBoost's values
# (1e-5), the method, no explanation unless asked, bad "explain" values,
# a model file without covers, and /model/info's "explainable" for both.

use Test::Nginx::Socket 'no_plan';
use JSON::PP;

add_block_preprocessor(sub {
    my $block = shift;
    $block->set_value("more_headers", "Content-Type: application/json")
        unless defined $block->more_headers;
});

repeat_each(2);

$ENV{TEST_NGINX_REDIS_PORT} ||= 6379;

our $Want = do {
    my $path = "$ENV{TEST_NGINX_MODEL_DIR}/explain.json";
    open my $fh, '<', $path or die "$path: $!";
    local $/;
    decode_json(<$fh>);
};

our $HttpConfig = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL_DIR/model-explain.rpf;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;   # generous: also right under valgrind
_EOC_

our $OldModel = <<'_EOC_';
    rp_model $TEST_NGINX_MODEL;
    rp_redis 127.0.0.1:$TEST_NGINX_REDIS_PORT;
    rp_redis_timeout 5s;
_EOC_

# the problems of one reply item, as text; parity only when $parity
sub problems {
    my ($it, $method, $parity) = @_;
    my @bad;
    my $p = $it->{repeat_purchase_probability};
    my $margin = log($p / (1 - $p));
    my $e = $it->{explanation} or return ("no explanation");

    push @bad, "method $e->{method}" unless $e->{method} eq $method;
    my $c = $e->{contributions};
    my $sum = $e->{bias};
    $sum += $_ for values %$c;
    push @bad, sprintf("bias + sum %.12g, margin %.12g", $sum, $margin)
        if abs($sum - $margin) > 1e-6;
    return @bad unless $parity;

    my $w = $Want->{$it->{product_id}} or return (@bad, "no fixture");
    push @bad, sprintf("margin %.9g, xgboost %.9g", $margin, $w->{margin})
        if abs($margin - $w->{margin}) > 1e-5;
    $w = $w->{$method};
    push @bad, "bias $e->{bias}, xgboost $w->{bias}"
        if abs($e->{bias} - $w->{bias}) > 1e-5;
    my @names = sort keys %{$w->{contributions}};
    push @bad, "features " . join(',', sort keys %$c)
        unless join(',', sort keys %$c) eq join(',', @names);
    for my $f (@names) {
        my ($got, $x) = ($c->{$f}, $w->{contributions}{$f});
        push @bad, "$f $got, xgboost $x"
            if !defined $got || abs($got - $x) > 1e-5;
    }
    return @bad;
}

sub verdict { my @bad = @_; @bad ? join("; ", @bad) : "ok" }

sub single_tree_shap { verdict(problems(decode_json(shift), 'tree_shap', 1)) }
sub single_saabas { verdict(problems(decode_json(shift), 'saabas', 1)) }
sub store_user_saabas { verdict(problems(decode_json(shift), 'saabas', 0)) }

# items 0 and 3 asked (TreeSHAP), 1 did not, 2 said false; every item's
# probability is XGBoost's
sub batch_mixed {
    my $r = decode_json(shift);
    my @it = @{$r->{predictions}};
    my @bad;
    push @bad, map { "item 0: $_" } problems($it[0], 'tree_shap', 1);
    push @bad, map { "item 3: $_" } problems($it[3], 'tree_shap', 1);
    for my $i (1, 2) {
        push @bad, "item $i has an explanation" if exists $it[$i]{explanation};
    }
    for my $i (0 .. 3) {
        my $p = $it[$i]{repeat_purchase_probability};
        my $m = $Want->{$it[$i]{product_id}}{margin};
        push @bad, "item $i probability $p"
            if abs(log($p / (1 - $p)) - $m) > 1e-5;
    }
    return verdict(@bad);
}

# the reply against conf/openapi.json's schema (tests/openapi-test.sh)
sub schema {
    my ($name, $body) = @_;
    require File::Temp;
    my $tmp = File::Temp->new(SUFFIX => '.json');
    print $tmp $body;
    close $tmp;
    my $out = `tests/openapi-test.sh --validate $name ${\ $tmp->filename} 2>&1`;
    return $? == 0 ? "ok" : $out;
}

sub prediction_schema { schema('Prediction', shift) }
sub batch_schema { schema('BatchPrediction', shift) }

run_tests();

__DATA__

=== TEST 1: /predict with explain: TreeSHAP by default, XGBoost's values, the sum is the margin
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"explain_nobody","product_id":"fx_a","explain":true}
--- response_body_filters eval
\&::single_tree_shap
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 2: rp_explain saabas: XGBoost's approximate contributions; a product whose median interval is missing
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_explain saabas; rp_predict; }
--- request
POST /predict
{"user_id":"explain_nobody","product_id":"fx_b","explain":true}
--- response_body_filters eval
\&::single_saabas
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 3: rp_explain tree_shap set at server level; a product the prior table lacks
--- http_config eval: $::HttpConfig
--- config
    rp_explain tree_shap;
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"explain_nobody","product_id":"fx_unknown","explain":true}
--- response_body_filters eval
\&::single_tree_shap
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 4: a batch: explanations only for the items that ask
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"explain_nobody","product_id":"fx_a","explain":true},{"user_id":"explain_nobody","product_id":"fx_b"},{"user_id":"explain_nobody","product_id":"fx_c","explain":false},{"user_id":"explain_nobody","product_id":"fx_d","explain":true}]
--- response_body_filters eval
\&::batch_mixed
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 5: a user the store knows (features from Redis): the sum is still the margin
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_explain saabas; rp_predict; }
--- request
POST /predict
{"user_id":"u_loyal","product_id":"fx_a","explain":true}
--- response_body_filters eval
\&::store_user_saabas
--- response_body chomp
ok
--- no_error_log
[error]



=== TEST 6: without explain, or with false: no explanation in the reply
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_a\"}",
 "POST /predict\n{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_a\",\"explain\":false}"]
--- response_body_unlike eval
[qr/explanation/, qr/explanation/]
--- no_error_log
[error]



=== TEST 7: explain must be a JSON boolean: a string
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request
POST /predict
{"user_id":"explain_nobody","product_id":"fx_a","explain":"true"}
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"field \"explain\" must be a JSON boolean"}



=== TEST 8: explain must be a JSON boolean: 1, null, an object
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
--- request eval
["POST /predict\n{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_a\",\"explain\":1}",
 "POST /predict\n{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_a\",\"explain\":null}",
 "POST /predict\n{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_a\",\"explain\":{}}"]
--- error_code eval
[400, 400, 400]
--- response_body eval
["{\"error\":\"bad_request\",\"detail\":\"field \\\"explain\\\" must be a JSON boolean\"}",
 "{\"error\":\"bad_request\",\"detail\":\"field \\\"explain\\\" must be a JSON boolean\"}",
 "{\"error\":\"bad_request\",\"detail\":\"field \\\"explain\\\" must be a JSON boolean\"}"]



=== TEST 9: a batch item with a bad explain: 400 naming the item
--- http_config eval: $::HttpConfig
--- config
    location = /predict/batch { rp_predict_batch; }
--- request
POST /predict/batch
[{"user_id":"explain_nobody","product_id":"fx_a","explain":true},{"user_id":"explain_nobody","product_id":"fx_b","explain":"yes"}]
--- error_code: 400
--- response_body chomp
{"error":"bad_request","detail":"item 1: field \"explain\" must be a JSON boolean"}



=== TEST 10: a model file without covers cannot explain: 501, and scores as before without explain
--- http_config eval: $::OldModel
--- config
    location = /predict { rp_predict; }
    location = /predict/batch { rp_predict_batch; }
    location = /metrics { rp_metrics; }
--- request eval
["POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\",\"explain\":true}",
 "POST /predict/batch\n[{\"user_id\":\"u_loyal\",\"product_id\":\"p1\"},{\"user_id\":\"u_loyal\",\"product_id\":\"p2\",\"explain\":true}]",
 "POST /predict\n{\"user_id\":\"u_loyal\",\"product_id\":\"p1\",\"explain\":false}",
 "GET /metrics"]
--- error_code eval
[501, 501, 200, 200]
--- response_body_like eval
[qr/^\{"error":"explain_unavailable","detail":"the model file has no node covers[^"]*"\}$/,
 qr/^\{"error":"explain_unavailable",/,
 qr/"repeat_purchase_probability":[0-9.e-]+,.*"features_used":\{[^}]*\}\}$/,
 qr/rp_requests_total\{endpoint="predict",code="501"\} [1-9]\d*\n.*rp_requests_total\{endpoint="predict_batch",code="501"\} [1-9]\d*\n/s]



=== TEST 11: rp_explain takes tree_shap or saabas
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_explain fast; rp_predict; }
--- must_die
--- error_log eval
qr/\[emerg\] .*invalid value "fast" in .*nginx\.conf/



=== TEST 12: the replies with explanations match the OpenAPI description
--- http_config eval: $::HttpConfig
--- config
    location = /predict { rp_predict; }
    location = /predict/batch { rp_explain saabas; rp_predict_batch; }
--- request eval
["POST /predict\n{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_a\",\"explain\":true}",
 "POST /predict/batch\n[{\"user_id\":\"u_loyal\",\"product_id\":\"fx_b\",\"explain\":true},{\"user_id\":\"explain_nobody\",\"product_id\":\"fx_c\"}]"]
--- response_body_filters eval
[[\&::prediction_schema], [\&::batch_schema]]
--- response_body eval
["ok", "ok"]
--- no_error_log
[error]



=== TEST 13: /model/info says whether the model can explain: a file with covers
--- http_config eval: $::HttpConfig
--- config
    location = /model/info { rp_model_info; }
--- request
GET /model/info
--- error_code: 200
--- response_body_like chomp
"mapped":\{[^}]*"format":3,"explainable":true,"priors"
--- no_error_log
[error]



=== TEST 14: /model/info: a file without covers cannot explain
--- http_config eval: $::OldModel
--- config
    location = /model/info { rp_model_info; }
--- request
GET /model/info
--- error_code: 200
--- response_body_like chomp
"mapped":\{[^}]*"format":1,"explainable":false,"priors"
--- no_error_log
[error]
