#!/usr/bin/env bash
# Builds Roost and runs the sandbox benchmark: latency from starting a job to its process
# running (first output byte), p50/p90/p99 over 200 runs of `echo ready` under bubblewrap with
# cgroup limits, side by side with `docker run --rm --network none roost-test/busybox:1 echo ready`
# measured in the same run (alternating samples). Target: sandbox start p50 <= 20 ms.
# Then, in the same run, the same job with egress (perl and Java bridges) next to it without:
# the extra start latency and the bridge's memory (--egress-runs N, --skip-egress).
# Needs bubblewrap (apt-get install bubblewrap) and root or a delegated cgroup; Docker is optional.
# About one to two minutes.
#
#   bench/sandbox.sh                          # the full run
#   bench/sandbox.sh --skip-docker            # only the sandbox
#   bench/sandbox.sh --runs 500 --docker-runs 100
#   bench/sandbox.sh --skip-docker --egress-runs 200
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
cp="$root/bench/target/classes:$root/sandbox/target/classes:$root/cli/target/roost.jar"
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx512m -cp "$cp" dev.roost.bench.SandboxBenchmark "$@"
