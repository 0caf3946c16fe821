#!/usr/bin/env bash
# llm-vs-llamacpp.sh — `loom bench llm` against llama.cpp's `llama-bench` on the same GGUF files, same run.
#
# llama.cpp is NOT part of Loom and is never built by it: build it yourself, OUTSIDE this repository, from the
# source that the npm package node-llama-cpp ships (the version the reference vectors used):
#     mkdir /tmp/llamacpp && cd /tmp/llamacpp && npm pack node-llama-cpp@3.22.1 && tar xzf node-llama-cpp-3.22.1.tgz
#     git clone package/llama/gitRelease.bundle llama.cpp && cd llama.cpp
#     cmake -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DBUILD_SHARED_LIBS=OFF -DLLAMA_OPENSSL=OFF \
#           -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF -DLLAMA_BUILD_APP=OFF
#     cmake --build build -j2 --target llama-bench llama-quantize llama-completion
# The benchmark model (≈200M parameters, llama architecture, real 32k SentencePiece vocabulary, seeded weights):
#     dotnet run -c Release --project bench/Loom.Benchmarks -- synth-gguf --out DIR/synth-200m-f16.gguf
#     for t in Q8_0 Q4_0 Q4_K_M; do llama-quantize DIR/synth-200m-f16.gguf DIR/synth-200m-${t,,}.gguf $t 1; done
# Nothing in the test suite or CI uses this script.
#
# Usage: LLAMA_BENCH=/path/to/llama-bench bench/llm-vs-llamacpp.sh MODEL_DIR [FILE.gguf ...]
#   MODEL_DIR      folder with the GGUF files (all *.gguf there unless files are named after it)
# Environment (all optional):
#   THREADS="1 2"  PROMPT=512  GEN=128  REPEAT=3 (llama-bench -r, loom --repetitions)  ROUNDS=1 (passes over
#                  everything; the best of each is kept)
#   LOOM           command that runs the loom CLI (default: build src/Loom.Cli in Release into ARTIFACTS, run its dll);
#                  LOOM=none measures llama.cpp alone
#   ARTIFACTS      dotnet --artifacts-path for that build (default /tmp/loom-llm-bench-artifacts)
#   BANDWIDTH=1    also measure read bandwidth (bench/Loom.Benchmarks read-bandwidth) and show tg as a fraction of
#                  the bandwidth bound (weight bytes per token ÷ GB/s); 0 skips it
#   OUT            folder for the raw JSON of every run (default: a new folder under /tmp)
# Prints one table: prompt (pp) and generation (tg) tokens/s of both, and loom/llama.cpp ratios.
set -euo pipefail

die() { echo "llm-vs-llamacpp: $*" >&2; exit 2; }
[[ $# -ge 1 ]] || die "usage: LLAMA_BENCH=/path/to/llama-bench $0 MODEL_DIR [FILE.gguf ...]"
[[ -n "${LLAMA_BENCH:-}" && -x "$LLAMA_BENCH" ]] || die "set LLAMA_BENCH to the llama-bench binary (see this script's header)"
command -v jq >/dev/null || die "needs jq"

MODEL_DIR=$1; shift
[[ -d "$MODEL_DIR" ]] || die "$MODEL_DIR is not a folder"
if [[ $# -gt 0 ]]; then FILES=("$@"); else mapfile -t FILES < <(cd "$MODEL_DIR" && ls -1 ./*.gguf | sed 's#^\./##' | sort); fi
[[ ${#FILES[@]} -gt 0 ]] || die "no .gguf files in $MODEL_DIR"

THREADS=${THREADS:-"1 2"}; PROMPT=${PROMPT:-512}; GEN=${GEN:-128}; REPEAT=${REPEAT:-3}; ROUNDS=${ROUNDS:-1}
BANDWIDTH=${BANDWIDTH:-1}
REPO=$(cd "$(dirname "$0")/.." && pwd)
ARTIFACTS=${ARTIFACTS:-/tmp/loom-llm-bench-artifacts}
OUT=${OUT:-$(mktemp -d /tmp/llm-vs-llamacpp.XXXXXX)}
mkdir -p "$OUT"

if [[ -z "${LOOM:-}" ]]; then
  echo "building the loom CLI (Release) into $ARTIFACTS ..." >&2
  dotnet build -c Release "$REPO/src/Loom.Cli" --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
  LOOM="dotnet $ARTIFACTS/bin/Loom.Cli/release/loom.dll"
fi

# `loom bench llm --json` prints one object; these pick its prompt and generation tokens/s.
LOOM_PP_JQ=${LOOM_PP_JQ:-'.promptTokensPerSecond'}
LOOM_TG_JQ=${LOOM_TG_JQ:-'.generationTokensPerSecond'}

best() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || a == "null") print b; else if (b == "" || b == "null") print a; else print (a > b ? a : b) }'; }

# Bandwidth first: both builds are done before any timing starts.
declare -A BOUND
if [[ "$BANDWIDTH" == 1 ]]; then
  echo "building bench/Loom.Benchmarks (Release) for read-bandwidth ..." >&2
  if ! dotnet build -c Release "$REPO/bench/Loom.Benchmarks" --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2; then
    echo "llm-vs-llamacpp: bench/Loom.Benchmarks did not build; the table goes without the bandwidth bound" >&2
    BANDWIDTH=0
  fi
fi
if [[ "$BANDWIDTH" == 1 ]]; then
  models=(); for f in "${FILES[@]}"; do models+=(--model "$MODEL_DIR/$f"); done
  bw="$OUT/read-bandwidth.json"
  dotnet "$ARTIFACTS/bin/Loom.Benchmarks/release/Loom.Benchmarks.dll" read-bandwidth --threads "${THREADS// /,}" "${models[@]}" --json > "$bw"
  jq -r '.bandwidth[] | "read bandwidth \(.threads) thread(s): best \(.bestGBps) GB/s, median \(.medianGBps) GB/s"' "$bw"
  for f in "${FILES[@]}"; do
    for t in $THREADS; do
      BOUND["$f|$t"]=$(jq -r --arg m "$MODEL_DIR/$f" --arg k "boundTokensPerSecond${t}t" '.models[] | select(.model == $m) | .[$k]' "$bw")
    done
  done
fi

declare -A LOOM_PP LOOM_TG LLAMA_PP LLAMA_TG
for round in $(seq 1 "$ROUNDS"); do
  for f in "${FILES[@]}"; do
    path=$MODEL_DIR/$f
    [[ -f "$path" ]] || die "$path not found"
    for t in $THREADS; do
      key="$f|$t"
      # Interleaved: loom then llama.cpp on the same file and thread count, so a busy spell hits both alike.
      if [[ "$LOOM" != none ]]; then
        lj="$OUT/loom-${f%.gguf}-t$t-r$round.json"
        $LOOM bench llm "$path" --threads "$t" --prompt-tokens "$PROMPT" --gen-tokens "$GEN" --repetitions "$REPEAT" --json > "$lj"
        LOOM_PP[$key]=$(best "${LOOM_PP[$key]:-}" "$(jq -r "$LOOM_PP_JQ" "$lj")")
        LOOM_TG[$key]=$(best "${LOOM_TG[$key]:-}" "$(jq -r "$LOOM_TG_JQ" "$lj")")
      fi

      cj="$OUT/llamacpp-${f%.gguf}-t$t-r$round.json"
      "$LLAMA_BENCH" -m "$path" -t "$t" -p "$PROMPT" -n "$GEN" -r "$REPEAT" -o json > "$cj" 2> "$cj.log"
      LLAMA_PP[$key]=$(best "${LLAMA_PP[$key]:-}" "$(jq -r '[.[] | select(.n_prompt > 0 and .n_gen == 0)][0].avg_ts' "$cj")")
      LLAMA_TG[$key]=$(best "${LLAMA_TG[$key]:-}" "$(jq -r '[.[] | select(.n_gen > 0 and .n_prompt == 0)][0].avg_ts' "$cj")")
      echo "round $round $f t=$t: loom pp ${LOOM_PP[$key]:-} tg ${LOOM_TG[$key]:-}; llama.cpp pp ${LLAMA_PP[$key]} tg ${LLAMA_TG[$key]}" >&2
    done
  done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'; }
num() { awk -v a="$1" 'BEGIN { if (a + 0 > 0) printf "%.1f", a; else printf "-" }'; }

echo
echo "pp = prompt processing, $PROMPT tokens; tg = generation, $GEN tokens; tokens/s, each the mean of $REPEAT repetitions (best of $ROUNDS round(s))"
header=$(printf "%-28s %3s | %9s %9s %6s | %9s %9s %6s" model thr "loom pp" "llama pp" ratio "loom tg" "llama tg" ratio)
[[ "$BANDWIDTH" == 1 ]] && header+=$(printf " | %8s %7s %7s" "tg bound" "loom %" "llama %")
echo "$header"
for f in "${FILES[@]}"; do
  for t in $THREADS; do
    key="$f|$t"
    line=$(printf "%-28s %3s | %9s %9s %6s | %9s %9s %6s" "$f" "$t" \
      "$(num "${LOOM_PP[$key]:-}")" "$(num "${LLAMA_PP[$key]}")" "$(ratio "${LOOM_PP[$key]:-}" "${LLAMA_PP[$key]}")" \
      "$(num "${LOOM_TG[$key]:-}")" "$(num "${LLAMA_TG[$key]}")" "$(ratio "${LOOM_TG[$key]:-}" "${LLAMA_TG[$key]}")")
    if [[ "$BANDWIDTH" == 1 ]]; then
      b=${BOUND[$key]:-}
      line+=$(printf " | %8s %7s %7s" "$(num "$b")" \
        "$(awk -v a="${LOOM_TG[$key]:-}" -v b="$b" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.0f%%", 100 * a / b; else printf "-" }')" \
        "$(awk -v a="${LLAMA_TG[$key]}" -v b="$b" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.0f%%", 100 * a / b; else printf "-" }')")
    fi
    echo "$line"
  done
done
echo "raw JSON: $OUT"
