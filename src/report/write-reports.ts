import { renameSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './html/render-html.js';
import { renderJunit } from './junit.js';
import type { Redactor } from './redact.js';
import { REPORT_FILE, writeFileAtomic, writeReportJson, type RunReport } from './report-json.js';
import { renderSummaryMarkdown } from './summary-md.js';

export const REPORT_FILES = { json: 'report.json', junit: 'junit.xml', markdown: 'summary.md', html: 'report.html', events: 'events.ndjson' } as const;

/**
 * Write every report of a run folder from one RunReport. report.json goes
 * first (it is what `roomgate report` re-renders the others from); each file
 * is written atomically. Returns the paths written; a renderer that throws
 * does not stop the others (its error is returned for the CLI to print).
 */
export async function writeRunReports(
  runDir: string,
  report: RunReport,
  options: {
    redactor?: Redactor;
    githubStepSummary?: string | undefined;
    /** Also write the JUnit XML here (`--junit FILE`, a path a CI system expects), besides the run folder's junit.xml. */
    junitPath?: string | undefined;
  } = {},
): Promise<{ written: string[]; errors: Error[] }> {
  const safe = options.redactor === undefined ? report : options.redactor.value(report);
  const written: string[] = [];
  const errors: Error[] = [];
  const attempt = async (name: string, render: () => Promise<string | undefined>) => {
    try {
      const path = await render();
      if (path !== undefined) written.push(path);
    } catch (error) {
      errors.push(new Error(`${name}: ${(error as Error).message}`, { cause: error }));
    }
  };
  await attempt(REPORT_FILES.json, () => writeReportJson(runDir, safe));
  const junit = renderJunit(safe.steps, { name: safe.run.name, timestamp: safe.run.startedAt, hostname: safe.run.host.hostname });
  await attempt(REPORT_FILES.junit, async () => {
    const path = join(runDir, REPORT_FILES.junit);
    await writeFileAtomic(path, junit);
    return path;
  });
  if (options.junitPath !== undefined) {
    await attempt(options.junitPath, async () => {
      await writeFileAtomic(options.junitPath!, junit);
      // Outside the run folder: not one of its files.
      return undefined;
    });
  }
  const markdown = renderSummaryMarkdown(safe);
  await attempt(REPORT_FILES.markdown, async () => {
    const path = join(runDir, REPORT_FILES.markdown);
    await writeFileAtomic(path, markdown);
    return path;
  });
  await attempt(REPORT_FILES.html, async () => {
    const path = join(runDir, REPORT_FILES.html);
    await writeFileAtomic(path, renderHtml(safe));
    return path;
  });
  if (options.githubStepSummary !== undefined && options.githubStepSummary !== '') {
    await attempt('$GITHUB_STEP_SUMMARY', async () => {
      await appendFile(options.githubStepSummary!, `${markdown}\n`);
      return undefined;
    });
  }
  return { written, errors };
}

/**
 * The run folder's four rendered reports, written synchronously (each
 * atomically): for the moments that cannot wait for the event loop, a signal
 * that arrives after the verdict was written or just before the process
 * exits, when the folder must say "interrupted" before anything else runs.
 * Errors are returned, never thrown.
 */
export function writeRunReportsSync(runDir: string, report: RunReport, redactor?: Redactor): Error[] {
  const safe = redactor === undefined ? report : redactor.value(report);
  const errors: Error[] = [];
  const files: [string, () => string][] = [
    [REPORT_FILE, () => `${JSON.stringify(safe, null, 2)}\n`],
    [REPORT_FILES.junit, () => renderJunit(safe.steps, { name: safe.run.name, timestamp: safe.run.startedAt, hostname: safe.run.host.hostname })],
    [REPORT_FILES.markdown, () => renderSummaryMarkdown(safe)],
    [REPORT_FILES.html, () => renderHtml(safe)],
  ];
  for (const [name, render] of files) {
    const path = join(runDir, name);
    const tmp = `${path}.tmp-${process.pid}-sync`;
    try {
      writeFileSync(tmp, render(), 'utf8');
      renameSync(tmp, path);
    } catch (error) {
      errors.push(new Error(`${name}: ${(error as Error).message}`, { cause: error }));
    }
  }
  return errors;
}
