#!/usr/bin/env bash
# Builds Roost and runs the foundation benchmark: cold and warm start to ready, idle memory of
# the server and of its embedded PostgreSQL, and list/get latency at 10,000 instances under
# an open-loop load. It starts the server exactly as ./roost does, with the launcher's
# default JVM options (scripts/java-options.sh), and prints figures and ratios to the
# targets. About 2 to 4 minutes on 2 cores.
#
#   bench/foundation.sh                         # the full run
#   bench/foundation.sh --instances 2000        # any FoundationBenchmark option, see its Javadoc
#   bench/foundation.sh --compare-jvm-options   # also time other JVM option sets (adds ~2 min)
#   ROOST_JAVA_OPTS="-XX:+UseSerialGC" bench/foundation.sh   # measure other options, as ./roost would run
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1
# shellcheck source=scripts/java-options.sh
. "$root/scripts/java-options.sh"

args=()
for arg in "$@"; do
    if [[ "$arg" == --compare-jvm-options ]]; then
        # The sets the launcher's defaults were chosen from; @ARCHIVE@ is a fresh archive per set.
        cds="-XX:SharedArchiveFile=@ARCHIVE@ -XX:+AutoCreateSharedArchive -Xlog:cds*=off"
        heap="-Xms32m -Xmx512m"
        args+=(--variant "jdk-defaults="
            --variant "cds=$cds"
            --variant "cds+serial+heap=$cds -XX:+UseSerialGC $heap"
            --variant "cds+g1+heap=$cds -XX:+UseG1GC $heap")
    else
        args+=("$arg")
    fi
done

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)

if [[ -n "${ROOST_JAVA_OPTS+set}" ]]; then
    # As for ./roost: ROOST_JAVA_OPTS replaces the defaults (@ARCHIVE@ names a fresh archive).
    set -f
    # shellcheck disable=SC2206
    ROOST_DEFAULT_JAVA_OPTS=(${ROOST_JAVA_OPTS})
    set +f
else
    roost_default_java_options @ARCHIVE@
fi
exec "$JAVA_HOME/bin/java" -cp "$root/bench/target/classes:$root/cli/target/roost.jar" \
    dev.roost.bench.FoundationBenchmark --repo "$root" "${args[@]}" -- "${ROOST_DEFAULT_JAVA_OPTS[@]}"
