#!/usr/bin/env bash
# Builds the example plugin (examples/plugin-example) as an outside author would: a separate Maven
# project against the installed interp4j api and testkit (run after the main build has installed
# them; MAVEN_REPO_LOCAL names another local repository). Then drops its jar into a plugin folder,
# checks that ./interp4j lists both plugins with their jar, runs the example study that uses both,
# and runs it again to check that every step is reused.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mvn -B -q -Dstyle.color=never ${MAVEN_REPO_LOCAL:+-Dmaven.repo.local=$MAVEN_REPO_LOCAL} -f examples/plugin-example/pom.xml clean package
mkdir "$work/plugins"
cp examples/plugin-example/target/interp4j-plugin-example-*.jar "$work/plugins/"
jar="$(ls "$work"/plugins/*.jar)"

plugins="$(./interp4j --plugin-path "$work/plugins" plugins)"
for plugin in "metric +top-token-drop" "experiment +block-zeroing"; do
  grep -qE "^$plugin .*\[$jar\]\$" <<<"$plugins" || { echo "plugin-example: '$plugin' not listed from $jar" >&2; echo "$plugins" >&2; exit 1; }
done

cp examples/plugin-example/study.conf "$work/study.conf"
./interp4j --plugin-path "$work/plugins" study "$work/study.conf" --out "$work/out"
for step in last-block first-block every-block; do
  grep -q "\"plugins\"" "$work/out/steps/"*"-$step.json" || { echo "plugin-example: step $step records no plugins" >&2; exit 1; }
done
grep -q "top-token-drop" "$work/out/report.md" || { echo "plugin-example: the report shows no top-token-drop" >&2; exit 1; }
reused="$(./interp4j --plugin-path "$work/plugins" study "$work/study.conf" --out "$work/out" 2>&1 | grep -c ' unchanged: reusing the stored result' || true)"
[ "$reused" = 3 ] || { echo "plugin-example: a rerun reused $reused of 3 steps" >&2; exit 1; }
echo "plugin example: ok"
