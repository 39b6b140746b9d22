# Roost sandbox runtime: gives a jail with egress its one way out, the node's egress proxy.
#
#   perl egress-relay.pl SOCKET_PATH JAIL_PID PORT
#
# Started inside the jail's network namespace only (nsenter -n), as the jail's user. Listens on
# 127.0.0.1:PORT in the jail's loopback (HTTP_PROXY points there) and carries each connection,
# byte for byte, to the jail's egress socket SOCKET_PATH (a host path the jail cannot see),
# where the proxy judges it by the jail's allowlist. Exits when the jail's process JAIL_PID is
# gone. It does not follow the Roost server: the socket path stays the same across restarts, so
# a relay of an earlier server goes on serving once the new server reopens the socket. When the
# port is taken (such a relay runs already) it says so and exits.
use strict;
use warnings;
use Socket;
use POSIX ();

my ($path, $jail, $port) = @ARGV;
$SIG{PIPE} = 'IGNORE';
$SIG{CHLD} = 'IGNORE';
socket(my $l, PF_INET, SOCK_STREAM, 0) or die "socket: $!\n";
if (!bind($l, pack_sockaddr_in($port, inet_aton('127.0.0.1')))) {
    if ($!{EADDRINUSE}) {
        print STDOUT "ready\nalready\n";
        exit 0;
    }
    die "bind 127.0.0.1:$port: $!\n";
}
listen($l, 128) or die "listen: $!\n";
print STDOUT "ready\n";
close STDOUT;
close STDERR;
POSIX::setsid();

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
    exit 0 if !kill(0, $jail);
    my $rin = '';
    vec($rin, fileno($l), 1) = 1;
    next unless select(my $rout = $rin, undef, undef, 1) > 0;
    accept(my $c, $l) or next;
    my $pid = fork();
    if (defined $pid && $pid == 0) {
        close $l;
        socket(my $t, PF_UNIX, SOCK_STREAM, 0) or POSIX::_exit(3);
        # No session (the server is restarting): the client sees its connection closed.
        connect($t, pack_sockaddr_un($path)) or POSIX::_exit(4);
        relay($c, $t);
        POSIX::_exit(0);
    }
    close $c;
}
