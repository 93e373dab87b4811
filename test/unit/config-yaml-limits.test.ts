import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load-config.js';
import { DEFAULT_YAML_LIMITS } from '../../src/config/yaml-limits.js';
import { parseYamlSource, readYamlSource, yamlData } from '../../src/config/yaml-source.js';
import { ConfigError, ConfigErrors } from '../../src/errors.js';

/** The ConfigError `run` throws (fails the test when it throws something else or nothing). */
function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError, got none');
}

/** The classic "billion laughs": nine levels of ten aliases each, 10^9 strings once expanded. */
function billionLaughs(): string {
  const lines = ['name: bomb', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < 10; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(',')}]`);
  lines.push('steps:', '  - type: contract', '    options: { x: *a9 }');
  return `${lines.join('\n')}\n`;
}

function manyKeys(count: number): string {
  return `name: many\nsteps:\n  - type: contract\n    options:\n${Array.from({ length: count }, (_, i) => `      k${i}: ${i}`).join('\n')}\n`;
}

describe('YAML limits of scenario and suite files', () => {
  it('refuses an alias bomb at the alias that crosses the budget, before building it', () => {
    const error = configError(() => parseYamlSource('bomb.yaml', billionLaughs()));
    expect(error.message).toMatch(/^aliases expand this file to more than 100000 values/);
    expect(error.file).toBe('bomb.yaml');
    expect(error.line).toBe(6); // a4: its ten aliases of a3 (11,111 values each) cross 100,000
    expect(error.hint).toMatch(/anchors .* may repeat a value, not multiply it/);
  });

  it('still reads ordinary anchors, even one used more often than yaml’s own guard allows', () => {
    const uses = Array.from({ length: 150 }, (_, i) => `  - { type: contract, name: c${i}, slos: *slos }`).join('\n');
    const source = parseYamlSource('anchors.yaml', `name: anchors\nshared: &slos\n  - create_room.p99 < 1s\n  - get_room.p99 < 1s\nsteps:\n${uses}\n`);
    const data = yamlData(source) as { steps: { slos: string[] }[] };
    expect(data.steps).toHaveLength(150);
    expect(data.steps[149]!.slos).toEqual(['create_room.p99 < 1s', 'get_room.p99 < 1s']);
  });

  it('refuses an alias to the value that contains it, and one to an anchor set later', () => {
    expect(configError(() => parseYamlSource('cycle.yaml', 'name: c\nsteps: &s\n  - *s\n')).message).toMatch(/refers to the value that contains it/);
    const later = configError(() => parseYamlSource('later.yaml', 'name: c\nsteps: *s\nother: &s [1]\n'));
    expect(later.message).toMatch(/refers to no anchor &s set before it/);
    expect(later.line).toBe(2);
  });

  it('refuses a list longer than the value limit as too many values, not as an alias bomb', () => {
    const error = configError(() => parseYamlSource('long.yaml', `name: long\nsteps: [${Array.from({ length: 120_000 }, () => '1').join(',')}]\n`));
    expect(error.message).toBe('has more than 100000 values (keys, list items and scalars); roomgate reads at most 100000 in one file');
    expect(error.line).toBe(2);
  });

  it('refuses a file with more keys than the limit, at the key that crosses it', () => {
    const error = configError(() => parseYamlSource('many.yaml', manyKeys(40_000)));
    expect(error.message).toBe(`has more than ${DEFAULT_YAML_LIMITS.maxKeys} keys; roomgate reads at most ${DEFAULT_YAML_LIMITS.maxKeys} in one file`);
    // name, steps, type and options are keys 1–4; k0 is key 5 on line 5, so key 10,001 is on line 10,001.
    expect(error.line).toBe(10_001);
  });

  it('reads a 40,000-key map when the limit allows it, and still finds its duplicate key (checked per map with a Set, not pairwise)', () => {
    const limits = { ...DEFAULT_YAML_LIMITS, maxBytes: 8 * 1024 * 1024, maxKeys: 100_000 };
    const source = parseYamlSource('many.yaml', manyKeys(40_000), limits);
    expect(Object.keys((yamlData(source) as { steps: { options: object }[] }).steps[0]!.options)).toHaveLength(40_000);
    const duplicate = configError(() => parseYamlSource('dup.yaml', `${manyKeys(40_000)}      k17: again\n`, limits));
    expect(duplicate.message).toBe('YAML syntax error: duplicate key "k17" (first at line 22)');
    expect(duplicate.line).toBe(40_005);
  });

  it('keeps a duplicate key an error, in block and flow mappings', () => {
    const block = configError(() => parseYamlSource('dup.yaml', 'name: a\nsteps:\n  - type: contract\nname: b\n'));
    expect([block.message, block.line]).toEqual(['YAML syntax error: duplicate key "name" (first at line 1)', 4]);
    const flow = configError(() => parseYamlSource('dup.yaml', 'name: a\nsteps:\n  - { type: contract, type: load }\n'));
    expect([flow.message, flow.line]).toEqual(['YAML syntax error: duplicate key "type" (first at line 3)', 3]);
    // 1 and "1" are different keys, as YAML (and yaml's own check) has it.
    expect(() => parseYamlSource('ok.yaml', 'name: a\nsteps: []\nx: { 1: a, "1": b }\n')).not.toThrow();
  });

  it('refuses text over the size limit with the line where the limit falls', () => {
    const error = configError(() => parseYamlSource('big.yaml', `name: big\n# ${'x'.repeat(100)}\n`.repeat(3), { ...DEFAULT_YAML_LIMITS, maxBytes: 150 }));
    expect(error.message).toBe('is larger than 150 bytes; roomgate reads scenario and suite files up to that size');
    expect(error.line).toBe(4); // lines of 10 and 103 bytes: byte 150 is on line 4
  });

  it('reads a file only up to the size limit (a huge file or an endless device is refused, not loaded)', async () => {
    await expect(readYamlSource('/dev/zero')).rejects.toThrow('is larger than 1 MiB');
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-limits-'));
    const file = join(dir, 'huge.yaml');
    await writeFile(file, `name: huge\n${'# padding\n'.repeat(200_000)}`);
    const error = await readYamlSource(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).located).toMatch(/huge\.yaml:\d+: is larger than 1 MiB/);
  });

  it('says "nested too deeply" for a document deeper than the parser can go', () => {
    const error = configError(() => parseYamlSource('deep.yaml', `name: deep\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`));
    expect(error.message).toBe('YAML nested too deeply to read');
    expect(error.line).toBe(2);
  });
});

describe('loading a run whose files break the limits', () => {
  async function files(entries: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'roomgate-config-'));
    for (const [name, text] of Object.entries(entries)) await writeFile(join(dir, name), text);
    return dir;
  }

  it('reports an alias bomb in a scenario of a suite as a config error with its file and line', async () => {
    const dir = await files({ 'suite.yaml': 'name: s\nscenarios:\n  - bomb.yaml\n', 'bomb.yaml': billionLaughs() });
    const error = await loadRunConfig([join(dir, 'suite.yaml')], { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).located).toMatch(/bomb\.yaml:6: aliases expand this file/);
  });

  it('checks names against the length the run folder can hold, at their line', async () => {
    const long = 'n'.repeat(300);
    const dir = await files({ 'suite.yaml': `name: ${long}\nscenarios:\n  - s.yaml\n`, 's.yaml': `name: s\nsteps:\n  - type: contract\n    name: ${long}\n` });
    const error = await loadRunConfig([join(dir, 'suite.yaml'), join(dir, 's.yaml')], { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigErrors);
    const located = (error as ConfigErrors).errors.map((e) => e.located);
    expect(located).toEqual([
      expect.stringMatching(/suite\.yaml:1: name is 300 characters long; at most 64 are allowed$/),
      expect.stringMatching(/s\.yaml:4: steps\[0\]\.name is 300 characters long; at most 64 are allowed$/),
    ]);
    expect((error as ConfigErrors).errors[0]!.hint).toMatch(/names become folder names under reports\//);
  });

  it('says a suite listed in a suite is a suite (once, at the line that lists it), not "unknown key scenarios"', async () => {
    const dir = await files({
      'outer.yaml': 'name: outer\nscenarios:\n  - ok.yaml\n  - inner.yaml\n  - inner.yaml\n',
      'inner.yaml': 'name: inner\nscenarios:\n  - ok.yaml\n',
      'ok.yaml': 'name: ok\nsteps:\n  - type: contract\n',
    });
    const error = await loadRunConfig([join(dir, 'outer.yaml')], { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigErrors);
    const errors = (error as ConfigErrors).errors;
    expect(errors.map((e) => `${e.line} ${e.path} ${e.message}`)).toEqual([
      '4 scenarios[1] "inner.yaml" is a suite, not a scenario: suites do not nest',
      '5 scenarios[2] "inner.yaml" is a suite, not a scenario: suites do not nest',
    ]);
    expect(errors.some((e) => e.message.includes('unknown key'))).toBe(false);
    expect(errors[0]!.hint).toMatch(/list the scenario files of .*inner\.yaml here instead/);
  });

  it('reports an error of a scenario listed twice once', async () => {
    const dir = await files({
      'suite.yaml': 'name: s\nscenarios:\n  - bad.yaml\n  - bad.yaml\n',
      'bad.yaml': 'name: bad\nsteps:\n  - type: contract\n    optoins: {}\n',
    });
    const error = await loadRunConfig([join(dir, 'suite.yaml')], { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).not.toBeInstanceOf(ConfigErrors);
    expect((error as ConfigError).message).toBe('unknown key "optoins"; did you mean "options"?');
  });

  it('lists the first 20 schema errors of a file and sums up the rest', async () => {
    const dir = await files({ 's.yaml': manyKeys(5000).replace('type: contract', 'type: load') });
    const error = await loadRunConfig([join(dir, 's.yaml')], { env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigErrors);
    const errors = (error as ConfigErrors).errors;
    expect(errors).toHaveLength(21);
    expect(errors[0]!.message).toMatch(/^unknown key "k0"/);
    expect(errors[20]!.message).toBe('… and 4980 more schema errors (the first 20 are listed)');
  });
});
