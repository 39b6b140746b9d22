# shellcheck shell=sh
# Selects a JDK that can build and run Roost (Java 21 or newer). POSIX sh, sourced by
# ./mvnw, ./roost, .ci/run and bench/*.sh:
#
#   . scripts/find-jdk.sh
#   roost_find_jdk || exit 1      # on success JAVA_HOME is exported
#
# Order: $JAVA_HOME if it is new enough, else `java` on PATH if new enough, else the newest
# JDK under /usr/lib/jvm, /usr/local/lib/jvm, /opt/java, /opt/jdk*, ~/.sdkman and
# /Library/Java/JavaVirtualMachines. A JDK is a directory with bin/java and bin/javac (a JRE
# cannot build Roost). The version comes from its `release` file, else from `java -version`.
# On failure it prints what to install and returns 1. It prints nothing on success, except
# a note when an explicit JAVA_HOME was too old and another JDK was chosen instead.
#
# Works under `set -euf` (the Maven wrapper's settings): globbing is switched on only
# while candidate directories are listed. Function-local names start with _rfj_.

ROOST_MIN_JAVA=${ROOST_MIN_JAVA:-21}

# Prints the feature version (8, 17, 21, 25, ...) of the JDK at $1, or returns 1.
roost_java_major() {
    _rfj_home=$1
    [ -x "$_rfj_home/bin/java" ] || return 1
    _rfj_v=
    if [ -f "$_rfj_home/release" ]; then
        _rfj_v=$(sed -n 's/^JAVA_VERSION="*\([^"]*\)"*[[:space:]]*$/\1/p' "$_rfj_home/release" | head -n 1)
    fi
    if [ -z "$_rfj_v" ]; then
        _rfj_v=$("$_rfj_home/bin/java" -version 2>&1 | sed -n 's/^.* version "\([^"]*\)".*$/\1/p' | head -n 1)
    fi
    case $_rfj_v in
    1.*) _rfj_v=${_rfj_v#1.} ;; # 1.8.0_392 -> 8
    esac
    _rfj_v=${_rfj_v%%[!0-9]*} # 21.0.2 -> 21, 25-ea -> 25
    [ -n "$_rfj_v" ] || return 1
    printf '%s\n' "$_rfj_v"
}

# True when $1 is a JDK (java and javac) of at least ROOST_MIN_JAVA.
roost_jdk_ok() {
    [ -x "$1/bin/javac" ] || return 1
    _rfj_major=$(roost_java_major "$1") || return 1
    [ "$_rfj_major" -ge "$ROOST_MIN_JAVA" ]
}

# The JDK home of the `java` found on PATH (following symlinks such as /etc/alternatives).
roost_path_java_home() {
    _rfj_java=$(command -v java 2>/dev/null) || return 1
    [ -n "$_rfj_java" ] || return 1
    _rfj_real=$(readlink -f "$_rfj_java" 2>/dev/null) || _rfj_real=$_rfj_java
    _rfj_home=$(dirname "$(dirname "$_rfj_real")")
    if [ ! -x "$_rfj_home/bin/java" ]; then
        # Unusual layout: ask the JVM where it lives.
        _rfj_home=$("$_rfj_java" -XshowSettings:properties -version 2>&1 |
            sed -n 's/^ *java\.home = //p' | head -n 1)
    fi
    [ -n "$_rfj_home" ] || return 1
    printf '%s\n' "$_rfj_home"
}

# Prints the newest JDK >= ROOST_MIN_JAVA in the usual install locations, or returns 1.
roost_scan_jdks() {
    _rfj_best=
    _rfj_best_major=0
    case $- in *f*) _rfj_noglob=1 ;; *) _rfj_noglob=0 ;; esac
    set +f
    for _rfj_dir in /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* \
        "${HOME:-/nonexistent}"/.sdkman/candidates/java/* \
        /Library/Java/JavaVirtualMachines/*/Contents/Home; do
        [ -d "$_rfj_dir" ] || continue
        roost_jdk_ok "$_rfj_dir" || continue
        _rfj_m=$(roost_java_major "$_rfj_dir") || continue
        if [ "$_rfj_m" -gt "$_rfj_best_major" ]; then
            _rfj_best=$_rfj_dir
            _rfj_best_major=$_rfj_m
        fi
    done
    [ "$_rfj_noglob" = 1 ] && set -f
    [ -n "$_rfj_best" ] || return 1
    printf '%s\n' "$_rfj_best"
}

# Tells the user exactly what to install. Suggests the distribution's own package only when
# the package index offers one.
roost_explain_missing_jdk() {
    {
        echo "Roost needs a JDK $ROOST_MIN_JAVA or newer, and none was found."
        if [ -n "${JAVA_HOME:-}" ]; then
            echo "  JAVA_HOME=$JAVA_HOME: $(roost_describe_jdk "$JAVA_HOME")"
        fi
        _rfj_ph=$(roost_path_java_home 2>/dev/null) &&
            echo "  java on PATH ($_rfj_ph): $(roost_describe_jdk "$_rfj_ph")"
        echo "  Looked in /usr/lib/jvm, /usr/local/lib/jvm, /opt/java, /opt/jdk*, ~/.sdkman/candidates/java too."
        echo "Install one, then run the command again:"
        _rfj_pkg=
        if command -v apt-cache >/dev/null 2>&1; then
            for _rfj_p in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
                if apt-cache policy "$_rfj_p" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
                    _rfj_pkg=$_rfj_p
                    break
                fi
            done
        fi
        if [ -n "$_rfj_pkg" ]; then
            echo "  sudo apt-get install -y $_rfj_pkg"
        elif command -v apt-get >/dev/null 2>&1; then
            echo "  (apt offers no openjdk-21 or openjdk-25 here: Debian 12 has only 17; if you have not, run apt-get update and try again)"
        fi
        echo "  or Eclipse Temurin 21 or newer from https://adoptium.net/ (packages for Debian, Ubuntu, RHEL, macOS),"
        echo "  or point JAVA_HOME at an existing JDK $ROOST_MIN_JAVA+ directory: export JAVA_HOME=/path/to/jdk"
    } >&2
}

roost_describe_jdk() {
    if [ ! -x "$1/bin/java" ]; then
        echo "no bin/java there"
    elif ! _rfj_d=$(roost_java_major "$1"); then
        echo "cannot tell its version"
    elif [ ! -x "$1/bin/javac" ]; then
        echo "Java $_rfj_d runtime without javac (a JDK is needed)"
    else
        echo "Java $_rfj_d, too old"
    fi
}

# Exports JAVA_HOME to a JDK >= ROOST_MIN_JAVA, or explains what to install and returns 1.
roost_find_jdk() {
    if [ -n "${JAVA_HOME:-}" ] && roost_jdk_ok "$JAVA_HOME"; then
        export JAVA_HOME
        return 0
    fi
    _rfj_found=
    if _rfj_ph=$(roost_path_java_home) && roost_jdk_ok "$_rfj_ph"; then
        _rfj_found=$_rfj_ph
    elif _rfj_sc=$(roost_scan_jdks); then
        _rfj_found=$_rfj_sc
    fi
    if [ -z "$_rfj_found" ]; then
        roost_explain_missing_jdk
        return 1
    fi
    if [ -n "${JAVA_HOME:-}" ]; then
        echo "Note: JAVA_HOME=$JAVA_HOME is not usable ($(roost_describe_jdk "$JAVA_HOME")); using $_rfj_found (Java $(roost_java_major "$_rfj_found")) instead." >&2
    fi
    JAVA_HOME=$_rfj_found
    export JAVA_HOME
    return 0
}
