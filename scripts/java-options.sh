# shellcheck shell=bash
# The JVM options ./roost uses when ROOST_JAVA_OPTS is not set. bench/foundation.sh uses the
# same function, so the benchmark measures exactly what the launcher runs.
#
#   roost_default_java_options ARCHIVE_FILE   # fills the array ROOST_DEFAULT_JAVA_OPTS
#
# Why each one (figures from bench/foundation.sh on 2 cores / 24 GB, JDK 25; see README):
#   -XX:SharedArchiveFile + -XX:+AutoCreateSharedArchive
#       application class-data archive (JDK 19+). The first run writes it when the JVM exits;
#       later runs map the already parsed and verified classes instead of loading them
#       from the jars. A jar change (a rebuild) makes the JVM write a new one by itself.
#   -XX:+UseSerialGC
#       one GC thread and no concurrent-GC bookkeeping: the smallest footprint for a heap
#       this size, with young pauses of a few milliseconds.
#   -Xms32m -Xmx512m
#       a bounded heap: a control plane keeps its state in PostgreSQL, not in memory.
#   -XX:+ExitOnOutOfMemoryError
#       a server that ran out of heap exits so its supervisor (systemd) restarts it,
#       rather than limping on with some threads dead.
roost_default_java_options() {
    local archive=$1
    ROOST_DEFAULT_JAVA_OPTS=(
        "-XX:SharedArchiveFile=$archive"
        -XX:+AutoCreateSharedArchive
        '-Xlog:cds*=off'
        -XX:+UseSerialGC
        -Xms32m
        -Xmx512m
        -XX:+ExitOnOutOfMemoryError
    )
}
