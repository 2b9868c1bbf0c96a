# SPDX-License-Identifier: BSD-2-Clause
# Copyright (c) 2026, The rp authors
package Test::Nginx::Util;

# Server management half of the local Test::Nginx::Socket work-alike
# (see t/lib/README.md).  Written for this project; it follows the
# documented behaviour of the CPAN Test::Nginx (config template, env vars,
# server root layout) so that .t files run unchanged under either.

use strict;
use warnings;

our $VERSION = '0.29_rp';

use base 'Exporter';

use POSIX qw( SIGQUIT SIGKILL SIGTERM :sys_wait_h );
use File::Spec ();
use File::Path qw( make_path remove_tree );
use List::Util qw( shuffle );
use Time::HiRes qw( sleep time );
use IO::Socket::INET ();
use Config ();
use Carp qw( croak );
use Test::More ();

our @EXPORT = qw(
    env_to_nginx is_str no_long_string $NoLongString
    server_addr $ServerAddr server_name $ServerName
    sleep_time verbose bail_out add_cleanup_handler
    error_log_data access_log_data setup_server_root write_config_file
    get_canon_version get_nginx_version trim show_all_chars parse_headers
    parse_time run_tests get_pid_from_pidfile expand_env_in_text
    $ServerPort $ServerPortForClient $NginxVersion $NginxRawVersion
    $NginxBinary $PidFile $ServRoot $ConfFile $ErrLogFile $AccLogFile
    $HtmlDir $LogDir $RunTestHelper $CheckErrorLog $RepeatEach
    $NoNginxManager add_block_preprocessor timeout worker_connections
    workers master_on master_off master_process_enabled config_preamble
    repeat_each log_level no_shuffle no_root_location html_dir
    server_root server_port server_port_for_client no_nginx_manager
    use_hup check_accum_error_log
);

#--------------------------------------------------------------------
# settings (same environment variables and defaults as the real one)
#--------------------------------------------------------------------

our $Verbose           = $ENV{TEST_NGINX_VERBOSE};
our $RepeatEach        = 1;
our $NoShuffle         = $ENV{TEST_NGINX_NO_SHUFFLE} || 0;
our $LoadModules       = $ENV{TEST_NGINX_LOAD_MODULES};
our $UseValgrind       = $ENV{TEST_NGINX_USE_VALGRIND};
our $Timeout           = $ENV{TEST_NGINX_TIMEOUT} || 3;
our $StartTimeout      = $ENV{TEST_NGINX_START_TIMEOUT} || ($UseValgrind ? 30 : 5);
our $CheckAccumErrLog  = $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG};
our $ServerAddr        = '127.0.0.1';
our $ServerName        = 'localhost';
our $Randomize         = $ENV{TEST_NGINX_RANDOMIZE};
our $NginxBinary       = $ENV{TEST_NGINX_BINARY} || 'nginx';
our $Workers           = 1;
our $WorkerConnections = 64;
our $LogLevel          = $ENV{TEST_NGINX_LOG_LEVEL} || 'debug';
our $MasterProcessEnabled = $ENV{TEST_NGINX_MASTER_PROCESS} || 'off';
our $DaemonEnabled     = 'on';
our $ServerPort        = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;
our $ServerPortForClient = $ENV{TEST_NGINX_CLIENT_PORT} || $ServerPort;
our $NoRootLocation    = 0;
our $TestNginxSleep    = $ENV{TEST_NGINX_SLEEP} || 0.015;
our $NoNginxManager    = $ENV{TEST_NGINX_NO_NGINX_MANAGER} || 0;
our $WorkerUser        = $ENV{TEST_NGINX_WORKER_USER};
our $NoLongString;
our $ConfigPreamble    = '';
our @EnvToNginx;
our @BlockPreprocessors;
our @CleanupHandlers;
our ($RunTestHelper, $CheckErrorLog);
our ($NginxVersion, $NginxRawVersion, $NginxConfigureArgs);
our $ErrLogFilePos = 0;
our $InSubprocess;
our $ValgrindPid;       # our child when running under valgrind
our $ValgrindBlockName;
our $PrevConfig;

if (defined $WorkerUser && $WorkerUser !~ /^\w+(?:\s+\w+)?$/) {
    die "Bad value in the env TEST_NGINX_WORKER_USER: $WorkerUser\n";
}

if ($UseValgrind) {
    # valgrind needs a foreground process we can wait for
    $DaemonEnabled = 'off';
}

srand $$;

sub gen_rand_port (;$$) {
    my ($tries, $used) = @_;
    $tries ||= 1000;
    $used  ||= {};
    for (1 .. $tries) {
        my $port = int(rand 63550) + 1985;
        next if $used->{$port};
        my $sock = IO::Socket::INET->new(
            LocalAddr => $ServerAddr,
            LocalPort => $port,
            Proto     => 'tcp',
            ReuseAddr => 1,
            Listen    => 1,
        );
        if ($sock) {
            close $sock;
            return $port;
        }
    }
    return undef;
}

if ($Randomize) {
    $ServerPort = gen_rand_port(1000);
    die "Cannot find an available listening port number\n"
        unless defined $ServerPort;
    $ServerPortForClient = $ServerPort;
}

our $ServRoot;
if ($Randomize) {
    $ServRoot = File::Spec->rel2abs("t/servroot_" . $ServerPort);
} else {
    $ServRoot = $ENV{TEST_NGINX_SERVROOT} || File::Spec->rel2abs('t/servroot');
}
$ENV{TEST_NGINX_SERVER_ROOT} = $ServRoot;

our $LogDir     = File::Spec->catfile($ServRoot, 'logs');
our $ErrLogFile = File::Spec->catfile($LogDir, 'error.log');
our $AccLogFile = File::Spec->catfile($LogDir, 'access.log');
our $HtmlDir    = File::Spec->catfile($ServRoot, 'html');
our $ConfDir    = File::Spec->catfile($ServRoot, 'conf');
our $ConfFile   = File::Spec->catfile($ConfDir, 'nginx.conf');
our $PidFile    = File::Spec->catfile($LogDir, 'nginx.pid');
# nginx's stderr (startup messages) is captured here rather than
# cluttering the TAP stream; it lives in logs/ so that the server root
# holds only conf/, html/, logs/ (the real Test::Nginx refuses to reuse
# a server root with other files in it).
our $StderrFile = File::Spec->catfile($LogDir, 'nginx.stderr');

# suppressions for known nginx-core leaks, shipped next to this file
our $CoreSuppressions = File::Spec->catfile(
    (File::Spec->splitpath(File::Spec->rel2abs(__FILE__)))[0, 1],
    'nginx-core.supp');
$CoreSuppressions =~ s{//+}{/}g;

#--------------------------------------------------------------------
# small public helpers
#--------------------------------------------------------------------

sub verbose { $Verbose }
sub sleep_time { $TestNginxSleep }
sub no_long_string () { $NoLongString = 1 }
sub no_shuffle () { $NoShuffle = 1 }
sub no_root_location () { $NoRootLocation = 1 }
sub no_nginx_manager () { $NoNginxManager = 1 }
sub check_accum_error_log () { $CheckAccumErrLog = 1 }
sub master_on () { $MasterProcessEnabled = 'on' }
sub master_off () { $MasterProcessEnabled = 'off' }
sub config_preamble ($) { $ConfigPreamble = shift }
sub html_dir () { $HtmlDir }
sub server_root () { $ServRoot }
sub add_cleanup_handler ($) { unshift @CleanupHandlers, shift }
sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }

sub use_hup () {
    # HUP-reload mode is not implemented: nginx is always restarted.
    warn "WARNING: use_hup() is not supported by this Test::Nginx "
       . "work-alike; nginx is restarted per block\n" if $Verbose;
}

sub _getset { my $ref = shift; if (@_) { $$ref = shift; return } $$ref }

sub server_addr (@)  { _getset(\$ServerAddr, @_) }
sub server_name (@)  { _getset(\$ServerName, @_) }
sub timeout (@)      { _getset(\$Timeout, @_) }
sub workers (@)      { _getset(\$Workers, @_) }
sub log_level (@)    { _getset(\$LogLevel, @_) }
sub worker_connections (@) { _getset(\$WorkerConnections, @_) }
sub server_port_for_client (@) { _getset(\$ServerPortForClient, @_) }

sub server_port (@) {
    if (@_) {
        $ServerPort = shift;
        $ServerPortForClient = $ServerPort;
        return;
    }
    $ServerPort;
}

sub repeat_each (@) {
    if (@_) {
        my $n = shift;
        croak "repeat_each: bad value: $n" unless $n =~ /^\d+$/ && $n > 0;
        $RepeatEach = $n;
    }
    return $RepeatEach;
}

sub master_process_enabled (@) {
    if (@_) {
        $MasterProcessEnabled = shift() ? 'on' : 'off';
        return;
    }
    $MasterProcessEnabled;
}

sub env_to_nginx (@) {
    croak "env_to_nginx: no arguments specified" unless @_;
    for my $v (@_) {
        if ($v !~ /^[A-Za-z_]/ || $v =~ /\n/) {
            croak "env_to_nginx: bad argument value: $v\n";
        }
        push @EnvToNginx, $v;
    }
}

sub parse_time ($) {
    my $tm = shift;
    if (defined $tm) {
        if ($tm =~ s/([^_a-zA-Z])ms$/$1/) {
            $tm = $tm / 1000;
        } else {
            $tm =~ s/([^_a-zA-Z])s$/$1/;
        }
    }
    $tm;
}

sub trim ($) {
    my $s = shift;
    return undef unless defined $s;
    $s =~ s/^\s+|\s+$//g;
    $s =~ s/\n/ /gs;
    $s =~ s/\s{2,}/ /gs;
    $s;
}

sub show_all_chars ($) {
    my $s = shift;
    $s =~ s/\n/\\n/gs;
    $s =~ s/\r/\\r/gs;
    $s =~ s/\t/\\t/gs;
    $s;
}

# "Name: value" lines => [ [name, value], ... ]; "!Name" => [name, undef].
# (The real one returns a hash; we keep an ordered list so test output
# order is stable.  The number of checks is identical.)
sub parse_headers ($) {
    my $s = shift;
    my @headers;
    my %seen;
    for my $line (split /\n/, $s) {
        $line =~ s/^\s+|\s+$//g;
        next if $line eq '';
        my $neg = ($line =~ s/^!\s*//);
        my ($key, $val);
        if ($neg) {
            ($key, $val) = ($line, undef);
        } else {
            ($key, $val) = split /\s*:\s*/, $line, 2;
            $val = '' unless defined $val;
        }
        if (exists $seen{$key}) {   # later lines win, like a hash would
            $headers[$seen{$key}][1] = $val;
            next;
        }
        $seen{$key} = scalar @headers;
        push @headers, [$key, $val];
    }
    return \@headers;
}

sub is_str (@) {
    my ($got, $expected, $desc) = @_;
    if (ref $expected && ref $expected eq 'Regexp') {
        return Test::More::like($got, $expected, $desc);
    }
    if ($NoLongString) {
        return Test::More::is($got, $expected, $desc);
    }
    require Test::LongString;
    my $ok = Test::LongString::is_string($got, $expected, $desc);
    if (!$ok && defined $got && defined $expected
        && ($got =~ /\n./ || $expected =~ /\n./))
    {
        if (eval { require Text::Diff; 1 }) {
            my $diff = Text::Diff::diff(\$expected, \$got,
                                        { STYLE => 'Unified' });
            Test::More::diag("--- expected\n+++ got\n$diff");
        }
    }
    return $ok;
}

sub bail_out (@) {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub get_canon_version (@) {
    sprintf "%d.%03d%03d", $_[0], $_[1], $_[2];
}

sub can_run ($) {
    my $cmd = shift;
    if ($cmd =~ m{[/\\]}) {
        return (-f $cmd && -x _) ? $cmd : undef;
    }
    for my $dir (split(/\Q$Config::Config{path_sep}\E/, $ENV{PATH} || ''),
                 '/usr/sbin', '/usr/local/sbin', '/usr/local/nginx/sbin')
    {
        next if $dir eq '';
        my $abs = File::Spec->catfile($dir, $cmd);
        return $abs if -f $abs && -x _;
    }
    return undef;
}

sub get_nginx_version () {
    my $bin = can_run($NginxBinary);
    if (!$bin) {
        bail_out("Cannot find the nginx executable \"$NginxBinary\" "
                 . "(set TEST_NGINX_BINARY or PATH)");
    }
    $NginxBinary = $bin;
    my $out = `'$bin' -V 2>&1`;
    if (!defined $out || $? != 0) {
        bail_out("Failed to get the version of nginx ($bin): "
                 . (defined $out ? $out : ''));
    }
    $NginxConfigureArgs = $out =~ /configure arguments:\s*(.*)/ ? $1 : '';
    if ($out =~ m{(?:nginx|openresty)[^/]*/(\d+)\.(\d+)\.(\d+)}s
        || $out =~ m{\w+/(\d+)\.(\d+)\.(\d+)}s)
    {
        $NginxRawVersion = "$1.$2.$3";
        return get_canon_version($1, $2, $3);
    }
    bail_out("Failed to parse the output of \"nginx -V\": $out");
}

sub get_pid_from_pidfile ($) {
    my $name = shift;
    open my $in, '<', $PidFile or return undef;
    my $pid = do { local $/; <$in> };
    close $in;
    return undef unless defined $pid;
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

sub expand_env_in_text ($$) {
    my ($text, $name) = @_;
    return $text unless defined $text && !ref $text;
    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        if (!defined $ENV{$1}) {
            bail_out("$name - No environment $1 defined.\n");
        }
        $ENV{$1};
    }eg;
    $text;
}

#--------------------------------------------------------------------
# process management
#--------------------------------------------------------------------

sub is_running ($) {
    my $pid = shift;
    return 0 unless $pid;
    return 0 unless kill(0, $pid);
    # a daemonized nginx that exited stays a zombie until its new parent
    # (pid 1, possibly a lazy reaper in containers) collects it
    if (open my $in, '<', "/proc/$pid/stat") {
        my $stat = <$in>;
        close $in;
        return 0 if defined $stat && $stat =~ /\)\s+[ZX]\s/;
    }
    return 1;
}

# Only ever signal a pid that really is an nginx (or valgrind-wrapped
# nginx) process: a stale pid file must not make us kill a stranger.
sub looks_like_nginx ($) {
    my $pid = shift;
    return 0 unless is_running($pid);
    if (open my $in, '<', "/proc/$pid/cmdline") {
        my $cmd = do { local $/; <$in> };
        close $in;
        return 1 if defined $cmd && $cmd =~ /nginx|valgrind|memcheck/;
        return 0;
    }
    return 1;   # no /proc: trust the pid file like the real one
}

sub _reap_and_check ($) {
    my $pid = shift;
    waitpid($pid, WNOHANG);
    return is_running($pid);
}

sub kill_process ($$) {
    my ($pid, $name) = @_;
    return unless $pid;

    kill(SIGQUIT, $pid);
    my $deadline = time + $Timeout;
    while (time < $deadline) {
        return unless _reap_and_check($pid);
        sleep 0.02;
    }

    warn "$name - timeout when waiting for the process $pid to exit; "
       . "sending TERM\n";
    kill(SIGTERM, $pid);
    $deadline = time + 1;
    while (time < $deadline) {
        return unless _reap_and_check($pid);
        sleep 0.02;
    }

    warn "$name - WARNING: killing the process $pid with force\n";
    kill(SIGKILL, $pid);
    $deadline = time + 1;
    while (time < $deadline) {
        return unless _reap_and_check($pid);
        sleep 0.02;
    }
}

# Stop the nginx recorded in the pid file (and our valgrind child).
sub stop_nginx ($) {
    my $name = shift;
    my $pid = get_pid_from_pidfile($name);
    if (defined $pid && $pid != $$ && looks_like_nginx($pid)) {
        kill_process($pid, $name);
    }
    if (defined $ValgrindPid) {
        if (is_running($ValgrindPid)) {
            kill_process($ValgrindPid, $name);
        }
        waitpid($ValgrindPid, WNOHANG);
        undef $ValgrindPid;
    }
    unlink $PidFile if -f $PidFile;
}

sub cleanup () {
    for my $hdl (@CleanupHandlers) {
        eval { $hdl->() };
        warn "cleanup handler failed: $@" if $@;
    }
}

#--------------------------------------------------------------------
# server root and config
#--------------------------------------------------------------------

sub setup_server_root () {
    if (-d $ServRoot) {
        # only remove what we create, never the whole tree blindly
        remove_tree($ConfDir, $HtmlDir, $LogDir,
                    glob("$ServRoot/*_cache"), glob("$ServRoot/*_temp"));
        unlink $StderrFile;
    }
    for my $d ($ServRoot, $LogDir, $HtmlDir, $ConfDir) {
        next if -d $d;
        make_path($d) or bail_out("Failed to do mkdir $d: $!");
    }
    my $index = File::Spec->catfile($HtmlDir, 'index.html');
    open my $out, '>', $index
        or bail_out("Can't open $index for writing: $!");
    print $out '<html><head><title>It works!</title></head>'
             . '<body>It works!</body></html>';
    close $out;
}

sub write_user_files ($) {
    my $block = shift;
    my $name = $block->name;
    my $files = $block->user_files;
    return unless $files;

    if (!ref $files) {
        my @list;
        my ($fname, $body, $date);
        for my $line (split /^/, $files) {
            if ($line =~ /^>>> (\S+)(?:\s+(.+))?/) {
                push @list, [$fname, $body, $date] if defined $fname;
                ($fname, $date, $body) = ($1, $2, undef);
            } else {
                $body .= $line;
            }
        }
        push @list, [$fname, $body, $date] if defined $fname;
        $files = \@list;
    } elsif (ref $files ne 'ARRAY') {
        bail_out("$name - wrong value type for --- user_files: "
                 . ref($files));
    }

    for my $f (@$files) {
        my ($fname, $body, $date) = @$f;
        $body = '' unless defined $body;
        my $path = $fname =~ m{^/} ? $fname : "$HtmlDir/$fname";
        if ($path =~ m{(.*)/}) {
            make_path($1) unless -d $1;
        }
        $body = expand_env_in_text($body, $name);
        open my $out, '>', $path
            or bail_out("$name - Cannot open $path for writing: $!");
        binmode $out;
        print $out $body;
        close $out;
        if ($date) {
            system("TZ=GMT touch -t '$date' '$path'") == 0
                or bail_out("$name - failed to touch $path");
        }
    }
}

# Temp paths compiled into a distro nginx (e.g. /var/lib/nginx/body)
# are unusable when not root.  A prefix-built nginx (what the real
# Test::Nginx assumes) keeps them under the server root; emulate that,
# but only where needed so the config stays identical otherwise.
sub _extra_temp_paths ($) {
    my $text = shift;
    return '' if $> == 0;
    my $extra = '';
    while ($NginxConfigureArgs =~ /--http-(client-body|proxy|fastcgi|uwsgi|scgi)-temp-path=(\S+)/g) {
        my ($kind, $path) = ($1, $2);
        (my $dir = $path) =~ s{/[^/]*$}{};
        next if $path !~ m{^/} || -w $path || (!-e $path && -w $dir);
        (my $directive = $kind) =~ s/-/_/g;
        $directive .= '_temp_path';
        next if $text =~ /\b\Q$directive\E\b/;
        (my $sub = $kind) =~ s/-/_/g;
        $extra .= "    $directive $ServRoot/${sub}_temp;\n";
    }
    $extra;
}

sub write_config_file ($$) {
    my ($block, $config) = @_;
    my $name = $block->name;

    my $http_config      = expand_env_in_text($block->http_config, $name);
    my $main_config      = expand_env_in_text($block->main_config, $name);
    my $post_main_config = expand_env_in_text($block->post_main_config, $name);
    my $server_name      = $block->server_name;
    my $err_log_file     = $block->error_log_file || $ErrLogFile;
    my $log_level        = $block->log_level || $LogLevel;

    $config           = '' unless defined $config;
    $http_config      = '' unless defined $http_config;
    $main_config      = '' unless defined $main_config;
    $post_main_config = '' unless defined $post_main_config;
    $server_name      = $ServerName unless defined $server_name;

    if ($LoadModules) {
        my @mods = map { "load_module $_;" } grep { length } split /\s+/, $LoadModules;
        $main_config .= join ' ', @mods if @mods;
    }

    my $extra_http = _extra_temp_paths("$http_config\n$config");

    open my $out, '>', $ConfFile
        or bail_out("Can't open $ConfFile for writing: $!");

    print $out <<_EOC_;
worker_processes  $Workers;
daemon $DaemonEnabled;
master_process $MasterProcessEnabled;
error_log $err_log_file $log_level;
pid       $PidFile;
env MOCKEAGAIN_VERBOSE;
env MOCKEAGAIN;
env MOCKEAGAIN_WRITE_TIMEOUT_PATTERN;
env LD_PRELOAD;
env LD_LIBRARY_PATH;
env DYLD_INSERT_LIBRARIES;
env DYLD_FORCE_FLAT_NAMESPACE;
_EOC_

    for my $v (@EnvToNginx) {
        my $e = $v =~ /\s/ ? "'$v'" : $v;
        print $out "env $e;\n";
    }

    print $out <<_EOC_;

$main_config

http {
    access_log $AccLogFile;
    #access_log off;

    default_type text/plain;
    keepalive_timeout  68;
$extra_http
$http_config

    server {
        listen          $ServerPort;
        server_name     '$server_name';

        client_max_body_size 30M;
        #client_body_buffer_size 4k;

        # Begin preamble config...
$ConfigPreamble
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

_EOC_

    if (!$NoRootLocation) {
        print $out <<_EOC_;
        location / {
            root $HtmlDir;
            index index.html index.htm;
        }
_EOC_
    }

    print $out <<_EOC_;
    }
}

$post_main_config

#timer_resolution 100ms;

events {
    accept_mutex off;

    worker_connections  $WorkerConnections;
}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
_EOC_

    if (defined $WorkerUser) {
        print $out "user $WorkerUser;\n";
    } elsif ($> == 0) {
        print $out "user root;\n";
    }

    close $out;
}

#--------------------------------------------------------------------
# log access
#--------------------------------------------------------------------

sub _read_log_from ($$) {
    my ($file, $pos) = @_;
    open my $in, '<', $file or return ([], $pos);
    seek $in, $pos, 0 if $pos > 0;
    my @lines = <$in>;
    my $newpos = tell $in;
    close $in;
    return (\@lines, $newpos);
}

# Lines written to error.log since the previous call within this block
# (whole file on the first call of a block, like the real one).
sub error_log_data () {
    # logging in the log phase may happen after the response is sent
    sleep $TestNginxSleep * 3;
    my ($lines, $pos) = _read_log_from($ErrLogFile,
                                       $CheckAccumErrLog ? 0 : $ErrLogFilePos);
    $ErrLogFilePos = $pos unless $CheckAccumErrLog;
    return $lines;
}

sub access_log_data () {
    sleep $TestNginxSleep * 3;
    my ($lines) = _read_log_from($AccLogFile, 0);
    return $lines;
}

sub _tail ($$) {
    my ($file, $n) = @_;
    open my $in, '<', $file or return '';
    my @l = <$in>;
    close $in;
    splice @l, 0, @l - $n if @l > $n;
    join '', @l;
}

#--------------------------------------------------------------------
# starting nginx
#--------------------------------------------------------------------

sub nginx_cmd () {
    my @cmd = ($NginxBinary, '-p', "$ServRoot/", '-c', $ConfFile);
    # -e (1.19.5+) sends early messages (config errors) to the test's
    # error log instead of the compiled-in path (stderr on Debian).
    push @cmd, '-e', $ErrLogFile if $NginxVersion >= 1.019005;
    return @cmd;
}

sub valgrind_cmd () {
    my @opts;
    if (!$UseValgrind || $UseValgrind =~ /^\d+$/) {
        @opts = ('--tool=memcheck', '--leak-check=full',
                 '--show-possibly-lost=no',
                 '--errors-for-leak-kinds=definite',
                 '--num-callers=50');
    } else {
        @opts = split ' ', $UseValgrind;
    }
    push @opts, "--suppressions=$CoreSuppressions" if -f $CoreSuppressions;
    push @opts, '--suppressions=valgrind.suppress' if -f 'valgrind.suppress';
    return ('valgrind', @opts, "--log-file=$ServRoot/valgrind.%p.log");
}

# Run a command with stdout to /dev/null and stderr to $StderrFile;
# wait at most $limit seconds.  Returns (status, timed_out).
sub _run_bounded ($@) {
    my ($limit, @cmd) = @_;
    my $pid = fork();
    bail_out("fork() failed: $!") unless defined $pid;
    if ($pid == 0) {
        $InSubprocess = 1;
        open STDIN,  '<',  '/dev/null';
        open STDOUT, '>',  '/dev/null';
        open STDERR, '>>', $StderrFile;
        { no warnings "exec"; exec { $cmd[0] } @cmd; }
        POSIX::_exit(127);
    }
    my $deadline = time + $limit;
    while (time < $deadline) {
        my $r = waitpid($pid, WNOHANG);
        return ($?, 0) if $r == $pid;
        sleep 0.01;
    }
    kill SIGKILL, $pid;
    waitpid($pid, 0);
    return ($?, 1);
}

sub _port_open () {
    my $s = IO::Socket::INET->new(PeerAddr => $ServerAddr,
                                  PeerPort => $ServerPortForClient,
                                  Proto => 'tcp', Timeout => 0.5);
    return 0 unless $s;
    close $s;
    return 1;
}

sub _startup_diag () {
    my $msg = '';
    my $err = _tail($StderrFile, 20);
    $msg .= "nginx stderr:\n$err" if length $err;
    my $log = join '', grep { /\[(?:emerg|alert|crit|error)\]/ }
                       split /^/, _tail($ErrLogFile, 200);
    $msg .= "error.log:\n$log" if length $log;
    $msg;
}

# Start nginx for a block.  Returns 1 on success; on failure reports a
# failed test (with the startup messages) and returns 0.
sub start_nginx ($) {
    my $block = shift;
    my $name = $block->name;
    my @cmd = nginx_cmd();

    if ($UseValgrind) {
        my @vcmd = (valgrind_cmd(), @cmd);
        warn "$name\n";
        my $pid = fork();
        bail_out("fork() failed: $!") unless defined $pid;
        if ($pid == 0) {
            $InSubprocess = 1;
            setpgrp;
            open STDIN,  '<',  '/dev/null';
            open STDOUT, '>',  '/dev/null';
            open STDERR, '>>', $StderrFile;
            { no warnings "exec"; exec { $vcmd[0] } @vcmd; }
            POSIX::_exit(127);
        }
        $ValgrindPid = $pid;
        $ValgrindBlockName = $name;
        my $deadline = time + $StartTimeout;
        while (time < $deadline) {
            if (waitpid($pid, WNOHANG) == $pid) {
                undef $ValgrindPid;
                Test::More::fail("$name - nginx (under valgrind) exited "
                                 . "during startup (status $?)");
                Test::More::diag(_startup_diag());
                return 0;
            }
            return 1 if -s $PidFile && _port_open();
            sleep 0.05;
        }
        Test::More::fail("$name - nginx (under valgrind) did not start "
                         . "within ${StartTimeout}s");
        Test::More::diag(_startup_diag());
        stop_nginx($name);
        return 0;
    }

    # daemon on: the command returns once nginx has daemonized.  A
    # busy port (the previous nginx still closing) is retried until the
    # start timeout expires.
    my $deadline = time + $StartTimeout;
    my ($status, $timed_out);
    while (1) {
        truncate $StderrFile, 0 if -e $StderrFile;
        ($status, $timed_out) = _run_bounded($deadline - time > 0.2
                                             ? $deadline - time : 0.2, @cmd);
        last if $status == 0 && !$timed_out;
        last if $timed_out || time >= $deadline;
        my $why = _tail($StderrFile, 20) . _tail($ErrLogFile, 5);
        last unless $why =~ /Address already in use|still could not bind/;
        sleep 0.1;
    }

    if ($timed_out || $status != 0) {
        Test::More::fail("$name - cannot start nginx using command \""
                         . join(' ', @cmd) . "\" ("
                         . ($timed_out ? "timed out after ${StartTimeout}s"
                                       : "exit status " . ($status >> 8))
                         . ")");
        Test::More::diag(_startup_diag());
        return 0;
    }

    # the pid file is written right after daemonizing
    while (time < $deadline) {
        last if -s $PidFile;
        sleep 0.01;
    }
    if (!-s $PidFile) {
        Test::More::fail("$name - nginx started but wrote no pid file "
                         . "within ${StartTimeout}s");
        return 0;
    }
    sleep $TestNginxSleep;
    return 1;
}

# Check the valgrind logs of the nginx that has just been stopped.
sub check_valgrind_logs ($) {
    my $name = shift;
    my @logs = glob("$ServRoot/valgrind.*.log");
    for my $log (@logs) {
        open my $in, '<', $log or next;
        my $text = do { local $/; <$in> };
        close $in;
        unlink $log;
        my $bad = 0;
        $bad = 1 if $text =~ /ERROR SUMMARY: ([1-9]\d*) errors/;
        $bad = 1 if $text =~ /definitely lost: ([\d,]+) bytes/ && $1 ne '0';
        if ($bad) {
            Test::More::fail("$name - valgrind reported errors or definite "
                             . "leaks (see below)");
            Test::More::diag($text);
        }
    }
}

#--------------------------------------------------------------------
# the driver
#--------------------------------------------------------------------

sub _check_skip ($) {
    my $block = shift;
    my $name = $block->name;

    if (defined(my $spec = $block->skip_nginx)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*([<>]=?)\s*(\d+)\.(\d+)\.(\d+)(?:\s*:\s*(.*))?\s*$}) {
            my ($n, $op, @v) = ($1, $2, $3, $4, $5);
            my $reason = $6 || "nginx version $op $v[0].$v[1].$v[2]";
            my $ver = get_canon_version(@v);
            return ($n, $reason) if eval "$NginxVersion $op $ver";
            return;
        }
        bail_out("$name - Invalid --- skip_nginx spec: $spec");
    }

    if (defined(my $spec = $block->skip_eval)) {
        if ($spec =~ m{^\s*(\d+)\s*:\s*(.*)}s) {
            my ($n, $code) = ($1, $2);
            my $r = eval $code;
            bail_out("$name - skip_eval - failed to eval \"$code\": $@") if $@;
            return ($n, 'skip_eval') if $r;
            return;
        }
        bail_out("$name - Invalid --- skip_eval spec: $spec");
    }
    return;
}

sub run_test ($) {
    my $block = shift;
    my $name = $block->name;

    return if defined $block->SKIP;

    my ($skip_n, $skip_reason) = _check_skip($block);
    if (defined $skip_n) {
        SKIP: {
            Test::More::skip("$name - $skip_reason", $skip_n * $RepeatEach);
        }
        return;
    }

    my ($todo_n, $todo_reason);
    if (defined(my $todo = $block->todo)) {
        if ($todo =~ m{^\s*(\d+)\s*:\s*(.*)}s) {
            ($todo_n, $todo_reason) = ($1, $2);
        } else {
            bail_out("$name - Invalid --- todo spec: $todo");
        }
    }

    my $config = expand_env_in_text($block->config, $name);
    my $must_die = $block->must_die;

    my $restart = !$NoNginxManager;
    if ($restart && !defined $config && !defined $must_die) {
        # like the real one: keep the nginx of the previous block
        if (!defined $PrevConfig) {
            bail_out("$name - No '--- config' section specified and "
                     . "could not get previous one.");
        }
        $restart = 0;
    }

    if ($restart) {
        $PrevConfig = defined $config ? $config : '';
        stop_nginx($name);
        setup_server_root();
        write_user_files($block);
        write_config_file($block, $config);

        if (defined $must_die) {
            run_must_die($block);
            return;
        }

        $ErrLogFilePos = 0;
        if (!start_nginx($block)) {
            return;
        }
    }

    if (defined(my $init = $block->init)) {
        eval $init;
        bail_out("$name - init failed: $@") if $@;
    }

    $ErrLogFilePos = 0;
    for my $i (0 .. $RepeatEach - 1) {
        write_user_files($block) if $i > 0;
        if (defined $todo_n) {
            TODO: {
                Test::More::todo_skip("$name - $todo_reason", $todo_n);
            }
        } else {
            $RunTestHelper->($block, 0, $i);
        }
    }

    if ($UseValgrind && $restart) {
        # stop now so that leaks are reported against this block
        stop_nginx($name);
        check_valgrind_logs($name);
    }
}

sub run_must_die ($) {
    my $block = shift;
    my $name = $block->name;
    my $must_die = $block->must_die;
    my @cmd = nginx_cmd();

    for my $i (0 .. $RepeatEach - 1) {
        $ErrLogFilePos = 0;
        truncate $ErrLogFile, 0 if -e $ErrLogFile;
        unlink $StderrFile;
        my ($status, $timed_out) = _run_bounded($StartTimeout, @cmd);
        my $exit_code = $status >> 8;

        if ($timed_out) {
            Test::More::fail("$name - nginx did not exit within "
                             . "${StartTimeout}s (must_die)");
        } elsif ($status & 128) {
            Test::More::fail("$name - nginx core dumped");
        } elsif ($must_die =~ /^\s*(\d+)\s*$/) {
            Test::More::is($exit_code, $1,
                           "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }

        # messages that did not make it into error.log (e.g. -e not
        # supported, or a failure before the log was opened) are on
        # stderr; expose them to the error_log checks as well.
        my $stderr = _tail($StderrFile, 1000);
        if (length $stderr && !-s $ErrLogFile) {
            if (open my $out, '>>', $ErrLogFile) {
                print $out $stderr;
                close $out;
            }
        }

        $CheckErrorLog->($block, undef, 0, $i, 0);

        if ($status == 0 && !$timed_out) {
            warn "WARNING: $name - nginx must die but it does not; "
               . "killing it (req $i)\n";
            my $deadline = time + 1;
            sleep 0.01 while !-s $PidFile && time < $deadline;
            stop_nginx($name);
        }
    }
}

sub run_tests () {
    $NginxVersion = get_nginx_version();

    if (!defined $ENV{TEST_NGINX_SERVER_PORT}) {
        $ENV{TEST_NGINX_SERVER_PORT} = $ServerPort;
    }

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks unless $NoShuffle;

    for my $block (@blocks) {
        for my $hdl (@BlockPreprocessors) {
            $hdl->($block);
        }
        $block->set_value("name", $0 . " " . $block->name);
        run_test($block);
    }

    cleanup();
}

END {
    return if $InSubprocess;
    local $?;   # keep Test::Builder's exit code
    cleanup();
    if ($UseValgrind || !$ENV{TEST_NGINX_NO_CLEAN}) {
        if (defined $PidFile && (-f $PidFile || defined $ValgrindPid)) {
            stop_nginx("END");
            check_valgrind_logs($ValgrindBlockName || "END") if $UseValgrind;
        }
    }
    if ($Randomize && defined $ServRoot && $ServRoot =~ m{/t/servroot_\d+$}
        && -d $ServRoot)
    {
        remove_tree($ServRoot);
    }
}

1;
