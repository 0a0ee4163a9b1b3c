# Sourced by ./interp4j and the Spark scripts (spark-cluster.sh, spark-submit.sh, spark-cluster-check.sh,
# spark-bench.sh): when a build is stale, and where the pieces of the Spark runner are, kept in one place.
# Needs $root, the repository root.

# whether a pom or a main source file is newer than FILE (a build's stamp), or FILE is missing
sources_newer_than() {
  [ -f "$1" ] || return 0
  [ -n "$(find "$root" \( -name target -o -name .git -o -name test -o -name examples \) -prune -o \
      \( -name pom.xml -o -path '*/src/main/*' \) -type f -newer "$1" -print -quit)" ]
}

# the JVM flags Spark needs on Java 17, kept in one place: runner-spark/pom.xml's spark.jvm.flags
spark_jvm_flags="$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$root/runner-spark/pom.xml")"
# a class-path launch resolves the incubating Vector API (the djl engine's q8 / q4 kernels) only when asked; on the
# module path the engine's module requires it. Spark's executors need it in spark.executor.extraJavaOptions (README).
vector_api_flag="--add-modules jdk.incubator.vector"
# a Spark home made of Maven Central's jars (module runner-spark/spark-home): jars/ as in a Spark distribution
spark_home="$root/runner-spark/spark-home/target/spark-home"

# the runner's jar (for ./interp4j's class path) and its spark-submit jar (classifier submit), once built
spark_runner_jar() {
  ls "$root"/runner-spark/target/interp4j-runner-spark-*.jar 2>/dev/null \
    | grep -v -e -sources -e -tests -e -javadoc -e -submit | head -n 1
}
spark_submit_jar() {
  ls "$root"/runner-spark/target/interp4j-runner-spark-*-submit.jar 2>/dev/null | head -n 1
}

# builds the Spark home and the submit jar when they are missing or older than the sources (the same quiet build as
# ./interp4j's, without installing anything)
spark_build() {
  if [ ! -d "$spark_home/jars" ] || [ -z "$(spark_submit_jar)" ] || sources_newer_than "$(spark_submit_jar)"; then
    echo "interp4j: building the Spark home and the spark-submit jar..." >&2
    (cd "$root" && mvn -q -B -Dstyle.color=never -DskipTests -Dmaven.source.skip=true -Dmaven.javadoc.skip=true package \
        -pl runner-spark,runner-spark/spark-home -am 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2)
  fi
}
