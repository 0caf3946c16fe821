#!/usr/bin/env bash
# serve-load.sh — the serving load figures: starts `loom serve` on a free loopback port with one model, runs 1, 4 and
# 16 concurrent streaming chat clients (then 16 and 1 again, so the server's memory after the run can be compared with its
# memory before), prints the benchmark's JSON and stops the server. Nothing in the tests or CI uses this script.
#
# Usage: bench/serve-load.sh MODEL.gguf [CLIENTS]   (CLIENTS default 1,4,16,16,1)
# Environment (optional): REQUESTS (per client, default 2), MAX_TOKENS (default 64), SOAK (N more bursts at the
#   largest client count, then one single-client level; default 0), IDLE (seconds to wait after the run before the
#   last memory sample; default 0), SETTLE (seconds to wait after each level before its memory sample, so the
#   server's idle trim — Server:IdleTrimSeconds, 2 s by default — has run; default 0). Every level reports the server's memory after it (resident, anonymous, managed
#   heap, GC committed, session bytes, threads); progress goes to stderr, the JSON to stdout.
#   ARTIFACTS (dotnet --artifacts-path for the builds, default /tmp/loom-serve-load-artifacts).
set -euo pipefail
die() { echo "serve-load: $*" >&2; exit 2; }
[[ $# -ge 1 && -f $1 ]] || die "usage: bench/serve-load.sh MODEL.gguf [CLIENTS]"
MODEL=$(realpath "$1")
CLIENTS=${2:-1,4,16,16,1}
REPO=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS=${ARTIFACTS:-/tmp/loom-serve-load-artifacts}
WORK=$(mktemp -d)
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

echo "building (Release) into $ARTIFACTS ..." >&2
nice -n 19 dotnet build -c Release "$REPO/src/Loom.Cli" --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
nice -n 19 dotnet build -c Release "$REPO/bench/Loom.Benchmarks" --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2

mkdir -p "$WORK/models" "$WORK/data"
ln -s "$MODEL" "$WORK/models/$(basename "$MODEL")"
ID=$(basename "$MODEL" .gguf)
PORT=$(( 20000 + RANDOM % 20000 ))
dotnet "$ARTIFACTS/bin/Loom.Cli/release/loom.dll" serve --models "$WORK/models" \
  --data "$WORK/data" --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do
  curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; die "the server exited"; }
  sleep 0.5
done
dotnet "$ARTIFACTS/bin/Loom.Benchmarks/release/Loom.Benchmarks.dll" serve-load --url "http://127.0.0.1:$PORT" --model "$ID" \
  --clients "$CLIENTS" --requests "${REQUESTS:-2}" --max-tokens "${MAX_TOKENS:-64}" --pid "$SERVER" \
  --soak "${SOAK:-0}" --idle "${IDLE:-0}" --settle "${SETTLE:-0}"
