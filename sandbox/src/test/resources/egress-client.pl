# A tiny HTTP client for egress tests, with nothing but perl-base. Prints what it got.
#   perl egress-client.pl get URL            GET through $http_proxy
#   perl egress-client.pl connect HOST:PORT  CONNECT through $https_proxy, then send "ping" and print the answer line
#   perl egress-client.pl direct HOST PORT   connect without the proxy; exit 0 when connected
#   perl egress-client.pl unix PATH          connect to a Unix socket; exit 0 when connected
#   perl egress-client.pl send REQUEST       send REQUEST (with \r\n escapes) to $http_proxy as it is, print the answer
use strict; use warnings; use IO::Socket::INET; use IO::Socket::UNIX;
my ($mode, @args) = @ARGV;
sub proxy { my ($p) = @_; $p =~ m{^http://([^:/]+):(\d+)} or die "no proxy in the environment\n";
    my $s = IO::Socket::INET->new(PeerAddr => $1, PeerPort => $2, Timeout => 5);
    die "cannot reach the proxy: $!\n" unless $s; return $s; }
if ($mode eq 'get') {
    my $s = proxy($ENV{http_proxy} // '');
    my ($host) = $args[0] =~ m{^http://([^/]+)};
    print $s "GET $args[0] HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n";
    local $/; my $all = <$s>; print $all // ''; exit 0;
}
if ($mode eq 'connect') {
    my $s = proxy($ENV{https_proxy} // '');
    print $s "CONNECT $args[0] HTTP/1.1\r\nHost: $args[0]\r\n\r\n";
    my $status = <$s>; print $status;
    while (my $line = <$s>) { print $line; last if $line eq "\r\n" }
    exit 1 unless $status =~ m{^HTTP/1\.1 200};
    $s->autoflush(1); print $s "ping\n"; my $answer = <$s>; print $answer // "(nothing)\n"; exit 0;
}
if ($mode eq 'send') {
    my $s = proxy($ENV{http_proxy} // '');
    (my $request = $args[0]) =~ s/\\r/\r/g; $request =~ s/\\n/\n/g;
    print $s $request; local $/; my $all = <$s>; print $all // ''; exit 0;
}
if ($mode eq 'direct') {
    my $s = IO::Socket::INET->new(PeerAddr => $args[0], PeerPort => $args[1], Timeout => 3) or exit 1; exit 0;
}
if ($mode eq 'unix') {
    my $s = IO::Socket::UNIX->new(Peer => $args[0]) or exit 1; exit 0;
}
die "unknown mode $mode\n";
