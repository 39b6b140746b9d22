# Roost sandbox runtime: lets Roost's server reach a port of a jail that has no network.
#
#   perl port-forwarder.pl SOCKET_PATH JAIL_PID
#
# Started inside the jail's network namespace only (nsenter -n), as the jail's user: it sees
# the jail's loopback and nothing else of the jail. Listens on the Unix socket SOCKET_PATH (a
# host path the jail cannot see); each client first sends one line with a port number, and is
# then connected to 127.0.0.1:PORT in the jail, byte for byte, one process per connection.
# Exits when the jail's process JAIL_PID is gone or its parent (the Roost server) exits.
use strict;
use warnings;
use Socket;
use POSIX ();

my ($path, $jail) = @ARGV;
my $parent = getppid();
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = 'IGNORE';
unlink $path;
socket(my $l, PF_UNIX, SOCK_STREAM, 0) or die "socket: $!\n";
bind($l, pack_sockaddr_un($path)) or die "bind $path: $!\n";
listen($l, 64) or die "listen: $!\n";
print STDOUT "ready\n";
close STDOUT;

sub relay {
    my ($a, $b) = @_;
    my %peer = (fileno($a) => [$a, $b], fileno($b) => [$b, $a]);
    my %open = (fileno($a) => 1, fileno($b) => 1);
    while (%open) {
        my $rin = '';
        vec($rin, $_, 1) = 1 for keys %open;
        next if select(my $rout = $rin, undef, undef, undef) <= 0;
        for my $fd (keys %open) {
            next unless vec($rout, $fd, 1);
            my ($from, $to) = @{$peer{$fd}};
            my $k = sysread($from, my $data, 65536);
            if (!$k) {
                delete $open{$fd};
                shutdown($to, 1);
                next;
            }
            my $off = 0;
            while ($off < $k) {
                my $w = syswrite($to, $data, $k - $off, $off);
                return unless defined $w;
                $off += $w;
            }
        }
    }
}

while (1) {
    exit 0 if !kill(0, $jail) || getppid() != $parent;
    my $rin = '';
    vec($rin, fileno($l), 1) = 1;
    next unless select(my $rout = $rin, undef, undef, 1) > 0;
    accept(my $c, $l) or next;
    my $pid = fork();
    if (defined $pid && $pid == 0) {
        close $l;
        my $line = '';
        while (length($line) < 8 && sysread($c, my $ch, 1)) {
            last if $ch eq "\n";
            $line .= $ch;
        }
        POSIX::_exit(2) unless $line =~ /^([0-9]{1,5})$/ && $1 > 0 && $1 < 65536;
        my $port = $1;
        my $t;
        # A process that has just started may not listen yet: try for two seconds, as a client would.
        for my $try (1 .. 20) {
            socket($t, PF_INET, SOCK_STREAM, 0) or POSIX::_exit(3);
            last if connect($t, pack_sockaddr_in($port, inet_aton('127.0.0.1')));
            close $t;
            undef $t;
            select(undef, undef, undef, 0.1);
        }
        POSIX::_exit(4) unless $t;
        relay($c, $t);
        POSIX::_exit(0);
    }
    close $c;
}
