#!/usr/bin/env bash
# spark-submit without a Spark distribution: Spark's own SparkSubmit class, run from the Spark home of
# Maven Central's jars (runner-spark/spark-home) with the JVM flags Spark needs on Java 17. Takes
# spark-submit's arguments; on a machine with Spark installed, bin/spark-submit does the same. E.g.
#
#   scripts/spark-submit.sh --master "$(cat out/spark-cluster/master-url)" --class io.interp4j.app.Main \
#     runner-spark/target/interp4j-runner-spark-0.1.0-SNAPSHOT-submit.jar study studies/quickstart.conf --runner spark
#
# The driver runs in this JVM (client mode) and binds to 127.0.0.1 unless SPARK_LOCAL_IP says otherwise.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=launcher-env.sh
source "$root/scripts/launcher-env.sh"
spark_build
export SPARK_HOME="$spark_home" SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}" OPT_OUT_TRACKING=true
# shellcheck disable=SC2086
exec java ${INTERP4J_JAVA_OPTS:-} -XX:MaxDirectMemorySize=64g -Dai.djl.offline=true -Dinterp4j.home="$root" $spark_jvm_flags $vector_api_flag \
  -cp "$spark_home/jars/*" org.apache.spark.deploy.SparkSubmit "$@"
