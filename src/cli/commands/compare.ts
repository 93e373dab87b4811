import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

interface CompareArgs {
  base: string;
  current: string;
  tolerance: string;
  json: boolean;
}

export const compareCommand: CommandModule<object, CompareArgs> = {
  command: 'compare <base> <current>',
  describe:
    'per-operation deltas (p50, p99, error rate, join time) between two runs; exit 1 on a regression beyond --tolerance, or when the new run is invalid, partial, or lacks a step or operation the base has; exit 2 for runs of different suites',
  builder: (y) =>
    y
      .positional('base', { type: 'string', demandOption: true, describe: 'baseline run folder (or its report.json)' })
      .positional('current', { type: 'string', demandOption: true, describe: 'new run folder (or its report.json)' })
      .option('tolerance', { type: 'string', default: '10%', describe: 'allowed relative worsening, e.g. 10% or 0.1' })
      .option('json', { type: 'boolean', default: false, describe: 'print the deltas as JSON' }) as never,
  handler: (args) =>
    execute(async () => {
      const tolerance = parseTolerance(args.tolerance);
      // Loaded on use, so `roomgate --help` stays fast.
      const [{ compareReports }, { compareProblems, exitCodeForProblems }, { readReportJson }] = await Promise.all([
        import('../../report/compare.js'),
        import('../../report/compare-problems.js'),
        import('../../report/report-json.js'),
      ]);
      const [base, current] = await Promise.all([readReportJson(args.base), readReportJson(args.current)]);
      const problems = compareProblems(base, current);
      // Runs of different suites share step names by accident at best: no table, only the reason.
      const deltas = problems.some((p) => p.kind === 'other-suite') ? [] : compareReports(base, current, tolerance);
      const regressions = deltas.filter((d) => d.regression);
      const exitCode = Math.max(exitCodeForProblems(problems), regressions.length === 0 ? 0 : 1);
      if (args.json) {
        process.stdout.write(`${JSON.stringify({ tolerance, exitCode, regressions: regressions.length, problems, deltas }, null, 2)}\n`);
        return exitCode;
      }
      if (deltas.length === 0 && problems.length === 0) {
        process.stdout.write('roomgate compare: no operation figures in common (compare runs of the same suite with load or browser steps)\n');
      } else if (deltas.length > 0) {
        process.stdout.write(`step / operation                 metric       base      new    change  source\n`);
        for (const d of deltas) {
          const change = Number.isFinite(d.change) ? `${d.change >= 0 ? '+' : ''}${(d.change * 100).toFixed(1)}%` : 'new';
          const fmt = (v: number) => (d.metric === 'error_rate' ? `${(v * 100).toFixed(2)}%` : `${v.toFixed(1)}ms`);
          process.stdout.write(
            `${`${d.step} / ${d.operation}`.padEnd(32)} ${d.metric.padEnd(10)} ${fmt(d.base).padStart(8)} ${fmt(d.current).padStart(8)} ${change.padStart(8)}  ${d.source.padEnd(9)}${d.regression ? '  REGRESSION' : ''}\n`,
          );
        }
        if (deltas.some((d) => d.source === 'windows'))
          process.stdout.write(
            '\n(source "windows": no histograms in one of the runs, so p50/p99 are count-weighted means of window percentiles, an approximation)\n',
          );
        process.stdout.write(
          `\n${regressions.length === 0 ? 'no regression' : `${regressions.length} regression(s)`} beyond ${(tolerance * 100).toFixed(1)}%\n`,
        );
      }
      if (problems.length > 0) {
        const what = exitCodeForProblems(problems) === 2 ? 'these runs cannot be compared' : 'NEW cannot pass against BASE';
        process.stdout.write(`\nroomgate compare: ${what}:\n${problems.map((p) => `  ✗ ${p.message}\n`).join('')}`);
      }
      return exitCode;
    }),
};

function parseTolerance(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(%)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`--tolerance "${text}" is not a number or percentage`, { hint: 'e.g. --tolerance 10% or --tolerance 0.1' });
  return match[2] === '%' ? Number(match[1]) / 100 : Number(match[1]);
}
