#!/usr/bin/env bash
# action.yml, step "install": find the roomgate to run and write its entry
# script to $GITHUB_OUTPUT (entry=…).
# 1. The project's own roomgate (its package.json pins the version): after
#    `npm ci` in an earlier step, or installed here when package.json lists it.
# 2. Otherwise the action's own checkout, built once (npm ci + npm run build).
set -euo pipefail
output="${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set (run inside GitHub Actions, or set it to a file)}"

listed() {
  [ -f package.json ] && node -e 'const p = require("./package.json"); process.exit({ ...p.dependencies, ...p.devDependencies }.roomgate ? 0 : 1)'
}

if [ ! -f node_modules/roomgate/bin/roomgate.js ] && listed; then
  echo "roomgate: installing the project's dependencies (package.json lists roomgate)"
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund; else npm install --no-audit --no-fund; fi
fi
if [ -f node_modules/roomgate/bin/roomgate.js ]; then
  entry="$PWD/node_modules/roomgate/bin/roomgate.js"
  echo "roomgate: using the project's roomgate $(node -p 'require("./node_modules/roomgate/package.json").version')"
else
  action="${GITHUB_ACTION_PATH:?}"
  echo "roomgate: the project does not list roomgate; building the action's own copy"
  (cd "$action" && npm ci --no-audit --no-fund && npm run build)
  entry="$action/dist/cli/main.js"
fi
echo "entry=$entry" >> "$output"
