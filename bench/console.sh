#!/usr/bin/env bash
# Builds Roost and runs the console benchmark on a server in the same process: render time of
# the instances list (a page of 100 out of 1,000 instances) and of an instance page with 100
# manifest versions, each next to the API calls returning the same data (p99 target ≤ 50 ms),
# and the weight of each main page with the files it loads (target ≤ 150 KiB), plus a check
# that no page asks another site for anything. About one to two minutes.
#
#   bench/console.sh
#   bench/console.sh --instances 5000 --versions 200 --samples 500
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
cp="$root/bench/target/classes:$root/cli/target/roost.jar"
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "$cp" dev.roost.bench.ConsoleBenchmark "$@"
