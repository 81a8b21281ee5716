#!/usr/bin/env bash
# Builds the benchmark uber-jar and runs the whole suite: the JMH benchmarks with -prof gc
# (JSON into benchmarks/results/jmh.json), the Stampede count (benchmarks/results/stampede.json),
# the Footprint of 100,000 idle clients (benchmarks/results/footprint.json), the machine and JVM
# (benchmarks/results/environment.json); then regenerates the results section of
# docs/benchmarks.md. About 15 minutes on 2 cores.
#
#   benchmarks/run.sh                  # from the repository root
#   benchmarks/run.sh --wait-quiet     # first wait (up to 20 min, polling every 60 s) for a
#                                      # 1-minute load average below 1.0
#   JMH_OPTS="-f 1 -wi 1 -i 1 -w 1s -r 1s" benchmarks/run.sh   # a quick smoke run
#
# Needs a JDK 17+ and python3; the Maven wrapper fetches everything else.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
results=benchmarks/results
# Forks and iterations come from each class's annotations (1 fork; 3 x 2 s warm-up (5 x 5 s for FilterBenchmark, whose DPoP variant signs with EC), 8 x 2 s for
# RefreshRoundTripBenchmark, whose Netty and Nimbus paths take longer to compile; 5 x 2 s measured).
jmh_opts=${JMH_OPTS:-}

load1() { cut -d' ' -f1 /proc/loadavg; }

if [[ "${1:-}" == "--wait-quiet" ]]; then
  for _ in $(seq 1 20); do
    if awk -v l="$(load1)" 'BEGIN { exit !(l < 1.0) }'; then break; fi
    echo "load average $(load1) >= 1.0; waiting 60 s for a quiet machine"
    sleep 60
  done
fi

start=$(date +%s)
load_start=$(cat /proc/loadavg)
echo "== build (load average: $load_start)"
./mvnw -B -q -Pbenchmarks -pl benchmarks -am package -DskipTests
mkdir -p "$results"
grep -E ':(compile|runtime)' benchmarks/target/dependencies.txt | sed -e 's/^ *//' -e 's/ --.*//' > "$results/dependencies.txt"

echo "== JMH: ${jmh_opts:-(options from the annotations)} -prof gc"
# shellcheck disable=SC2086
java -jar benchmarks/target/benchmarks.jar 'io\.tokenflow\.benchmarks\..*Benchmark' -e StoreCoordinationBenchmark \
  $jmh_opts -prof gc -rf json -rff "$results/jmh.json" | tee "$results/jmh.log"

echo "== JMH: StoreCoordinationBenchmark (starts a local redis-server)"
# shellcheck disable=SC2086
java -jar benchmarks/target/benchmarks.jar StoreCoordinationBenchmark \
  $jmh_opts -prof gc -rf json -rff "$results/store-coordination.json" | tee "$results/store-coordination.log"

echo "== Stampede"
java -cp benchmarks/target/benchmarks.jar io.tokenflow.benchmarks.Stampede "$results/stampede.json"

echo "== Footprint (100,000 idle clients per implementation, each in its own JVM)"
java -cp benchmarks/target/benchmarks.jar io.tokenflow.benchmarks.Footprint "$results/footprint.json"

load_end=$(cat /proc/loadavg)
elapsed=$(( $(date +%s) - start ))
python3 - "$results/environment.json" "$jmh_opts" "$load_start" "$load_end" "$elapsed" <<'PY'
import json, os, platform, re, subprocess, sys
out, jmh_opts, load_start, load_end, elapsed = sys.argv[1:]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
mem_kib = int(re.search(r"MemTotal:\s+(\d+)", open("/proc/meminfo").read()).group(1))
java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.strip()
commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
changed = subprocess.run(["git", "status", "--porcelain", "--", ".", ":!benchmarks/results", ":!docs/benchmarks.md"],
                         capture_output=True, text=True).stdout.strip()
json.dump({
    "nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout),
    "cpu": cpu,
    "memGiB": round(mem_kib / 1024 / 1024, 1),
    "os": f"{platform.system()} {platform.release()}",
    "java": java.splitlines(),
    "jmhOptions": (jmh_opts + " -prof gc") if jmh_opts else "-f 1 -wi 3 -w 2s -i 5 -r 2s -prof gc (from the annotations; RefreshRoundTripBenchmark: -wi 8)",
    "loadAverageAtStart": load_start,
    "loadAverageAtEnd": load_end,
    "elapsedSeconds": int(elapsed),
    "commit": commit + (" + uncommitted changes" if changed else ""),
}, open(out, "w"), indent=2)
PY

python3 benchmarks/report.py
echo "== done in ${elapsed} s; results in $results, table in docs/benchmarks.md"
