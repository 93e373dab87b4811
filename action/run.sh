#!/usr/bin/env bash
# action.yml, step "run": run the suite, always record the exit code and the
# run folder in $GITHUB_OUTPUT (the next steps upload the folder and exit with
# the code). roomgate itself appends summary.md to $GITHUB_STEP_SUMMARY.
set -uo pipefail
output="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"
entry="${ACTION_ENTRY:?no roomgate entry (the install step did not run)}"

# Browser steps need Chromium: GitHub's Ubuntu images ship Google Chrome.
if [ -z "${PUPPETEER_EXECUTABLE_PATH:-}" ] && [ ! -x /usr/bin/chromium ]; then
  for candidate in /usr/bin/google-chrome /usr/bin/google-chrome-stable /usr/bin/chromium-browser; do
    if [ -x "$candidate" ]; then export PUPPETEER_EXECUTABLE_PATH="$candidate"; break; fi
  done
fi
# Empty inputs mean "not given": roomgate then uses the suite's own target / the embedded server.
for name in ROOMGATE_TARGET ROOMGATE_CLIENT_ID ROOMGATE_CLIENT_SECRET; do
  if [ -z "${!name:-}" ]; then unset "$name"; fi
done

run_dir="reports/action-${GITHUB_RUN_ID:-local}-${GITHUB_RUN_ATTEMPT:-1}-$(date -u +%Y%m%dT%H%M%S)"
read -r -a suites <<< "${ACTION_SUITE:-}"
read -r -a extra <<< "${ACTION_ARGS:-}"
node "$entry" run "${suites[@]}" --out "$run_dir" "${extra[@]}"
code=$?
echo "exit-code=$code" >> "$output"
if [ -d "$run_dir" ]; then echo "report-dir=$run_dir" >> "$output"; fi
echo "roomgate: exit code $code, reports in $run_dir"
# Do not fail here: the artifact upload runs first, the last step exits with the code.
exit 0
