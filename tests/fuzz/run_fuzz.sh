#!/usr/bin/env bash
# Runs every libFuzzer target of a SHAMMIE_FUZZ build for SECONDS each:
#   tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS
# Each target starts from its seeds (tests/fuzz/corpus/<target>/, read only)
# and grows a working corpus in BUILD_DIR/fuzz-corpus/<target>/. A crash,
# leak, sanitizer report or failed oracle stops that target; its input is
# saved as BUILD_DIR/fuzz-artifacts/<target>/crash-* (copy it into the
# target's corpus folder as the regression input) and the script exits 1
# after running the rest.
set -uo pipefail
build="${1:?usage: run_fuzz.sh BUILD_DIR SECONDS}"
seconds="${2:?usage: run_fuzz.sh BUILD_DIR SECONDS}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

failed=()
passed=0
for seeds in "$here"/corpus/*/; do
  target="$(basename "$seeds")"
  bin="$build/bin/$target"
  if [ ! -x "$bin" ]; then
    echo "run_fuzz: $bin missing (is $build a SHAMMIE_FUZZ build?)" >&2
    exit 2
  fi
  work="$build/fuzz-corpus/$target"
  artifacts="$build/fuzz-artifacts/$target/"
  mkdir -p "$work" "$artifacts"
  echo "=== $target: ${seconds}s"
  # -max_len: room for the BPE target's vocab + merges + text (the seeds are
  # ~3 KB); -rss_limit_mb/-timeout: a hang or blow-up is a finding too.
  if "$bin" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$artifacts" "$work" "$seeds" \
      >"$build/fuzz-$target.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$build/fuzz-$target.log" |
      sed "s/^/  /"
    grep -E '^#[0-9]+.*DONE' "$build/fuzz-$target.log" | tail -1 | sed "s/^/  /"
    passed=$((passed + 1))
  else
    echo "  FAILED: see $build/fuzz-$target.log; reproducer(s):"
    ls "$artifacts" | sed "s/^/    /"
    tail -40 "$build/fuzz-$target.log"
    failed+=("$target")
  fi
done
echo "fuzz: $passed passed, ${#failed[@]} failed"
if ((${#failed[@]})); then
  echo "run_fuzz: failed: ${failed[*]}"
  exit 1
fi
