#!/usr/bin/env bash
# Builds Roost and runs the runtime benchmark: create to RUNNING of one instance on the local
# Docker daemon (through the API and through `roost apply -f`) against a bare `docker run -d`
# of the same image measured in the same run, the time to converge 50 instances, and one full
# reconciler pass over 10,000 unchanged instances on the in-memory fake runtime. Needs a
# Docker daemon and busybox-static (the test image is built from it). About 3 to 5 minutes.
#
#   bench/runtime.sh                      # the full run
#   bench/runtime.sh --skip-docker        # only the fake-runtime pass
#   bench/runtime.sh --runs 9 --converge 100 --resync 20000
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1
# shellcheck source=scripts/java-options.sh
. "$root/scripts/java-options.sh"

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
roost_default_java_options "$root/bench/target/runtime-bench-server.jsa"
cp="$root/bench/target/classes:$root/cli/target/roost.jar"
exec "$JAVA_HOME/bin/java" -Xmx2g -cp "$cp" dev.roost.bench.RuntimeBenchmark --repo "$root" "$@" -- "${ROOST_DEFAULT_JAVA_OPTS[@]}"
