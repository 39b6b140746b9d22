# shellcheck shell=bash
# The JVM options ./roost uses when ROOST_JAVA_OPTS is not set. bench/foundation.sh uses the
# same function, so the benchmark measures exactly what the launcher runs.
#
#   roost_default_java_options ARCHIVE_FILE   # fills the array ROOST_DEFAULT_JAVA_OPTS
#
# Chosen with `bench/foundation.sh --compare-jvm-options` (2 cores, 24 GB, JDK 25; medians of
# 5 interleaved warm starts; figures in docs/configuration.md):
#   -XX:SharedArchiveFile + -XX:+AutoCreateSharedArchive (JDK 19+), -Xlog:cds*=off
#       An application class-data archive: the first run writes it when the JVM exits, later
#       runs map the parsed classes instead of loading them from the jars. Warm start to
#       ready 2.59 s -> 1.72 s, CPU used until ready 4.2 s -> 2.7 s. The log option silences
#       the archive's notes about classes it cannot hold (signed jars, old class files).
#   -XX:+UseG1GC
#       Same start time and idle RSS as SerialGC here, but in back-to-back 40 s runs at 500
#       requests/s of GET /api/v1/auth/me, SerialGC let the heap fill to -Xmx (RSS 660 MiB,
#       p99 0.1-1 s) where G1 kept RSS at 240-380 MiB and p99 at 12-35 ms. Named explicitly because the JVM picks SerialGC by itself on a
#       machine with one CPU or under 2 GB of memory.
#   -Xms32m -Xmx512m
#       A heap that starts small and is bounded: Roost keeps its state in PostgreSQL. Idle
#       RSS 219 -> 153 MiB (G1) or 175 MiB (SerialGC) with the archive, against the JDK's
#       default sizing (up to a quarter of the machine's memory).
#   -XX:+ExitOnOutOfMemoryError
#       Out of heap, the process exits so a supervisor (systemd) restarts it, rather than
#       limping on with some threads dead.
roost_default_java_options() {
    local archive=$1
    # shellcheck disable=SC2034 # used by the scripts that source this file
    ROOST_DEFAULT_JAVA_OPTS=(
        "-XX:SharedArchiveFile=$archive"
        -XX:+AutoCreateSharedArchive
        '-Xlog:cds*=off'
        -XX:+UseG1GC
        -Xms32m
        -Xmx512m
        -XX:+ExitOnOutOfMemoryError
    )
}
