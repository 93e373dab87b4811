import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHouseRules, formatViolations, type HouseRuleViolation, type PageAsset } from '../helpers/house-rules.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Code served to a browser page: it runs there, not in Node, and its console is the page's (participants record it as evidence). */
const PAGE_ASSETS: readonly PageAsset[] = [
  { path: 'browser/probe/probe.js', why: 'injected into the join page by puppeteer to read getStats' },
  { path: 'reference/join/client/', why: "the reference join page's own script, served to the participant's browser" },
  { path: 'report/html/report-app.js', why: 'inlined into report.html and run by whoever opens the report' },
];

let srcViolations: HouseRuleViolation[] | undefined;

/** Parsing src/ takes a few seconds: once for all three rules. */
function violationsOf(rule: HouseRuleViolation['rule']): string {
  srcViolations ??= checkHouseRules(SRC, { pageAssets: PAGE_ASSETS });
  return formatViolations(srcViolations.filter((v) => v.rule === rule));
}

describe('house rules over src/', () => {
  it('only src/cli prints to the terminal, reads argv or exits the process', () => {
    expect(violationsOf('prints-or-exits')).toBe('');
  });

  it('src/model imports types only', () => {
    expect(violationsOf('model-imports-values')).toBe('');
  });

  it('no import cycle runs between the top-level folders of src', () => {
    expect(violationsOf('folder-cycle')).toBe('');
  });

  it('every page asset exempted from the print rule still exists', () => {
    expect(PAGE_ASSETS.filter((asset) => !existsSync(join(SRC, asset.path))).map((asset) => asset.path)).toEqual([]);
  });
});

describe('the house-rules checker', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root !== undefined) rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  function tree(files: Record<string, string>): string {
    root = mkdtempSync(join(tmpdir(), 'roomgate-house-rules-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    return root;
  }

  it('reports a planted cycle between two folders, a console.log (and argv, exit) outside cli and a value import into model', () => {
    const src = tree({
      'load/step.ts': "import { merge } from '../shard/merge.js';\nexport const step = () => merge();\n",
      'shard/merge.ts': "import type { Step } from '../load/types.js';\nexport const merge = (s?: Step) => s;\n",
      'load/types.ts': 'export interface Step { name: string }\n',
      'metrics/registry.ts': "export function record(): void {\n  console.log('recorded');\n}\n",
      'target/client.ts': 'export function bail(): never {\n  process.exit(3);\n}\n',
      'config/args.ts': 'export const args = process.argv.slice(2);\nexport const warn = console.warn.bind(console);\n',
      'model/result.ts': "import { record } from '../metrics/registry.js';\nexport type R = ReturnType<typeof record>;\n",
    });
    const violations = checkHouseRules(src).map((v) => `${v.rule} ${v.file}:${v.line}`);
    expect(violations).toEqual([
      'prints-or-exits config/args.ts:1',
      'prints-or-exits config/args.ts:2',
      'prints-or-exits metrics/registry.ts:2',
      'prints-or-exits target/client.ts:2',
      'model-imports-values model/result.ts:1',
      'folder-cycle load/step.ts:1',
      'folder-cycle shard/merge.ts:1',
    ]);
    expect(formatViolations(checkHouseRules(src))).toContain('closes the cycle load ↔ shard');
  });

  it('passes a tree that keeps the rules: prints in cli, page assets, `console` as a property or in text, type-only imports into model', () => {
    const src = tree({
      'cli/main.ts': "import { step } from '../load/step.js';\nconsole.log(step());\nprocess.exit(0);\n",
      'load/step.ts': [
        "import type { R } from '../model/result.js';",
        '// console.log is for cli/ only',
        "export const step = (): R => ({ console: ['console.log(1)'] }).console.length;",
      ].join('\n'),
      'model/result.ts': [
        "import type { Registry } from '../metrics/registry.js';",
        "import { type Other } from '../metrics/registry.js';",
        'export type R = number | Registry | Other;',
      ].join('\n'),
      'metrics/registry.ts': 'export interface Registry { n: number }\nexport interface Other { m: number }\n',
      'browser/page/probe.js': "console.warn('runs in the page');\n",
    });
    expect(formatViolations(checkHouseRules(src, { pageAssets: [{ path: 'browser/page/', why: 'runs in a page' }] }))).toBe('');
  });
});
