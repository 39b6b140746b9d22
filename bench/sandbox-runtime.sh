#!/usr/bin/env bash
# Builds Roost and runs the sandbox runtime benchmark: one instance replica from create to its
# first passing HTTP probe, and its removal, as a bubblewrap jail (SandboxRuntime) and as a
# Docker container (DockerRuntime) of the same test image, alternating in one run; plus the
# memory the jail's supervisor and port forwarder add. Needs bubblewrap, root (or a delegated
# cgroup v2) and busybox-static; Docker is optional (--skip-docker). About a minute.
#
#   bench/sandbox-runtime.sh
#   bench/sandbox-runtime.sh --runs 50 --skip-docker
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1

images=$(mktemp -d /tmp/roost-sbxrt-bench-images-XXXXXX)
chmod 755 "$images"
trap 'rm -rf "$images"' EXIT
bash "$root/scripts/build-test-image.sh" --sandbox "$images"
echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
cp="$root/bench/target/classes:$root/cli/target/roost.jar"
"$JAVA_HOME/bin/java" -cp "$cp" dev.roost.bench.SandboxRuntimeBenchmark --images "$images" "$@"
