# Shared by the benchmarks: the processes a benchmark starts, and the check that they all still run when it
# reads its figures (a figure taken after the relay died is not the figure the script claims). Benchmarks
# serve no metrics port: scripts/up's relay and worker hold 9101 and 9102, and a second one would make the
# benchmark's copy exit at start.
BENCH_PIDS=()
BENCH_NAMES=()

# bench_start NAME CMD...: starts CMD in the background, logging to $RUN/log/bench-NAME.log.
bench_start() {
  local name=$1; shift
  RELAY_METRICS_LISTEN= WORKER_METRICS_LISTEN= "$@" >"$RUN/log/bench-$name.log" 2>&1 &
  BENCH_PIDS+=($!)
  BENCH_NAMES+=("$name")
  trap bench_stop EXIT
}

# bench_alive: fails, naming the log, when a process bench_start started has exited.
bench_alive() {
  local i
  for i in "${!BENCH_PIDS[@]}"; do
    kill -0 "${BENCH_PIDS[$i]}" 2>/dev/null ||
      die "${BENCH_NAMES[$i]} exited during the benchmark; see $RUN/log/bench-${BENCH_NAMES[$i]}.log"
  done
}

# bench_peak_memory: each started process's peak resident memory (VmHWM), on one line.
bench_peak_memory() {
  local i out=()
  for i in "${!BENCH_PIDS[@]}"; do
    out+=("${BENCH_NAMES[$i]} $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/${BENCH_PIDS[$i]}/status")")
  done
  (IFS=,; echo "peak memory: ${out[*]}")
}

bench_stop() { ((${#BENCH_PIDS[@]})) && kill -TERM "${BENCH_PIDS[@]}" 2>/dev/null || true; }

# median_spread: reads one number per line; prints "median M (min A – max B, n N)".
median_spread() {
  sort -g | awk '{v[NR] = $1} END {
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "median %.2f (min %.2f – max %.2f, n %d)\n", m, v[1], v[NR], NR }'
}
