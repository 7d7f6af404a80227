#!/usr/bin/env bash
# The steps of action.yml (a composite GitHub Action), one per argument. GitHub runs them with
# GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_ENV and GITHUB_STEP_SUMMARY set and the inputs as
# INPUT_* variables; test/action/action.test.ts runs them the same way outside GitHub.
set -euo pipefail

root="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
cli=(node "$root/bin/mturk-conformance.mjs")

fail() {
  echo "mturk-conformance action: $*" >&2
  exit 2
}

case "${1:-}" in
  install)
    # The action's own checkout has no node_modules; with no dist/ the CLI runs from its sources
    # (tsx, bin/build-state.mjs), so the runtime dependencies are enough and no build is needed.
    if [ ! -d "$root/node_modules" ]; then
      (cd "$root" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund </dev/null)
    fi
    ;;

  emulator)
    port="${INPUT_PORT:-7017}"
    [[ "$port" =~ ^[0-9]+$ ]] || fail "port must be a number, got '$port'"
    log="$(mktemp "${RUNNER_TEMP:-/tmp}/mturk-emulator.XXXXXX")"
    args=(emulator --port "$port")
    if [ -n "${INPUT_STATE_FILE:-}" ]; then args+=(--state-file "$INPUT_STATE_FILE"); fi
    nohup "${cli[@]}" "${args[@]}" >"$log" 2>&1 </dev/null &
    pid=$!
    url=""
    for _ in $(seq 1 900); do
      url="$(sed -n 's/^MTurk reference emulator listening on \(http:[^ ]*\)$/\1/p' "$log" | head -n 1)"
      if [ -n "$url" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
      sleep 0.1
    done
    if [ -z "$url" ]; then
      cat "$log" >&2
      kill "$pid" 2>/dev/null || true
      fail "the emulator did not start"
    fi
    states="$url/_states"
    {
      echo "url=$url"
      echo "states-url=$states"
      echo "pid=$pid"
    } >>"$GITHUB_OUTPUT"
    # a later gate step of this action (or any step) finds the emulator here
    {
      echo "MTURK_CONFORMANCE_EMULATOR_URL=$url"
      echo "MTURK_CONFORMANCE_EMULATOR_STATES_URL=$states"
    } >>"$GITHUB_ENV"
    echo "MTurk emulator on $url (provider states: $states, pid $pid, log $log)"
    ;;

  gate)
    endpoint="${INPUT_ENDPOINT:-}"
    states="${INPUT_STATES_URL:-}"
    if [ -z "$endpoint" ]; then
      endpoint="${MTURK_CONFORMANCE_EMULATOR_URL:-}"
      states="${states:-${MTURK_CONFORMANCE_EMULATOR_STATES_URL:-}}"
    fi
    [ -n "$endpoint" ] || fail "no endpoint: give 'endpoint', or start the emulator with mode: emulator first"
    dir="${INPUT_REPORT_DIR:-conformance}"
    seed="${INPUT_SEED:-${RUN_ID:-}}"
    args=(server --endpoint "$endpoint" --wait-ms 30000 --report-dir "$dir")
    if [ -n "$states" ]; then args+=(--states-url "$states"); fi
    if [ -n "$seed" ]; then args+=(--seed "$seed"); fi
    if [ -n "${INPUT_EXPECTED_FAILURES:-}" ]; then args+=(--expected-failures "$INPUT_EXPECTED_FAILURES"); fi
    # extra options are split on blanks, as a user writes them in the workflow
    read -r -a extra <<<"${INPUT_ARGS:-}"
    set +e
    "${cli[@]}" "${args[@]}" "${extra[@]}" </dev/null
    code=$?
    set -e
    {
      echo "exit-code=$code"
      echo "report-dir=$dir"
    } >>"$GITHUB_OUTPUT"
    if [ -f "$dir/summary.md" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$dir/summary.md" >>"$GITHUB_STEP_SUMMARY"; fi
    # the verdict comes after the upload (a failed gate still uploads its report)
    ;;

  verdict)
    code="${EXIT_CODE:-}"
    [ -n "$code" ] || fail "the gate step left no exit code"
    if [ "$code" != "0" ]; then echo "mturk-conformance: the gate failed (exit $code); the report is uploaded" >&2; fi
    exit "$code"
    ;;

  *)
    fail "unknown step '${1:-}' (install, emulator, gate, verdict)"
    ;;
esac
