# Roost sandbox runtime: the supervisor of one jail (a sandboxed instance's process).
#
#   perl jail-shim.pl STATE_DIR ARGS_FILE LOG_CAP_BYTES N PROCS_FILE... -- PROGRAM ARGS...
#
# Detaches (new session, parent 1), so the jail outlives the Roost server that started it.
# Its child writes its own pid into each of the N cgroup.procs files (so everything the jail
# starts is limited from the first instruction), gets ARGS_FILE's bytes on fd 3 through a pipe
# (bubblewrap reads its arguments there: they hold the jail's environment, secrets included,
# and never appear on a command line), and execs PROGRAM. ARGS_FILE is deleted once read.
#
# Writes into STATE_DIR:
#   shim.pid   "SHIM_PID CHILD_PID"
#   log        one line per output line: "EPOCH_MILLIS O|E TEXT"; at LOG_CAP_BYTES it becomes
#              log.1 (replacing the older one) and a new log starts. Lines longer than 16 KiB
#              are split.
#   exit       "CODE FINISHED_EPOCH_MILLIS" when the child ended (CODE = 128 + signal when killed)
# The launching process exits 0 once the child runs (1 and a reason on stderr otherwise).
use strict;
use warnings;
use POSIX ();
my $hires = eval { require Time::HiRes; 1 };
sub now_millis { return $hires ? int(Time::HiRes::time() * 1000) : time() * 1000 }

my ($dir, $args_file, $cap, $n) = splice(@ARGV, 0, 4);
my @procs = splice(@ARGV, 0, $n);
shift @ARGV if @ARGV && $ARGV[0] eq '--';
die "roost jail shim: no program\n" unless @ARGV;

open(my $args_in, '<', $args_file) or die "roost jail shim: cannot read $args_file: $!\n";
binmode $args_in;
my $args = do { local $/; <$args_in> };
close $args_in;
unlink $args_file;

pipe(my $ready_r, my $ready_w) or die "roost jail shim: pipe: $!\n";
my $daemon = fork();
die "roost jail shim: fork: $!\n" unless defined $daemon;
if ($daemon) {
    close $ready_w;
    my $answer = <$ready_r>;
    exit 0 if defined $answer && $answer eq "ok\n";
    print STDERR defined $answer ? $answer : "roost jail shim: the supervisor did not start\n";
    exit 1;
}
close $ready_r;
POSIX::setsid();
umask 077;
$SIG{PIPE} = 'IGNORE';

pipe(my $out_r, my $out_w) or die "pipe: $!";
pipe(my $err_r, my $err_w) or die "pipe: $!";
pipe(my $arg_r, my $arg_w) or die "pipe: $!";
my $child = fork();
if (!defined $child) {
    print $ready_w "roost jail shim: fork: $!\n";
    exit 1;
}
if ($child == 0) {
    umask 022;
    open(STDIN, '<', '/dev/null');
    POSIX::dup2(fileno $out_w, 1);
    POSIX::dup2(fileno $err_w, 2);
    my $args_fd = fileno $arg_r;
    # dup2 onto itself would keep the close-on-exec flag perl sets: move it away first.
    $args_fd = POSIX::dup($args_fd) if $args_fd == 3;
    POSIX::dup2($args_fd, 3);
    for my $procs (@procs) {
        my $ok = open(my $p, '>', $procs);
        $ok = print {$p} "$$\n" if $ok;
        $ok = close($p) if $ok;
        if (!$ok) {
            print STDERR "roost jail shim: cannot join the cgroup $procs: $!\n";
            POSIX::_exit(125);
        }
    }
    { no warnings 'exec'; exec { $ARGV[0] } @ARGV; }
    print STDERR "roost jail shim: cannot run $ARGV[0]: $!\n";
    POSIX::_exit(127);
}
close $out_w;
close $err_w;
close $arg_r;

sub write_atomically {
    my ($name, $text) = @_;
    open(my $f, '>', "$dir/$name.tmp") or return;
    print {$f} $text;
    close $f;
    rename("$dir/$name.tmp", "$dir/$name");
}
write_atomically('shim.pid', "$$ $child\n");
print {$ready_w} "ok\n";
close $ready_w;
open(STDIN, '<', '/dev/null');
open(STDOUT, '>', '/dev/null');
open(STDERR, '>>', "$dir/shim.err");

# bubblewrap reads its arguments first thing; a jail that dies before reading them ends the write.
{
    my $off = 0;
    while ($off < length $args) {
        my $k = syswrite($arg_w, $args, length($args) - $off, $off);
        last unless defined $k && $k > 0;
        $off += $k;
    }
    close $arg_w;
    $args = '';
}

open(my $log, '>>', "$dir/log") or die "cannot open $dir/log: $!";
binmode $log;
$log->autoflush(1);
my %stream = (fileno($out_r) => ['O', $out_r, ''], fileno($err_r) => ['E', $err_r, '']);
my $max_line = 16384;

sub emit {
    my ($tag, $text) = @_;
    print {$log} now_millis() . " $tag $text\n";
    if (-s $log >= $cap) {
        close $log;
        rename("$dir/log", "$dir/log.1");
        open($log, '>>', "$dir/log") or die "cannot open $dir/log: $!";
        binmode $log;
        $log->autoflush(1);
    }
}

while (%stream) {
    my $rin = '';
    vec($rin, $_, 1) = 1 for keys %stream;
    my $got = select(my $rout = $rin, undef, undef, undef);
    next if $got <= 0;
    for my $fd (keys %stream) {
        next unless vec($rout, $fd, 1);
        my $s = $stream{$fd};
        my $k = sysread($s->[1], my $data, 65536);
        if (!defined $k) {
            next if $!{EINTR} || $!{EAGAIN};
            $k = 0;
        }
        if ($k == 0) {
            emit($s->[0], $s->[2]) if length $s->[2];
            close $s->[1];
            delete $stream{$fd};
            next;
        }
        $s->[2] .= $data;
        while ($s->[2] =~ s/^([^\n]*)\n//) {
            my $line = $1;
            $line =~ s/\r$//;
            emit($s->[0], substr($line, 0, $max_line, '')) while length $line > $max_line;
            emit($s->[0], $line);
        }
        emit($s->[0], substr($s->[2], 0, $max_line, '')) while length $s->[2] > $max_line;
    }
}
close $log;
waitpid($child, 0);
my $status = $?;
my $code = ($status & 127) ? 128 + ($status & 127) : ($status >> 8);
write_atomically('exit', "$code " . now_millis() . "\n");
exit 0;
