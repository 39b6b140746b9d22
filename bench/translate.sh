#!/usr/bin/env bash
# Builds Roost and measures what translating between wire formats costs the model gateway, in
# one run next to a baseline measured the same way: a Claude Code-sized request rewritten for
# an OpenAI-compatible provider (against parsing and re-serialising it), and a 500-chunk answer
# stream rewritten into Anthropic events (against the fast path's usage scan). About a minute.
#
#   bench/translate.sh          # 2,000 rounds of each
#   bench/translate.sh 5000     # more rounds
set -euo pipefail

root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
# shellcheck source=scripts/find-jdk.sh
. "$root/scripts/find-jdk.sh"
roost_find_jdk || exit 1

echo "Building Roost and the benchmark with $JAVA_HOME ..."
(cd "$root" && ./mvnw -B -q -DskipTests package -pl bench -am)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$JAVA_HOME/bin/java" -Xmx512m -cp "$root/bench/target/classes:$root/cli/target/roost.jar" \
    dev.roost.bench.TranslationBenchmark "$@"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
