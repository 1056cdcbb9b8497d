#!/usr/bin/env bash
# The figure of docs/distributed.md: the SGD sweep of examples/diagonal-networks (11 steps × 4
# runs = 44 jobs) run locally (one thread), then on a Redis queue with 1 and with 2 `sgd worker`
# processes started beforehand. Prints, per round, the sweep's own wall time (as `sgd sweep`
# prints it), the CPU time of the submitter and of the workers, and the load; checks that every
# summary.csv has the bytes of the local one. Needs redis-server; uses a loopback port and a
# temporary directory. Usage: scripts/queue-timing.sh [ROUNDS] [PORT]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
PORT=${2:-6397}
SGD="node packages/cli/bin/sgd.js"
OUT=$(mktemp -d)
redis-server --port "$PORT" --bind 127.0.0.1 --dir "$OUT" --save '' --appendonly no >/dev/null 2>&1 &
REDIS=$!
trap 'kill $REDIS; rm -rf "$OUT"' EXIT
until [ "$(redis-cli -p "$PORT" ping 2>/dev/null)" = PONG ]; do sleep 0.1; done
GRID=(--grid 'solve.step=logspace(-3, -0.5, 11)' --grid const.alpha=0.1 --runs 4)
FILE=examples/diagonal-networks/sgd.sgd
cpu() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
wall() { grep -o '[0-9.]* s wall' "$1"; }
for round in $(seq "$ROUNDS"); do
  echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
  /usr/bin/time -f '%U %S' -o "$OUT/time" $SGD sweep $FILE "${GRID[@]}" --out "$OUT/local-$round" >"$OUT/local.txt"
  echo "  local, 1 thread:     $(wall "$OUT/local.txt"), CPU $(awk '{print $1 + $2}' "$OUT/time") s"
  for W in 1 2; do
    pids=()
    for i in $(seq "$W"); do $SGD worker --queue "redis://127.0.0.1:$PORT" 2>"$OUT/worker-$W-$i-$round.log" & pids+=($!); done
    until [ "$(grep -l 'waiting for jobs' "$OUT"/worker-"$W"-*-"$round".log 2>/dev/null | wc -l)" = "$W" ]; do sleep 0.1; done
    before=0; for p in "${pids[@]}"; do before=$(echo "$before + $(cpu "$p")" | bc); done
    /usr/bin/time -f '%U %S' -o "$OUT/time" $SGD sweep $FILE "${GRID[@]}" --out "$OUT/q$W-$round" --queue "redis://127.0.0.1:$PORT" >"$OUT/q.txt" 2>/dev/null
    after=0; for p in "${pids[@]}"; do after=$(echo "$after + $(cpu "$p")" | bc); done
    kill "${pids[@]}"; wait "${pids[@]}" 2>/dev/null || true
    cmp -s "$OUT/local-1/summary.csv" "$OUT/q$W-$round/summary.csv" && same='summary.csv = local' || same='summary.csv DIFFERS'
    echo "  queue, $W worker(s):  $(wall "$OUT/q.txt"), CPU submitter $(awk '{print $1 + $2}' "$OUT/time") s + workers $(echo "$after - $before" | bc) s; $same"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
