#!/usr/bin/env bash
# image-quality.sh — trains each image family on the emoji set and measures it on the held-out split, the figures
# the "Image generation" issue asks for. Nothing in the test suite or CI uses this script.
#
# Usage: bench/image-quality.sh [--minutes M] [FAMILY ...]
#   --minutes M    training budget per family (default 30)
#   FAMILY         any of vae gan diffusion flow (default: all four)
# Environment (all optional):
#   DATA           emoji folder with train/, val/, train.csv, val.csv (default: ../shared/data/emoji beside the repo)
#   WORK           folder for the trained models (default /tmp/loom-image-quality)
#   IMAGES         folder for the sample grids (default: docs/images in the repo)
#   EVAL_N         samples per family evaluation (default: as many as val has)
#   PROMPT_N       samples per diffusion prompt and guidance (default 100)
#   THREADS        kernel threads (default: all cores)
#   LOOM           command that runs the loom CLI (default: build src/Loom.Cli in Release into ARTIFACTS, run its dll)
#   ARTIFACTS      dotnet --artifacts-path for that build (default /tmp/loom-image-bench-artifacts)
# Prints one JSON object per line: {"bench":"train",…}, {"bench":"eval",…} (Fréchet distance, precision/recall,
# bits/dim for families with a likelihood) and {"bench":"prompt",…} (diffusion, per prompt and guidance, against
# all of val). A family that fails prints {"bench":"error",…} and the others go on. FD values hold only for the
# printed featuresVersion (docs/evaluation.md).
set -euo pipefail

die() { echo "image-quality: $*" >&2; exit 2; }
command -v jq >/dev/null || die "needs jq"

MINUTES=30
FAMILIES=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --minutes) [[ $# -ge 2 ]] || die "--minutes needs a value"; MINUTES=$2; shift 2 ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    vae|gan|diffusion|flow) FAMILIES+=("$1"); shift ;;
    *) die "unknown argument '$1' (expected --minutes M or a family: vae gan diffusion flow)" ;;
  esac
done
[[ ${#FAMILIES[@]} -gt 0 ]] || FAMILIES=(vae gan diffusion flow)

REPO=$(cd "$(dirname "$0")/.." && pwd)
DATA=${DATA:-$REPO/../shared/data/emoji}
WORK=${WORK:-/tmp/loom-image-quality}
IMAGES=${IMAGES:-$REPO/docs/images}
PROMPT_N=${PROMPT_N:-100}
[[ -d "$DATA/train" && -d "$DATA/val" && -f "$DATA/train.csv" ]] || die "$DATA needs train/, val/ and train.csv"
mkdir -p "$WORK" "$IMAGES"

ARTIFACTS=${ARTIFACTS:-/tmp/loom-image-bench-artifacts}
if [[ -z "${LOOM:-}" ]]; then
  echo "building the loom CLI (Release) into $ARTIFACTS ..." >&2
  dotnet build -c Release "$REPO/src/Loom.Cli" --artifacts-path "$ARTIFACTS" -v quiet -nologo >&2
  LOOM="dotnet $ARTIFACTS/bin/Loom.Cli/release/loom.dll"
fi
COMMON=()
[[ -n "${THREADS:-}" ]] && COMMON+=(--threads "$THREADS")
EVAL=()
[[ -n "${EVAL_N:-}" ]] && EVAL+=(--n "$EVAL_N")

# Runs loom with --json; prints its JSON tagged with the bench step and family, or an error line. Returns loom's status.
run() {
  local step=$1 family=$2; shift 2
  local out err status=0
  err=$(mktemp)
  out=$($LOOM "$@" --json 2>"$err") || status=$?
  if [[ $status -eq 0 ]]; then
    jq -c --arg bench "$step" --arg family "$family" '{bench: $bench, family: $family} + .' <<<"$out"
  else
    jq -cn --arg bench error --arg step "$step" --arg family "$family" --arg message "$(tail -n 3 "$err")" --argjson code "$status" \
      '{bench: $bench, step: $step, family: $family, code: $code, message: $message}'
  fi
  rm -f "$err"
  return $status
}

for family in "${FAMILIES[@]}"; do
  model="$WORK/$family"
  rm -rf "$model"
  captions=()
  [[ $family == diffusion ]] && captions=(--captions "$DATA/train.csv" --caption-column name)
  run train "$family" train image --family "$family" --images "$DATA/train" "${captions[@]}" --size 32 --channels 4 \
      --out "$model" --minutes "$MINUTES" "${COMMON[@]}" || continue
  run eval "$family" eval images --model "$model" --data "$DATA/val" "${EVAL[@]}" "${COMMON[@]}" || true
  run sample "$family" sample --model "$model" --n 64 --out "$IMAGES/$family-samples.png" "${COMMON[@]}" || true

  if [[ $family == diffusion ]]; then
    for prompt in 'red heart' 'smiling face with sunglasses' 'green apple'; do
      slug=${prompt// /-}
      for guidance in 0 3; do
        run sample diffusion sample --model "$model" --prompt "$prompt" --guidance "$guidance" --n 16 \
            --out "$IMAGES/diffusion-$slug-g$guidance.png" "${COMMON[@]}" || true
        run prompt diffusion eval images --model "$model" --data "$DATA/val" --prompt "$prompt" --guidance "$guidance" \
            --n "$PROMPT_N" --no-bits-per-dim "${COMMON[@]}" || true
      done
    done
  fi
done
