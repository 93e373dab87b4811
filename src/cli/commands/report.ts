import type { CommandModule } from 'yargs';
import { join } from 'node:path';
import { execute } from '../fail.js';

export const reportCommand: CommandModule<object, { runDir: string }> = {
  command: 'report <run-dir>',
  describe: 're-render report.html, junit.xml and summary.md of a run folder from its report.json',
  builder: (y) => y.positional('run-dir', { type: 'string', demandOption: true, describe: 'a run folder written by roomgate run' }) as never,
  handler: (args) =>
    execute(async () => {
      // Loaded on use, so `roomgate --help` does not load the reporters (and hdr-histogram-js).
      const [{ readReportJson }, { writeRunReports }] = await Promise.all([import('../../report/report-json.js'), import('../../report/write-reports.js')]);
      const report = await readReportJson(args.runDir);
      const { written, errors } = await writeRunReports(args.runDir, report);
      for (const error of errors) process.stderr.write(`roomgate: could not write ${error.message}\n`);
      process.stdout.write(`roomgate: re-rendered ${written.length} files; open ${join(args.runDir, 'report.html')}\n`);
      return errors.length === 0 ? 0 : 3;
    }),
};
