#!/usr/bin/env bash
# Builds Roost and runs the model gateway benchmark: the latency the gateway adds (p50, p99)
# under an open-loop load of 1,000 requests/s of POST /v1/chat/completions, against calling
# the same local upstream (which answers at once) directly, in the same run; then the same for
# streamed answers; and the server's memory after the load. About 2 minutes.
#
#   bench/gateway.sh                              # the full run
#   bench/gateway.sh --rate 500 --measure 30      # another rate, a longer measurement
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1
# shellcheck source=scripts/java-options.sh
. "$root/scripts/java-options.sh"

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
roost_default_java_options "$root/bench/target/gateway-bench-server.jsa"
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "$root/bench/target/classes:$root/cli/target/roost.jar" \
    dev.roost.bench.GatewayBenchmark --repo "$root" "$@" -- "${ROOST_DEFAULT_JAVA_OPTS[@]}"
