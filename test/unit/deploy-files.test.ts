import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { Copy, DockerfileParser } from 'dockerfile-ast';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_CHROMIUM } from '../../src/browser/launch/find-chromium.js';
import { resolveShard } from '../../src/shard/shard-spec.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';

/**
 * The files users apply to run roomgate beyond one machine, checked offline:
 * the Kubernetes manifests against the Kubernetes API schema
 * (kubernetes-models' validators), the Containerfile's instructions, and the
 * GitHub Actions example with GitHub's own workflow parser. Each check is also
 * shown to reject a broken copy, so it can fail.
 */
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');
type Manifest = Record<string, unknown>;

function shardJob(): Job {
  return new Job(parse(read('deploy/kubernetes/shards-job.yaml')) as Manifest);
}

describe('deploy/kubernetes', () => {
  it('every manifest is a valid Kubernetes object (and a broken one is not)', () => {
    expect(() => shardJob().validate()).not.toThrow();
    expect(() => new Job(parse(read('deploy/kubernetes/merge-job.yaml')) as Manifest).validate()).not.toThrow();
    expect(() => new PersistentVolumeClaim(parse(read('deploy/kubernetes/results-pvc.yaml')) as Manifest).validate()).not.toThrow();
    const broken = parse(read('deploy/kubernetes/shards-job.yaml')) as { spec: Record<string, unknown> };
    broken.spec['completionMode'] = 'Sharded';
    expect(() => new Job(broken as unknown as Manifest).validate()).toThrow();
    const noImage = parse(read('deploy/kubernetes/shards-job.yaml')) as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } };
    delete noImage.spec.template.spec.containers[0]!['name'];
    expect(() => new Job(noImage as unknown as Manifest).validate()).toThrow();
  });

  it('the shards Job is Indexed with completions = parallelism = ROOMGATE_SHARD_COUNT, each pod a distinct shard', () => {
    const job = shardJob();
    const spec = job.spec!;
    const container = spec.template.spec!.containers[0]!;
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
    const count = Number(env['ROOMGATE_SHARD_COUNT']);
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.completions).toBe(count);
    expect(spec.parallelism).toBe(count);
    expect(spec.template.spec!.restartPolicy).toBe('Never');
    // What roomgate makes of each pod's environment: shards 1..n, once each.
    const shards = Array.from({ length: count }, (_, i) => resolveShard(undefined, { ...env, JOB_COMPLETION_INDEX: String(i) }));
    expect(shards).toEqual(Array.from({ length: count }, (_, i) => ({ index: i + 1, count })));
    // Each shard writes its own folder on the shared volume, the one the merge Job reads.
    const args = container.args ?? [];
    expect(args[args.indexOf('--out') + 1]).toBe('/results/$(RUN_ID)/shard-$(JOB_COMPLETION_INDEX)');
    expect(args).toContain('--start-at');
    const merge = new Job(parse(read('deploy/kubernetes/merge-job.yaml')) as Manifest);
    expect(merge.spec!.template.spec!.containers[0]!.command!.join(' ')).toContain('merge /results/$RUN_ID/shard-* --out /results/$RUN_ID/merged');
    const claim = (j: Job) => j.spec!.template.spec!.volumes!.find((v) => v.persistentVolumeClaim !== undefined)!.persistentVolumeClaim!.claimName;
    expect(claim(merge)).toBe(claim(job));
  });

  it('every ROOMGATE_* variable the manifests set is a roomgate run flag (yargs reads them; an unknown one is exit 2)', async () => {
    const names = [...read('deploy/kubernetes/shards-job.yaml').matchAll(/name: (ROOMGATE_[A-Z_]+)/g)].map((m) => m[1]!);
    expect(names.length).toBeGreaterThan(3);
    const help = await runCli(['run', '--help']);
    for (const name of names) expect(help.stdout).toContain(`--${name.slice('ROOMGATE_'.length).toLowerCase().replace(/_/g, '-')}`);
  });
});

describe('deploy/Containerfile', () => {
  const instructions = DockerfileParser.parse(read('deploy/Containerfile')).getInstructions();
  // COPY with its flags (`--from=build ...`), the others as written.
  const text = (i: (typeof instructions)[number]) => {
    const flags = i instanceof Copy ? i.getFlags().map((f) => f.toString()) : [];
    return [...flags, i.getArgumentsContent() ?? ''].join(' ');
  };
  const all = (keyword: string) => instructions.filter((i) => i.getKeyword() === keyword).map(text);
  const runtime = instructions.slice(instructions.map((i) => i.getKeyword()).lastIndexOf('FROM'));
  const inRuntime = (keyword: string) => runtime.filter((i) => i.getKeyword() === keyword).map(text);

  it('builds the npm package, then runs it on Node 20 / Debian with Debian’s Chromium where roomgate looks for it', () => {
    expect(all('FROM')).toEqual([expect.stringMatching(/node:20-bookworm-slim AS build$/), expect.stringMatching(/node:20-bookworm-slim$/)]);
    expect(all('RUN').some((r) => /npm run build && npm pack/.test(r))).toBe(true);
    expect(inRuntime('RUN').some((r) => /apt-get install[^&]*\bchromium\b/.test(r))).toBe(true);
    expect(inRuntime('ENV')).toContain(`PUPPETEER_EXECUTABLE_PATH=${DEFAULT_CHROMIUM}`);
    expect(inRuntime('RUN').some((r) => /npm ci --omit=dev --ignore-scripts/.test(r))).toBe(true);
    // The runtime runs the package (dist/ through bin/), never the TypeScript sources.
    expect(inRuntime('COPY')).toContain('--from=build /package ./');
    expect(inRuntime('COPY').some((c) => /\bsrc\b/.test(c))).toBe(false);
    expect(all('ENTRYPOINT').join(' ')).toContain('bin/roomgate.js');
  });

  it('copies what the build needs from the checkout, and only paths that exist', () => {
    const copied = all('COPY')
      .filter((c) => !c.startsWith('--from='))
      .map((c) => c.split(/\s+/).slice(0, -1))
      .flat();
    for (const path of copied) expect(existsSync(join(REPO_ROOT, path)), path).toBe(true);
    const pkg = JSON.parse(read('package.json')) as { files: string[] };
    // Everything the package ships (but dist/, which the build makes) comes from the checkout.
    for (const shipped of pkg.files.map((f) => f.replace(/\/$/, '')).filter((f) => f !== 'dist')) expect(copied).toContain(shipped);
    for (const needed of ['package-lock.json', 'src', 'scripts', 'tsconfig.json', 'tsconfig.build.json']) expect(copied).toContain(needed);
  });
});

describe('.github/workflows/distributed-soak.yml', () => {
  const parseFile = (content: string) => {
    const result = parseWorkflow({ name: 'distributed-soak.yml', content }, new NoOperationTraceWriter());
    return result;
  };

  it('parses without errors with GitHub’s workflow parser: a shard matrix and a merge job that downloads the artifacts', async () => {
    const content = read('.github/workflows/distributed-soak.yml');
    const result = parseFile(content);
    expect(result.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = await convertWorkflowTemplate(result.context, result.value!);
    expect(template.errors ?? []).toEqual([]);
    const workflow = parse(content) as {
      on: Record<string, unknown>;
      jobs: Record<
        string,
        {
          needs?: string | string[];
          if?: string;
          strategy?: { matrix: { shard: number[] } };
          steps: { uses?: string; run?: string; with?: Record<string, string> }[];
        }
      >;
    };
    // Manual only: it drives real load.
    expect(Object.keys(workflow.on)).toEqual(['workflow_dispatch']);
    const shards = workflow.jobs['shard']!.strategy!.matrix.shard;
    const run = workflow.jobs['shard']!.steps.find((s) => s.run?.includes('roomgate run'))!.run!;
    expect(run).toContain(`--shard \${{ matrix.shard }}/${shards.length}`);
    expect(shards).toEqual(Array.from({ length: shards.length }, (_, i) => i + 1));
    const merge = workflow.jobs['merge']!;
    expect(merge.needs).toBe('shard');
    expect(merge.if).toBe('always()');
    expect(merge.steps.some((s) => s.uses?.startsWith('actions/download-artifact') === true)).toBe(true);
    expect(merge.steps.some((s) => s.run?.includes('roomgate merge') === true)).toBe(true);
  });

  it('and the parser does reject a broken workflow', () => {
    const broken = parseFile(read('.github/workflows/distributed-soak.yml').replace('runs-on: ubuntu-latest', 'runs-on: [ubuntu-latest\n'));
    expect(broken.context.errors.getErrors().length).toBeGreaterThan(0);
  });
});
