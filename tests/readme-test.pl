#!/usr/bin/perl
# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
# readme-test.pl: the README cannot rot. Every program, subcommand and
# option its code blocks run must be in that program's --help; every make
# target it names must exist; every directive, variable, metric and
# endpoint it names must exist in the module. Prints "N passed, M failed".
use strict;
use warnings;

my ($pass, $fail) = (0, 0);
sub check {
    die "check: needs a verdict and a name\n" unless @_ == 2;
    my ($ok, $what) = @_;
    if ($ok) { $pass++; print "ok   - $what\n"; }
    else     { $fail++; print "FAIL - $what\n"; }
}
sub slurp { local (@ARGV, $/) = @_; return <>; }

my $readme = slurp('README.md');
my $module = join '', map { slurp($_) } ('ngx_http_rp_module.c', glob('src/ngx_http_rp_*.c'));
my $conf   = slurp('conf/nginx.conf');

# code blocks of the README
my @blocks = $readme =~ /^```[a-z]*\n(.*?)^```/msg;
my %help;
sub help_of {
    my ($cmd) = @_;
    return $help{$cmd} //= `$cmd --help 2>&1`;
}

my %seen;
for my $block (@blocks) {
    # join continuation lines
    $block =~ s/\\\n\s*/ /g;
    for my $line (split /\n/, $block) {
        next unless $line =~ m{^\s*build/(rp-[a-z-]+)((?:\s+\S+)*)};
        my ($prog, $rest) = ($1, $2);
        $rest =~ s/#.*//;
        next if $seen{"$prog$rest"}++;
        check(-x "build/$prog", "build/$prog exists");
        my @words = split ' ', $rest;
        my $sub = '';
        if ($prog eq 'rp-train' && @words && $words[0] =~ /^[a-z]+$/) {
            $sub = " $words[0]";
            check(system("build/$prog$sub --help >/dev/null 2>&1") == 0,
                  "rp-train$sub --help works");
        }
        my $help = help_of("build/$prog$sub");
        # rp-produce's modes are listed in its top-level help
        for my $w (@words) {
            $w =~ s/[\[\]|]//g;
            next unless $w =~ /^(--?[a-zA-Z][a-zA-Z-]*)/;
            my $opt = $1;
            check(index($help, $opt) >= 0, "$prog$sub documents $opt");
        }
        if ($prog eq 'rp-produce') {
            for my $mode (grep { /^(batch|continuous|custom)$/ } @words) {
                check(scalar($help =~ /\b$mode\b/), "rp-produce has mode $mode");
            }
        }
    }
}

# make targets named in the README
# (in code blocks and `code spans` only: prose may say "make the ...")
my $code = join("\n", @blocks) . "\n" . join("\n", $readme =~ /`([^`\n]+)`/g);
my %targets = map { $_ => 1 } ($code =~ /\bmake ([a-z][a-zA-Z0-9._\/-]*[a-zA-Z0-9])/g);
# make's database of rules, printed without running anything (make -n
# still runs the recipe lines that call $(MAKE), which fail while the
# trees they enter are not built yet)
my $makedb = `make -pq __readme_test_no_such_target__ 2>/dev/null`;
# (a file that exists is a target too, as for make itself)
sub has_target { my ($t) = @_; return ($makedb =~ /^\Q$t\E:/m || -e $t) ? 1 : 0; }
for my $t (sort keys %targets) {
    check(has_target($t), "make $t exists");
}
for my $t ($readme =~ /`(test-[a-z-]+|bench-[a-z-]+)`/g) {
    next if $seen{"target $t"}++;
    check(has_target($t), "make target $t exists");
}

# directives, variables, metrics (the module's and rp-consumer's)
my $core = join '', map { slurp($_) } glob('src/rp_*.h');
my $metrics_src = $module . join '', map { slurp($_) } glob('consumer/*.c');
my %dirs = map { $_ => 1 } ($readme =~ /`(rp_[a-z_]+)[ ;`]/g);
for my $d (sort keys %dirs) {
    next if $core =~ /\b\Q$d\E\s*\(/;          # a core function, not a directive
    next if $d =~ /_total$|_seconds|^rp_model_info$|^rp_redis_up$|^rp_redis_auth_failed$/ && $module !~ /ngx_string\("$d"\)/;
    if ($module !~ /ngx_string\("$d"\)/ && $metrics_src =~ /# HELP \Q$d\E /) {
        check(1, "metric $d has a HELP line");
        next;
    }
    check(scalar($module =~ /ngx_string\("$d"\)/), "directive $d exists");
}
for my $v (sort { $a cmp $b } keys %{{ map { $_ => 1 } ($readme =~ /\$(rp_[a-z_]+)/g) }}) {
    check(scalar($module =~ /ngx_string\("$v"\)/), "variable \$$v exists");
}
for my $m (sort keys %{{ map { $_ => 1 } ($readme =~ /`(rp_[a-z_]+(?:_total|_seconds|_up|_info|_auth_failed))[`{]/g) }}) {
    check(scalar($metrics_src =~ /\Q$m\E/), "metric $m exists");
}

# endpoints in curl examples are served by conf/nginx.conf
for my $path (sort keys %{{ map { $_ => 1 } ($readme =~ m{curl [^\n]*?localhost:8080(/[a-z/]*)}g) }}) {
    (my $p = $path) =~ s{/user_\d+$}{/};
    my $served = $conf =~ /location\s+(?:=\s+)?\Q$p\E\s*\{/ || ($p =~ m{^/features/} && $conf =~ m{location /features/});
    check($served, "conf/nginx.conf serves $path");
}

print "\nreadme-test: $pass passed, $fail failed\n";
exit($fail ? 1 : 0);
