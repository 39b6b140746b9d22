#!/usr/bin/env bash
# Builds the images the Docker runtime tests use, from Debian's static busybox, without any
# registry: roost-test/busybox:1 (serves /www on port 8080) and roost-test/busybox:unhealthy
# (the same, but its health endpoint answers 503). Idempotent: does nothing when both images
# exist and were built by this version of the script. Needs docker and busybox-static.
#
# What the image holds:
#   /bin/busybox and a symlink per applet (sh, wget, httpd, ...)
#   /www/healthz, /www/health     static "ok"
#   /www/cgi-bin/healthz          CGI: 200 "ok", or the status in $ROOST_TEST_HEALTH
#                                 (set to 503 in the :unhealthy tag), or 503 when
#                                 /tmp/unhealthy exists
#   /www/cgi-bin/webhook          CGI: echoes the request body
#   /bin/roost-test-service       the default command: httpd -f -p ${PORT:-8080} -h /www in the
#                                 background; prints one line (and $ROOST_TEST_PRINT, if set,
#                                 for log masking tests); exits 0 on SIGTERM at once, and exits with the
#                                 code written to /tmp/exit when that file appears (tests use
#                                 it to make the main process "crash" with a chosen code).
#                                 Runs as any user, on a read-only root filesystem.
#   /bin/node                     stands in for `node … --port N` (the openclaw-agent
#                                 template's command): runs roost-test-service on port N
set -euo pipefail

image=roost-test/busybox
busybox=${BUSYBOX:-/bin/busybox}
say() { printf 'build-test-image: %s\n' "$*"; }

command -v docker >/dev/null || { say "docker is not installed (apt-get install docker.io)" >&2; exit 1; }
docker version --format '{{.Server.Version}}' >/dev/null 2>&1 \
    || { say "no Docker daemon answers (start one: dockerd --iptables=false --bridge=none &)" >&2; exit 1; }
applets=$("$busybox" --list 2>/dev/null || true)
if [[ ! -x "$busybox" ]] || ! grep -qx httpd <<<"$applets"; then
    say "$busybox is not a static busybox with httpd (apt-get install busybox-static)" >&2
    exit 1
fi

# The build's fingerprint: this script and the busybox binary. Stored as a label.
fingerprint=$(cat "${BASH_SOURCE[0]}" "$busybox" | sha256sum | cut -c1-16)
current() { docker image inspect --format '{{index .Config.Labels "roost.test-image"}}' "$1" 2>/dev/null || true; }
if [[ "$(current "$image:1")" == "$fingerprint" && "$(current "$image:unhealthy")" == "$fingerprint" ]]; then
    say "$image:1 and $image:unhealthy are up to date ($fingerprint)"
    exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
say "assembling the root filesystem in $root"
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/www/cgi-bin" "$root/proc" "$root/sys" "$root/dev"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $applets; do
    [[ "$applet" == busybox || -e "$root/bin/$applet" ]] || ln -s busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
echo ok >"$root/www/healthz"
echo ok >"$root/www/health"
cat >"$root/www/cgi-bin/healthz" <<'CGI'
#!/bin/sh
status=${ROOST_TEST_HEALTH:-200}
[ -e /tmp/unhealthy ] && status=503
printf 'Status: %s\r\nContent-Type: text/plain\r\n\r\n' "$status"
if [ "$status" = 200 ]; then echo ok; else echo "unhealthy ($status)"; fi
CGI
cat >"$root/www/cgi-bin/webhook" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
head -c "${CONTENT_LENGTH:-0}"
CGI
cat >"$root/bin/roost-test-service" <<'SERVICE'
#!/bin/sh
trap 'exit 0' TERM INT
echo "roost-test-service: serving /www on port ${PORT:-8080}"
# Lets tests check that a secret an agent prints is masked in its logs.
[ -n "${ROOST_TEST_PRINT:-}" ] && echo "roost-test-service: ROOST_TEST_PRINT=$ROOST_TEST_PRINT"
httpd -f -p "${PORT:-8080}" -h /www &
while [ ! -e /tmp/exit ]; do
    sleep 0.3 &
    wait $!
done
exit "$(cat /tmp/exit)"
SERVICE
# Stands in for agent images whose templates start them with `node … --port N` (openclaw-agent):
# serves the same pages on that port. The real images are not reachable from here.
cat >"$root/bin/node" <<'NODE'
#!/bin/sh
while [ $# -gt 0 ]; do
    [ "$1" = --port ] && [ $# -gt 1 ] && export PORT="$2"
    shift
done
exec /bin/roost-test-service
NODE
chmod 755 "$root/bin/node"
chmod 755 "$root/www/cgi-bin/healthz" "$root/www/cgi-bin/webhook" "$root/bin/roost-test-service"

build() { # tag, extra import changes...
    local tag=$1
    shift
    say "docker import -> $image:$tag"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -c . | docker import \
        -c 'CMD ["/bin/roost-test-service"]' \
        -c 'ENV PATH=/bin' \
        -c 'EXPOSE 8080' \
        -c "LABEL roost.test-image=$fingerprint" \
        "$@" - "$image:$tag" >/dev/null
}
previous=$(docker image inspect --format '{{.Id}}' "$image:1" "$image:unhealthy" 2>/dev/null || true)
build 1
build unhealthy -c 'ENV ROOST_TEST_HEALTH=503'
# The images this build replaced, unless a container still uses them.
for id in $previous; do
    docker image rm "$id" >/dev/null 2>&1 && say "removed the replaced image ${id#sha256:}" || true
done
say "done: $image:1 and $image:unhealthy ($fingerprint)"
