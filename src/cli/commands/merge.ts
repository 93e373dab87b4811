import { realpath } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { DEFAULT_MAX_SKEW_MS } from '../../merge/skew.js';
import { execute } from '../fail.js';
import { paint, useColor } from '../color.js';
import { durationOption, requireDurationFlag, withRunOutputOptions } from '../flags.js';
import { lockRunFolder } from '../run-folder.js';
import { renderRunSummaryJson } from '../summary-json.js';

interface MergeArgs {
  dirs: string[];
  out: string;
  maxSkew: string;
  json: boolean;
}

/** `roomgate merge`: shard run folders → one run folder, judged globally, with every report of a run. */
export const mergeCommand: CommandModule<object, MergeArgs> = {
  command: 'merge <dirs..>',
  describe: 'merge the run folders of shards 1..n (--shard i/n) into one run: exact histograms, global SLO verdicts, all reports; exit codes as run',
  builder: (y) =>
    withRunOutputOptions(y, 'merge', 'reports/merged')
      .positional('dirs', { type: 'string', array: true, demandOption: true, describe: "the shards' run folders (each with report.json)" })
      .option(
        'max-skew',
        durationOption("largest spread of the shards' measured-phase starts; beyond it the run is invalid (exit 3)", `${DEFAULT_MAX_SKEW_MS}ms`),
      )
      .example('$0 merge shards/* --out reports/soak-merged', 'one report for all shards')
      .example('$0 compare reports/last-release reports/soak-merged', 'a merged run compares like any other') as never,
  handler: (args) =>
    execute(async () => {
      const maxSkewMs = requireDurationFlag('--max-skew', args.maxSkew, 'allowed');
      // Loaded on use, so `roomgate --help` does not load the report writers and HDR code.
      const [{ readReportJson }, { writeRunReports }, { mergeRuns }] = await Promise.all([
        import('../../report/report-json.js'),
        import('../../report/write-reports.js'),
        import('../../merge/merge-runs.js'),
      ]);
      await refuseShardFolderAsOut(args.out, args.dirs);
      const runs = await Promise.all(args.dirs.map(async (dir) => ({ dir, report: await readReportJson(dir) })));
      const report = mergeRuns(runs, { maxSkewMs, outDir: args.out });
      // The merged folder is a run folder like any other: one writer at a time, no files of an earlier run left in it.
      const lock = await lockRunFolder(args.out, { runId: report.run.id, command: `roomgate merge ${args.dirs.join(' ')}` });
      const { written, errors } = await writeRunReports(args.out, report, { githubStepSummary: process.env['GITHUB_STEP_SUMMARY'] }).finally(() =>
        lock.release(),
      );
      for (const error of errors) process.stderr.write(`roomgate: could not write ${error.message}\n`);
      const exitCode = report.run.exitCode ?? 3;
      if (args.json) {
        process.stdout.write(`${JSON.stringify(renderRunSummaryJson(report, args.out), null, 2)}\n`);
        return exitCode;
      }
      const color = useColor(process.stdout);
      const skews = Object.entries(report.run.merged?.skewMs ?? {}).map(([step, ms]) => `${step} ${Math.round(ms)} ms`);
      process.stdout.write(
        `roomgate merge: ${runs.length} shards of ${report.run.name}${skews.length === 0 ? '' : `; start skew ${skews.join(', ')} (bound ${maxSkewMs} ms)`}\n`,
      );
      for (const step of report.steps) {
        process.stdout.write(`  ${paint(step.status, step.status.padEnd(11), color)} ${step.name}${step.reason === undefined ? '' : ` — ${step.reason}`}\n`);
        for (const verdict of step.slos)
          process.stdout.write(
            `      ${verdict.status.padEnd(7)} ${verdict.expression}${'observed' in verdict ? ` (observed ${Math.round(verdict.observed * 1000) / 1000}${verdict.unit === 'ms' ? 'ms' : ''})` : ''}\n`,
          );
      }
      process.stdout.write(
        `\n${paint(report.run.status, `${report.run.status.toUpperCase()}`, color)}  report: ${join(relative(process.cwd(), args.out) || args.out, 'report.html')} (${written.length} files)\n`,
      );
      return errors.length === 0 ? exitCode : Math.max(exitCode, 3);
    }),
};

/** `--out` naming one of the shards' own folders would overwrite that shard's report with the merged one. */
async function refuseShardFolderAsOut(out: string, dirs: readonly string[]): Promise<void> {
  const real = (path: string) => realpath(path).catch(() => resolve(path));
  const target = await real(out);
  for (const dir of dirs) {
    if ((await real(dir)) === target) {
      throw new UsageError(`--out ${out} is the folder of shard ${dir}: merging there would overwrite that shard's own report`, {
        hint: 'give the merged run its own folder, e.g. --out reports/merged (the default)',
      });
    }
  }
}
