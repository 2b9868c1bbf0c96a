#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# openapi-test.sh: checks conf/openapi.json with core Perl (JSON::PP).
#   - it is valid JSON and OpenAPI 3.0, every $ref resolves;
#   - it has every endpoint of the README's "HTTP API" with its method, the
#     error statuses (400/405/413/415/503 on the POST endpoints), the JSON error
#     shape {error, detail}, metrics as text/plain;
#   - the Features schema names exactly the features of the table, the same
#     as the core library's (src/rp_features.c) when it is there;
#   - every example (request and response) validates against its schema
#     (a small validator: type, nullable, enum, required, properties,
#     additionalProperties, items, minItems, minimum/maximum, minLength,
#     maxLength, pattern) and the metrics example is Prometheus text.
#
#   tests/openapi-test.sh [SPEC]                  run the checks
#   tests/openapi-test.sh --validate NAME FILE    validate the JSON in FILE
#                                                 against components.schemas.NAME
# Prints "N passed, M failed"; exits non-zero on any failure.
set -u
RP_CALLER_DIR=$(pwd)
export RP_CALLER_DIR
cd "$(dirname "$0")/.." || exit 1
exec perl -MJSON::PP -e '
use strict;
use warnings;
use B ();

my ($mode, @args) = @ARGV;
my $spec_file = "conf/openapi.json";
my ($vname, $vfile);
if (defined $mode && $mode eq "--validate") {
    ($vname, $vfile) = @args;
    die "usage: openapi-test.sh --validate SCHEMA FILE\n" unless defined $vfile;
    $vfile = "$ENV{RP_CALLER_DIR}/$vfile" unless $vfile =~ m{^/};
} elsif (defined $mode) {
    $spec_file = $mode =~ m{^/} ? $mode : "$ENV{RP_CALLER_DIR}/$mode";
}

my ($pass, $fail) = (0, 0);
sub check {
    my ($desc, $cond, @why) = @_;
    if ($cond) { $pass++; print "ok   - $desc\n"; }
    else { $fail++; print "FAIL - $desc\n"; print "     $_\n" for @why; }
    return $cond;
}
sub slurp { my $f = shift; open(my $fh, "<", $f) or return undef; local $/; my $t = <$fh>; close $fh; return $t; }

my $text = slurp($spec_file);
my $spec = eval { JSON::PP->new->decode($text // "") };
my $err = $@;

if (defined $vname) {
    die "openapi-test: $spec_file is not valid JSON: $err" unless $spec;
    my $doc = eval { JSON::PP->new->allow_nonref->decode(slurp($vfile) // "") };
    die "openapi-test: $vfile is not valid JSON: $@" if $@;
    my $s = $spec->{components}{schemas}{$vname} or die "openapi-test: no schema $vname\n";
    my @e = validate($doc, $s, $vname);
    if (@e) { print "$vfile does not match $vname:\n"; print "  $_\n" for @e; exit 1; }
    print "$vfile matches $vname\n";
    exit 0;
}

check("$spec_file is valid JSON", $spec, $err) or finish();
check("it is OpenAPI 3.0.x", ($spec->{openapi} // "") =~ /^3\.0\.\d+$/);
check("it has info.title and info.version", $spec->{info}{title} && $spec->{info}{version});

# ---------------------------------------------------------------- $refs
sub walk {
    my ($n, $f, $path) = @_;
    $f->($n, $path);
    if (ref $n eq "HASH") { walk($n->{$_}, $f, "$path/$_") for sort keys %$n; }
    elsif (ref $n eq "ARRAY") { walk($n->[$_], $f, "$path/$_") for 0 .. $#$n; }
}
sub resolve {
    my $ref = shift;
    return undef unless $ref =~ m{^#/(.*)$};
    my $n = $spec;
    for my $k (split m{/}, $1) {
        $k =~ s/~1/\//g; $k =~ s/~0/~/g;
        return undef unless ref $n eq "HASH" && exists $n->{$k};
        $n = $n->{$k};
    }
    return $n;
}
my @badrefs;
my $nrefs = 0;
walk($spec, sub {
    my ($n, $p) = @_;
    if (ref $n eq "HASH" && exists $n->{q($ref)}) {
        $nrefs++;
        push @badrefs, "$p: $n->{q($ref)}" unless defined resolve($n->{q($ref)});
    }
}, "#");
check("all $nrefs \$refs resolve", $nrefs > 0 && !@badrefs, @badrefs);

# ------------------------------------------------------------ endpoints
my %want = (
    "/" => "get", "/predict" => "post", "/predict/batch" => "post",
    "/model/info" => "get", "/features/{user_id}" => "get", "/metrics" => "get",
);
for my $p (sort keys %want) {
    check("path $p has $want{$p}", ref $spec->{paths}{$p}{$want{$p}} eq "HASH");
}
sub resp { my ($p, $m, $c) = @_; return $spec->{paths}{$p}{$m}{responses}{$c}; }
sub json_schema_of {
    my $r = shift; return undef unless $r;
    my $s = $r->{content}{"application/json"}{schema}; return undef unless $s;
    return $s->{q($ref)} // "";
}
for my $p ("/predict", "/predict/batch") {
    for my $c (400, 405, 413, 415, 503) {
        check("POST $p documents $c with the Error schema",
              (json_schema_of(resp($p, "post", $c)) // "") eq "#/components/schemas/Error");
    }
    my $rb = $spec->{paths}{$p}{post}{requestBody};
    check("POST $p has a required JSON request body",
          $rb && $rb->{required} && $rb->{content}{"application/json"}{schema});
}
check("POST /predict answers 200 with Prediction",
      (json_schema_of(resp("/predict", "post", 200)) // "") eq "#/components/schemas/Prediction");
check("POST /predict/batch answers 200 with BatchPrediction",
      (json_schema_of(resp("/predict/batch", "post", 200)) // "") eq "#/components/schemas/BatchPrediction");
check("GET /features/{user_id} documents 200 and 404",
      json_schema_of(resp("/features/{user_id}", "get", 200)) && json_schema_of(resp("/features/{user_id}", "get", 404)));
check("GET /features/{user_id} declares the user_id path parameter",
      grep { ($_->{name} // "") eq "user_id" && ($_->{in} // "") eq "path" && $_->{required} }
           @{ $spec->{paths}{"/features/{user_id}"}{get}{parameters} || [] });
check("GET /metrics answers text/plain",
      resp("/metrics", "get", 200) && resp("/metrics", "get", 200)->{content}{"text/plain"});
check("GET / and GET /model/info answer JSON",
      json_schema_of(resp("/", "get", 200)) && json_schema_of(resp("/model/info", "get", 200)));

# -------------------------------------------------------------- schemas
my $S = $spec->{components}{schemas} || {};
my @features = qw(event_count amount_max amount_mean amount_min amount_sum
    total_spend avg_transaction_amount purchase_count view_count
    product_view_count product_purchase_count repeat_purchase_count
    view_to_purchase_ratio days_since_last_purchase
    pp_days_since_last pp_days_since_first pp_ndays pp_mean_gap
    pp_recency_ratio pp_day_share pp_amount u_ndays u_nproducts
    u_days_since_first prod_buyers prod_buyers_30d prod_rebuy_rate
    prod_repeat_share prod_med_interval);
my $F = $S->{Features} || {};
my @have = sort keys %{ $F->{properties} || {} };
check("Features has exactly the features of the table",
      join(",", @have) eq join(",", sort @features), "have: @have");
check("Features requires none (a model names its own) and allows nothing else",
      !@{ $F->{required} || [] }
      && defined $F->{additionalProperties} && !$F->{additionalProperties});
if (-f "src/rp_features.c") {
    my $c = slurp("src/rp_features.c");
    my @code = $c =~ /^\s*\{\s*"([a-z0-9_]+)",/mg;
    check("the features are those of src/rp_features.c, in order",
          join(",", @code) eq join(",", @features), "code: @code");
}
my $P = $S->{Prediction} || {};
check("Prediction requires the 8 fields of a prediction (README, HTTP API)",
      join(",", sort @{ $P->{required} || [] }) eq join(",", sort qw(user_id product_id
          repeat_purchase_probability confidence prediction_timestamp model_version
          features_source features_used)));
check("confidence is low/medium/high",
      join(",", @{ $P->{properties}{confidence}{enum} || [] }) eq "low,medium,high");
check("features_source is store/default",
      join(",", @{ $P->{properties}{features_source}{enum} || [] }) eq "store,default");
check("features_used is the Features schema",
      ($P->{properties}{features_used}{q($ref)} // "") eq "#/components/schemas/Features");
check("BatchPrediction has predictions, count, model_version",
      join(",", sort @{ $S->{BatchPrediction}{required} || [] }) eq "count,model_version,predictions");
check("Error is {error, detail}",
      join(",", sort @{ $S->{Error}{required} || [] }) eq "detail,error"
      && join(",", sort keys %{ $S->{Error}{properties} || {} }) eq "detail,error");

# ------------------------------------------------------------- examples
sub is_num {
    my $v = shift;
    return 0 if !defined $v || ref $v;
    my $f = B::svref_2object(\$v)->FLAGS;
    return ($f & (B::SVp_IOK | B::SVp_NOK)) && !($f & B::SVp_POK);
}
sub is_bool { return ref($_[0]) && JSON::PP::is_bool($_[0]); }
sub validate {
    my ($v, $s, $at) = @_;
    my @e;
    while (ref $s eq "HASH" && exists $s->{q($ref)}) { $s = resolve($s->{q($ref)}) or return ("$at: bad \$ref"); }
    return () unless ref $s eq "HASH";
    if (!defined $v) {
        return () if $s->{nullable};
        return ("$at: null where not nullable");
    }
    my $t = $s->{type} // "";
    if ($t eq "object") {
        return ("$at: not an object") unless ref $v eq "HASH";
        for my $r (@{ $s->{required} || [] }) { push @e, "$at: missing $r" unless exists $v->{$r}; }
        my $props = $s->{properties} || {};
        for my $k (sort keys %$v) {
            if ($props->{$k}) { push @e, validate($v->{$k}, $props->{$k}, "$at.$k"); }
            elsif (exists $s->{additionalProperties}) {
                my $ap = $s->{additionalProperties};
                if (ref $ap eq "HASH") { push @e, validate($v->{$k}, $ap, "$at.$k"); }
                elsif (!$ap) { push @e, "$at: unexpected member $k"; }
            }
        }
    } elsif ($t eq "array") {
        return ("$at: not an array") unless ref $v eq "ARRAY";
        push @e, "$at: fewer than $s->{minItems} items" if defined $s->{minItems} && @$v < $s->{minItems};
        push @e, validate($v->[$_], $s->{items}, "$at\[$_]") for $s->{items} ? 0 .. $#$v : ();
    } elsif ($t eq "string") {
        return ("$at: not a string") if ref $v || is_num($v);
        push @e, "$at: shorter than $s->{minLength}" if defined $s->{minLength} && length($v) < $s->{minLength};
        push @e, "$at: longer than $s->{maxLength}" if defined $s->{maxLength} && length($v) > $s->{maxLength};
        push @e, "$at: \"$v\" does not match $s->{pattern}" if defined $s->{pattern} && $v !~ /$s->{pattern}/;
    } elsif ($t eq "number" || $t eq "integer") {
        return ("$at: not a number") unless is_num($v);
        push @e, "$at: $v is not an integer" if $t eq "integer" && $v != int($v);
        push @e, "$at: $v < $s->{minimum}" if defined $s->{minimum} && $v < $s->{minimum};
        push @e, "$at: $v > $s->{maximum}" if defined $s->{maximum} && $v > $s->{maximum};
    } elsif ($t eq "boolean") {
        return ("$at: not a boolean") unless is_bool($v);
    }
    if ($s->{enum}) {
        push @e, "$at: \"$v\" not in the enum" unless grep { defined $_ && !ref $v && $_ eq $v } @{ $s->{enum} };
    }
    return @e;
}

my ($nex, @exbad) = (0);
my $nbodies = 0;
for my $p (sort keys %{ $spec->{paths} || {} }) {
    for my $m (sort keys %{ $spec->{paths}{$p} }) {
        my $op = $spec->{paths}{$p}{$m};
        next unless ref $op eq "HASH";
        my @media;
        if (my $rb = $op->{requestBody}) {
            push @media, [ "$m $p request", $rb->{content}{"application/json"} ] if $rb->{content}{"application/json"};
        }
        for my $c (sort keys %{ $op->{responses} || {} }) {
            my $ct = $op->{responses}{$c}{content} || {};
            push @media, [ "$m $p $c", $ct->{"application/json"} ] if $ct->{"application/json"};
        }
        for my $md (@media) {
            my ($where, $mt) = @$md;
            $nbodies++;
            my @ex;
            push @ex, [ "example", $mt->{example} ] if exists $mt->{example};
            push @ex, [ $_, $mt->{examples}{$_}{value} ] for sort keys %{ $mt->{examples} || {} };
            push @exbad, "$where: no example" unless @ex;
            for my $x (@ex) {
                $nex++;
                # an example must survive a round trip through a JSON parser
                my $round = eval { JSON::PP->new->allow_nonref->decode(JSON::PP->new->allow_nonref->canonical->encode($x->[1])) };
                push @exbad, "$where ($x->[0]): does not round-trip" unless defined $round || !defined $x->[1];
                push @exbad, map { "$where ($x->[0]) $_" } validate($round, $mt->{schema}, "\$");
            }
        }
    }
}
check("every JSON request and response ($nbodies) has examples, and all $nex validate against their schema",
      $nex > 0 && !@exbad, @exbad);

my $mex = $spec->{paths}{"/metrics"}{get}{responses}{200}{content}{"text/plain"}{example} // "";
my @badlines = grep { !/^#\s(HELP|TYPE)\s/ && !/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})?\s+[-+0-9.eEInfa]+$/ } split /\n/, $mex;
check("the /metrics example is Prometheus text", length($mex) && !@badlines, @badlines);

finish();
sub finish {
    print "\nopenapi-test: $pass passed, $fail failed\n";
    exit($fail ? 1 : 0);
}
' -- "$@"
