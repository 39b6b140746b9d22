#!/usr/bin/env bash
# Builds Roost and runs the queue benchmark: no-op jobs submitted in batches, then claimed and
# completed in batches by worker threads, on the embedded PostgreSQL with Roost's production
# settings; side by side with db-scheduler executing as many no-op one-time tasks on the same
# database. Prints jobs/s for both, the ratio, and the ratio to the 10,000 jobs/s target.
# About 1 to 2 minutes on 2 cores.
#
#   bench/queue.sh                          # the full run
#   bench/queue.sh --jobs 200000 --workers 8 --batch 500
#   bench/queue.sh --no-fsync               # PostgreSQL without fsync (as the tests run it)
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
cp="$root/bench/target/classes:$(cat "$root/bench/target/classpath.txt")"
cd "$root"
exec "$JAVA_HOME/bin/java" -Xmx1g -Dlogback.configurationFile="$root/bench/queue-logback.xml" -cp "$cp" \
    dev.roost.bench.QueueBenchmark --work "$root/bench/target/queue-bench" "$@"
