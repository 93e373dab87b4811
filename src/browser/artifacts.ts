import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Artifact } from '../model/result.js';
import type { Participant } from './participant/participant.js';

/** Screenshot, console log and last stats of a failed participant, under `<runDir>/<stepName>/<participant>/`. */
export async function writeFailureArtifacts(participant: Participant, runDir: string, stepName: string, label: string): Promise<Artifact[]> {
  const { record } = participant;
  const dir = join(runDir, safe(stepName), safe(record.plan.name));
  await mkdir(dir, { recursive: true });
  const artifacts: Artifact[] = [];
  const screenshot = join(dir, 'screenshot.png');
  if (await participant.screenshot(screenshot)) {
    artifacts.push({ kind: 'screenshot', path: relative(runDir, screenshot), description: `${record.plan.name} (${label}): the page when it was judged` });
  }
  const log = join(dir, 'console.log');
  await writeFile(log, record.console.join('\n') + '\n');
  artifacts.push({ kind: 'console-log', path: relative(runDir, log), description: `${record.plan.name} (${label}): console, page errors and failed requests` });
  const stats = join(dir, 'stats.json');
  await writeFile(
    stats,
    JSON.stringify({ snapshot: record.snapshot ?? null, lastSample: record.samples.at(-1) ?? null, navigation: record.navigation }, null, 2),
  );
  artifacts.push({ kind: 'stats', path: relative(runDir, stats), description: `${record.plan.name} (${label}): probe snapshot and last getStats sample` });
  return artifacts;
}

function safe(name: string): string {
  return name.replace(/[^\w.-]+/g, '_');
}
