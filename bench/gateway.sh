#!/usr/bin/env bash
# Builds Roost and runs the model gateway benchmark against a local upstream that answers at
# once, side by side with the Portkey gateway (npm @portkey-ai/gateway, installed here into
# bench/target/portkey on first use; left out, with the reason, when npm cannot install it):
#   1. open loop, 1,000 requests/s of POST /v1/chat/completions: direct, through Roost, through
#      Portkey; the latency each gateway adds (p50, p99);
#   2. the same streamed, measured to the first byte;
#   3. closed loop (32 clients back to back): the most requests/s each sustains;
# with peak memory under load and CPU per request. About 3 minutes, build included.
#
#   bench/gateway.sh                              # the full run
#   bench/gateway.sh --rate 500 --measure 30      # another rate, a longer measurement
#   bench/gateway.sh --clients 64 --throughput 20 # more clients, a longer closed loop
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1
# shellcheck source=scripts/java-options.sh
. "$root/scripts/java-options.sh"

portkey_version=1.15.2
portkey_dir="$root/bench/target/portkey"
if [[ ! -f "$portkey_dir/node_modules/@portkey-ai/gateway/build/start-server.js" ]]; then
    if command -v npm >/dev/null && command -v node >/dev/null; then
        echo "Installing @portkey-ai/gateway@$portkey_version into $portkey_dir ..."
        mkdir -p "$portkey_dir"
        npm install --prefix "$portkey_dir" --no-audit --no-fund --no-save --loglevel=error \
            "@portkey-ai/gateway@$portkey_version" </dev/null ||
            echo "npm could not install @portkey-ai/gateway: the run goes on without it"
    else
        echo "node and npm are not installed: the run goes on without Portkey (apt-get install nodejs npm)"
    fi
fi

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
roost_default_java_options "$root/bench/target/gateway-bench-server.jsa"
exec "$JAVA_HOME/bin/java" -Xmx1g -cp "$root/bench/target/classes:$root/cli/target/roost.jar" \
    dev.roost.bench.GatewayBenchmark --repo "$root" --portkey "$portkey_dir" "$@" -- "${ROOST_DEFAULT_JAVA_OPTS[@]}"
