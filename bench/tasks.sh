#!/usr/bin/env bash
# Builds Roost and runs the task benchmark: a server (embedded PostgreSQL) and a local node in
# one JVM, tasks submitted over HTTP and run under bubblewrap. Prints, in one run: latency from
# submit to the task's process starting (p50/p90/p99, target p50 <= 20 ms on a warm node) and to
# the client seeing it end, next to `docker run --rm --network none` of a command; then
# throughput of a burst of tasks next to `docker run`, 4 at a time. Ratios are docker / Roost.
# Needs bubblewrap and root or a delegated cgroup; Docker is optional. About one to two minutes.
#
#   bench/tasks.sh
#   bench/tasks.sh --skip-docker --runs 300 --burst 500
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
cp="$root/bench/target/classes:$root/cli/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "$cp" dev.roost.bench.TaskBenchmark "$@"
