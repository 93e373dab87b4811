import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { BUILTIN_PROFILE, PACKAGE_ROOT } from '../../package-assets.js';

/**
 * What `roomgate init [DIR]` writes, as data: the scaffold of a user's own
 * setup (a suite, two scenarios, a copy of the contract to adapt, a GitHub
 * workflow). Pure: paths and contents only; the command decides what to keep.
 */
export interface InitFile {
  /** Path from the current directory, as shown to the user. */
  path: string;
  /** The text to write, or the bundled file to copy. */
  content: { text: string } | { copyOf: string };
}

export interface InitPlan {
  files: InitFile[];
  /** DIR as the user will type it in commands (relative to the current directory when inside it). */
  dir: string;
  /** roomgate is neither installed in the project (node_modules/roomgate) nor run from a checkout there: init says how to install it. */
  needsInstall: boolean;
}

const SPEC_FILE = 'videoconnect.v1.openapi.yaml';
const PROFILE_FILE = 'profile.yaml';

export function planInit(dirArg: string, cwd: string): InitPlan {
  const dirAbs = resolve(cwd, dirArg);
  const dir = shown(cwd, dirAbs);
  const { schemaRoot, needsInstall } = schemaRootFor(cwd);
  const schema = (name: 'suite' | 'scenario') =>
    relative(dirAbs, join(schemaRoot, 'schemas', `${name}.schema.json`))
      .split(sep)
      .join('/');
  const fromDir = (...parts: string[]) =>
    relative(dirAbs, join(schemaRoot, ...parts))
      .split(sep)
      .join('/');
  const suitePath = `${dir}/ci-gate.yaml`;
  return {
    dir,
    needsInstall,
    files: [
      { path: `${dir}/ci-gate.yaml`, content: { text: ciGateSuite(schema('suite'), suitePath) } },
      { path: `${dir}/contract.yaml`, content: { text: contractScenario(schema('scenario')) } },
      { path: `${dir}/soak.yaml`, content: { text: soakScenario(schema('scenario'), `${dir}/soak.yaml`) } },
      {
        path: `${dir}/${PROFILE_FILE}`,
        content: { text: profileCopy(fromDir('schemas', 'profile.schema.json'), fromDir('contracts', 'pacts', 'roomgate-videoconnect.json')) },
      },
      { path: `${dir}/${SPEC_FILE}`, content: { copyOf: join(PACKAGE_ROOT, 'contracts', SPEC_FILE) } },
      { path: shown(cwd, join(cwd, '.github', 'workflows', 'roomgate.yml')), content: { text: workflow(suitePath) } },
    ],
  };
}

/**
 * Where the `$schema` lines point: the schemas of the roomgate the project
 * uses, node_modules/roomgate, unless init runs from a checkout of roomgate
 * itself. `needsInstall`: neither, so init says how to install it.
 */
export function schemaRootFor(cwd: string): { schemaRoot: string; needsInstall: boolean } {
  const installed = join(cwd, 'node_modules', 'roomgate');
  const installedInProject = existsSync(join(installed, 'package.json'));
  const fromCheckout = !installedInProject && isInside(PACKAGE_ROOT, cwd);
  return { schemaRoot: fromCheckout ? PACKAGE_ROOT : installed, needsInstall: !installedInProject && !fromCheckout };
}

function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

function shown(cwd: string, path: string): string {
  return isInside(path, cwd) ? relative(cwd, path).split(sep).join('/') || '.' : path;
}

// Targets and credentials come from the environment with no default: an
// unset ROOMGATE_TARGET in CI must be a config error (exit 2), never a silent
// run against the embedded reference server that passes.
const TARGET = `target:
  url: \${ROOMGATE_TARGET}
  profile: ${PROFILE_FILE}
  clientId: \${ROOMGATE_CLIENT_ID}
  clientSecret: \${ROOMGATE_CLIENT_SECRET}`;

function ciGateSuite(schema: string, suitePath: string): string {
  return `# yaml-language-server: $schema=${schema}
#
# Your CI gate: the contract checks and the consumer pact against your API,
# stopping at the first failure. Target and credentials come from the
# environment (never write a secret here):
#   ROOMGATE_TARGET=https://api.example.com ROOMGATE_CLIENT_ID=… ROOMGATE_CLIENT_SECRET=… \\
#     npx roomgate run ${suitePath}
# Reports go to ./reports/<time>-ci-gate/ (report.html, junit.xml, summary.md).
name: ci-gate
gate: stop-at-first-failure
deadline: 5m
scenarios:
  - contract.yaml
`;
}

function contractScenario(schema: string): string {
  return `# yaml-language-server: $schema=${schema}
#
# The contract gate: the API as ${PROFILE_FILE} describes it (your copy of the
# VideoConnect v1 OpenAPI document and how to talk to it; paths are relative
# to this file), the
# promises no schema can express (envelope, lifecycle, auth, idempotency,
# rate limits), and roomgate's consumer pact.
name: contract
${TARGET}
steps:
  - type: contract
    name: contract
    options:
      seed: 1
      requestTimeout: 5s
  - type: pact
    name: pact
    options:
      timeout: 30s
`;
}

function soakScenario(schema: string, path: string): string {
  return `# yaml-language-server: $schema=${schema}
#
# A constant-rate soak (open loop: latency from the intended send time) for
# before a release, not for every CI run:
#   npx roomgate run ${path}                  # 10 minutes at 20 requests/s
#   npx roomgate run ${path} --duration 1h    # longer
# Responses are sampled against the document ${PROFILE_FILE} names.
name: soak
${TARGET}
steps:
  - type: load
    name: soak
    options:
      mode: soak
      rate: \${ROOMGATE_SOAK_RATE:-20}
      duration: 10m
      ramp: 30s
    slos:
      - availability >= 99.9%
      - create_room.p50 < 300ms
      - p99 < 1s over 1m
      - late_sends == 0
`;
}

/**
 * The built-in VideoConnect profile as the project's own file: its document is the copy init writes
 * beside it, its pact the package's. It is what the scaffold's scenarios name, so adapting the copied
 * document keeps the profile's auth, roles and pact (a bare `spec:` would be drafted from anew).
 */
function profileCopy(schema: string, pact: string): string {
  const builtin = readFileSync(BUILTIN_PROFILE, 'utf8');
  const body = builtin.slice(builtin.indexOf('\nprofile: ') + 1);
  return `# yaml-language-server: $schema=${schema}
#
# How roomgate talks to your API (docs/profiles.md in the roomgate package):
# a copy of the built-in VideoConnect profile, pointed at your copy of the
# document. Change the roles, fields and auth where your API differs, or
# draft one from your own document: npx roomgate init --from-spec openapi.yaml
${body.replace(/^spec: .*$/m, `spec: ${SPEC_FILE}`).replace(/^  pacts: .*$/m, `  pacts: [${pact}]`)}`;
}

function workflow(suitePath: string): string {
  return `# roomgate's contract gate on every pull request (written by \`roomgate init\`).
# Set the repository variables ROOMGATE_TARGET and ROOMGATE_CLIENT_ID and the
# secret ROOMGATE_CLIENT_SECRET (Settings → Secrets and variables → Actions).
name: roomgate
on:
  pull_request:
  push:
    branches: [main]
  workflow_dispatch:
jobs:
  ci-gate:
    runs-on: ubuntu-latest
    timeout-minutes: 15
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 22
          cache: npm
      - run: npm ci
      - name: roomgate run ${suitePath}
        env:
          ROOMGATE_TARGET: \${{ vars.ROOMGATE_TARGET }}
          ROOMGATE_CLIENT_ID: \${{ vars.ROOMGATE_CLIENT_ID }}
          ROOMGATE_CLIENT_SECRET: \${{ secrets.ROOMGATE_CLIENT_SECRET }}
        # roomgate writes the run's summary to $GITHUB_STEP_SUMMARY itself; its exit code fails the job.
        run: npx roomgate run ${suitePath} --out reports/ci-gate
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: roomgate-report
          path: reports/ci-gate
          if-no-files-found: ignore
`;
}
