#!/usr/bin/env bash
# roomgate on other Node versions than the machine's (engines: >=20.19; CI runs
# the default one). Not part of `npm test`: it downloads Node binaries.
#
#   bash test/node-versions.sh            # Node 22 and 24
#   bash test/node-versions.sh 24         # just one
#   UNIT=1 bash test/node-versions.sh 24  # also the unit tests, from sources
#
# For each version: Node from npm's registry (the node-linux-<arch> package,
# which holds the official binary and needs no install script), the packed
# tarball installed into a fresh project outside the checkout with that Node
# first on PATH, then `roomgate --version`, `roomgate contract` (embedded
# server, Pact included), `roomgate run` (the smoke suite, Chromium), and a
# plain ESM import of the public API. Everything targets loopback.
set -euo pipefail

versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(22 24)
root=$(cd "$(dirname "$0")/.." && pwd)
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "node-versions: no node-linux package for $(uname -m)" >&2; exit 2 ;;
esac
work=$(mktemp -d "${TMPDIR:-/tmp}/roomgate-node-versions-XXXXXX")
trap 'rm -rf "$work"' EXIT
# A user's shell, not the npm that may be running this script.
unset $(env | awk -F= '/^(npm_|ROOMGATE_)/ {print $1}') 2>/dev/null || true
export NO_COLOR=1 CI=true

echo "node-versions: packing roomgate (prepack builds dist/)"
(cd "$root" && npm pack --silent --pack-destination "$work" >/dev/null)
tarball=$(ls "$work"/roomgate-*.tgz)

failed=0
for v in "${versions[@]}"; do
  echo
  echo "=== Node $v ==="
  npm install --silent --prefix "$work/node-$v" --no-save --no-audit --no-fund "node-linux-$arch@$v" >/dev/null
  bin="$work/node-$v/node_modules/node-linux-$arch/bin"
  project="$work/project-$v"
  mkdir -p "$project"
  (
    set -e
    export PATH="$bin:$PATH"
    cd "$project"
    echo "node $(node --version), npm $(npm --version)"
    printf '{ "name": "consumer", "private": true, "type": "module" }\n' > package.json
    npm install --silent --prefer-offline --no-audit --no-fund "$tarball" || exit 1
    echo "roomgate $(npx roomgate --version)"
    # (errexit does not apply inside this `( … ) || …` subshell: every command is checked by hand.)
    contract_code=0
    npx roomgate contract > contract.log 2>&1 || contract_code=$?
    grep -E '✗|contract (PASSED|FAILED)' contract.log || true
    [ "$contract_code" -eq 0 ] || { echo "contract: exit $contract_code"; exit 1; }
    # The smoke suite's browser step voids its figures on a starved host (exit 3, "harness was
    # overloaded"): that says nothing about the Node version, so it counts as having run.
    smoke_code=0
    npx roomgate run > smoke.log 2>&1 || smoke_code=$?
    tail -2 smoke.log
    if [ "$smoke_code" -ne 0 ] && ! { [ "$smoke_code" -eq 3 ] && grep -q 'harness was overloaded' smoke.log; }; then
      cat smoke.log; echo "smoke suite: exit $smoke_code"; exit 1
    fi
    node --input-type=module -e "
      import { createReferenceServer, VideoConnectClient } from 'roomgate';
      const server = await createReferenceServer({ port: 0 });
      const client = new VideoConnectClient({ baseUrl: server.url, credentials: { clientId: 'roomgate-local', clientSecret: 'roomgate-local-secret' } });
      const { room } = await client.createRoom({ name: 'node-versions' });
      await server.close();
      console.log('public API: created', room.room_id, 'on', process.version);" || exit 1
    if [ "${UNIT:-}" = 1 ]; then
      (cd "$root" && npx vitest run test/unit --exclude 'test/**/*.timing.test.ts') || exit 1
    fi
  ) || { echo "Node $v: FAILED"; failed=1; continue; }
  echo "Node $v: ok"
done
exit $failed
