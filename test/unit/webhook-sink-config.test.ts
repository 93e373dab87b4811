import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRunConfig } from '../../src/config/load-config.js';
import { ConfigError } from '../../src/errors.js';
import { buildStep } from '../../src/runner/step-catalog.js';

const dir = mkdtempSync(join(tmpdir(), 'roomgate-sink-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function scenario(yaml: string) {
  const file = join(dir, `s-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  const config = await loadRunConfig([file], { env: {} });
  return { file, steps: config.scenarios[0]!.steps };
}

describe('a webhook-sink step in a scenario', () => {
  it('builds from YAML with durations, its defaults filling what is not written', async () => {
    const { steps } = await scenario(
      [
        'name: s',
        'steps:',
        '  - type: webhook-sink',
        '    options: { steps: [soak], deliveryBudget: 8s, refuseEvery: 10 }',
        '  - type: load',
        '    name: soak',
        '    options: { mode: soak }',
        '',
      ].join('\n'),
    );
    const step = await buildStep(steps[0]!, {});
    expect(step).toMatchObject({ name: 'webhook-sink', kind: 'webhook-sink' });
    expect(typeof step.setup).toBe('function');
    expect(typeof step.teardown).toBe('function');
  });

  it('an SLO naming a metric the sink does not measure is a config error at its line', async () => {
    const { file, steps } = await scenario(
      ['name: s', 'steps:', '  - type: webhook-sink', '    slos:', '      - webhooks_missing == 0', '      - webhook_latency.p99 < 5s', ''].join('\n'),
    );
    const error = await buildStep(steps[0]!, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('unknown metric or operation "webhook_latency"');
    expect((error as ConfigError).file).toBe(file);
    expect((error as ConfigError).line).toBe(6);
  });

  it('an SLO per event operation parses; an operation the sink does not know does not', async () => {
    const ok = await scenario(
      ['name: s', 'steps:', '  - type: webhook-sink', '    slos: [room_closed.webhook_delivery.p99 < 5s, room_created.webhooks_missing == 0]', ''].join('\n'),
    );
    await expect(buildStep(ok.steps[0]!, {})).resolves.toMatchObject({ kind: 'webhook-sink' });
    const bad = await scenario(['name: s', 'steps:', '  - type: webhook-sink', '    slos: [create_room.webhook_delivery.p99 < 5s]', ''].join('\n'));
    await expect(buildStep(bad.steps[0]!, {})).rejects.toThrow(/unknown operation "create_room"/);
  });

  it('an unknown option is refused by the scenario schema, with the file', async () => {
    const error = await scenario(['name: s', 'steps:', '  - type: webhook-sink', '    options: { budget: 5s }', ''].join('\n')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/budget/);
  });

  it('naming itself in `steps` is a config error that says what to name instead', async () => {
    const { steps } = await scenario(['name: s', 'steps:', '  - type: webhook-sink', '    name: sink', '    options: { steps: [sink] }', ''].join('\n'));
    const error = await buildStep(steps[0]!, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('steps names the sink itself (sink)');
    expect((error as ConfigError).hint).toContain('[soak]');
  });
});
