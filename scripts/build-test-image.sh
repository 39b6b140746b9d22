#!/usr/bin/env bash
# Builds the images the Docker runtime tests use, from Debian's static busybox, without any
# registry: roost-test/busybox:1 (serves /www on port 8080) and roost-test/busybox:unhealthy
# (the same, but its health endpoint answers 503). Idempotent: does nothing when both images
# exist and were built by this version of the script. Needs docker and busybox-static.
#
#   build-test-image.sh                 the Docker images
#   build-test-image.sh --sandbox DIR   the same two images for the sandbox runtime, as directories
#                                       DIR/roost-test/busybox/{1,unhealthy}/ with image.json and
#                                       rootfs/ (no Docker needed); the Docker images too when a
#                                       daemon answers
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

sandbox_dir=
while [[ $# -gt 0 ]]; do
    case "$1" in
        --sandbox) [[ $# -ge 2 ]] || { say "--sandbox needs a directory" >&2; exit 2; }; sandbox_dir=$2; shift 2 ;;
        *) say "unknown argument $1 (usage: build-test-image.sh [--sandbox DIR])" >&2; exit 2 ;;
    esac
done
with_docker=1
if ! command -v docker >/dev/null || ! docker version --format '{{.Server.Version}}' >/dev/null 2>&1; then
    if [[ -z "$sandbox_dir" ]]; then
        command -v docker >/dev/null || { say "docker is not installed (apt-get install docker.io)" >&2; exit 1; }
        say "no Docker daemon answers (start one: dockerd --iptables=false --bridge=none &)" >&2
        exit 1
    fi
    with_docker=
fi
applets=$("$busybox" --list 2>/dev/null || true)
if [[ ! -x "$busybox" ]] || ! grep -qx httpd <<<"$applets"; then
    say "$busybox is not a static busybox with httpd (apt-get install busybox-static)" >&2
    exit 1
fi

# The build's fingerprint: this script and the busybox binary. Stored as a label.
fingerprint=$(cat "${BASH_SOURCE[0]}" "$busybox" | sha256sum | cut -c1-16)
current() { docker image inspect --format '{{index .Config.Labels "roost.test-image"}}' "$1" 2>/dev/null || true; }
docker_current=
if [[ -z "$with_docker" ]] || [[ "$(current "$image:1")" == "$fingerprint" && "$(current "$image:unhealthy")" == "$fingerprint" ]]; then
    docker_current=1
fi
sandbox_current=1
if [[ -n "$sandbox_dir" ]]; then
    for tag in 1 unhealthy; do
        [[ "$(cat "$sandbox_dir/$image/$tag/.fingerprint" 2>/dev/null || true)" == "$fingerprint" ]] || sandbox_current=
    done
fi
if [[ -n "$docker_current" && -n "$sandbox_current" ]]; then
    [[ -n "$with_docker" ]] && say "$image:1 and $image:unhealthy are up to date ($fingerprint)"
    [[ -n "$sandbox_dir" ]] && say "sandbox images in $sandbox_dir are up to date ($fingerprint)"
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

# Sandbox runtime images: NAME/TAG/image.json and NAME/TAG/rootfs/, readable by the jail user.
sandbox_image() { # tag, json
    local target="$sandbox_dir/$image/$1" tmp
    tmp=$(mktemp -d "$sandbox_dir/.build-XXXXXX")
    cp -a "$root" "$tmp/rootfs"
    printf '%s\n' "$2" >"$tmp/image.json"
    echo "$fingerprint" >"$tmp/.fingerprint"
    chmod 755 "$tmp" "$tmp/rootfs"
    chmod 644 "$tmp/image.json" "$tmp/.fingerprint"
    mkdir -p "$(dirname "$target")"
    rm -rf "$target"
    mv "$tmp" "$target"
    say "sandbox image -> $target"
}
if [[ -n "$sandbox_dir" && -z "$sandbox_current" ]]; then
    mkdir -p "$sandbox_dir"
    chmod 755 "$sandbox_dir"
    sandbox_image 1 '{"cmd": ["/bin/roost-test-service"], "env": {"PATH": "/bin"}, "workdir": "/"}'
    sandbox_image unhealthy '{"cmd": ["/bin/roost-test-service"], "env": {"PATH": "/bin", "ROOST_TEST_HEALTH": "503"}, "workdir": "/"}'
    for d in "$sandbox_dir/roost-test" "$sandbox_dir/$image"; do chmod 755 "$d"; done
fi
if [[ -n "$docker_current" ]]; then
    exit 0
fi

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
