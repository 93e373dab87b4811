import type { CommandModule } from 'yargs';
import { execute } from '../fail.js';
import {
  durationOption,
  withDurationOption,
  withRequestTimeoutOption,
  withRunOutputOptions,
  withTargetOptions,
  type RunOutputArgs,
  type TargetArgs,
} from '../flags.js';
import { BUNDLED_SMOKE_SUITE, resolveRunFile } from '../../package-assets.js';
import { withShardOptions, type ShardArgs } from '../shard-options.js';

import { withMetricsOptions, type MetricsFlags } from '../live-export.js';

export interface RunArgs extends ShardArgs, MetricsFlags, TargetArgs, RunOutputArgs {
  files: string[];
  duration?: string;
  only?: string[];
  deadline?: string;
  requestTimeout?: string;
  gate?: string;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [files..]',
  describe: 'run suites or scenarios (default suites/smoke.yaml) against --target or the embedded reference server',
  builder: (y) =>
    withRequestTimeoutOption(
      withDurationOption(
        withRunOutputOptions(withMetricsOptions(withShardOptions(withTargetOptions(y))), '<suite>'),
        'length of every soak step, e.g. 10m (bursts keep theirs)',
      ),
      "how long a --target may take to answer its first request before the run is invalid (exit 3), e.g. 5s (default: the scenario's requestTimeout, else 10s)",
    )
      .positional('files', {
        type: 'string',
        array: true,
        describe:
          'suite or scenario YAML files, run in order (paths from the current directory; suites/NAME.yaml and scenarios/NAME.yaml fall back to the bundled ones)',
        defaultDescription: 'the bundled suites/smoke.yaml',
      })
      .option('only', { type: 'string', array: true, describe: 'run only these steps (by name); the others are reported as skipped' })
      .option('deadline', durationOption("global deadline, e.g. 20m (default: the suite's, or 1.5 × the planned time + 2m)"))
      .option('gate', { type: 'string', choices: ['stop-at-first-failure', 'run-all'], describe: "override the suite's gate policy" })
      .example('$0 run', 'the smoke suite against the embedded reference server')
      .example('$0 run suites/ci-gate.yaml --target https://api.example.com', 'the CI gate against a deployed API')
      .example('$0 run suites/pre-release.yaml --duration 10m', 'the pre-release suite with a 10-minute soak')
      .example(
        '$0 run scenarios/soak.yaml --shard 2/4 --start-at +60s --start-base 2026-05-01T10:00:00Z --out shards/2',
        'shard 2 of a 4-way run (then: roomgate merge shards/*)',
      ) as never,
  handler: (args) =>
    execute(async () => {
      // The user's files resolve from the current directory; the default and bundled suite names from the package.
      const files = (args.files ?? []).length === 0 ? [BUNDLED_SMOKE_SUITE] : args.files.map((file) => resolveRunFile(file).path);
      // Loaded on use, so `roomgate --help` does not load the runner, reporters and reference server.
      const { runSuite } = await import('../run-suite.js');
      return runSuite({ ...args, files });
    }),
};
