import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { delayImpairment, effectiveEquipmentImpairment, estimateMos, G711_WITH_PLC, mosFromRFactor, OPUS } from '../../src/browser/quality/e-model.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/*
 * Reference points, each from a published source:
 * - ITU-T G.107 (06/2015), "The E-model: a computational model for use in transmission planning",
 *   https://www.itu.int/rec/T-REC-G.107 : Annex B, the R → MOS formula and Table B.1, the provisional
 *   guide relating R to user satisfaction (R 90/80/70/60/50 → MOS 4.34/4.03/3.60/3.10/2.58); R = 93.2
 *   with every parameter at its default value; Ie,eff for random loss (BurstR = 1).
 * - ITU-T G.113 (11/2007) Appendix I, "Provisional planning values for the equipment impairment factor Ie
 *   and packet-loss robustness factor Bpl": G.711 with the PLC of G.711 Appendix I, Ie = 0, Bpl = 25.1.
 * - R. G. Cole, J. H. Rosenbluth, "Voice over IP performance monitoring", ACM SIGCOMM Computer
 *   Communication Review 31(2), April 2001: the delay impairment fit Id = 0.024·d + 0.11·(d − 177.3)·H(d − 177.3).
 */

/** Published values are rounded to two decimals: equal within that rounding. */
function expectNear(actual: number, published: number, tolerance = 0.01): void {
  expect(Math.abs(actual - published), `${actual} vs ${published}`).toBeLessThanOrEqual(tolerance);
}

describe('E-model R → MOS (ITU-T G.107 Annex B)', () => {
  it('matches the R–MOS pairs of G.107 Table B.1', () => {
    // Table B.1: the lower bound of each user-satisfaction category and its MOS.
    for (const [r, mos] of [
      [90, 4.34],
      [80, 4.03],
      [70, 3.6],
      [60, 3.1],
      [50, 2.58],
    ] as const) {
      expectNear(mosFromRFactor(r), mos);
    }
  });

  it('gives 4.41 for the default R of 93.2, the best a narrowband call scores', () => {
    expectNear(mosFromRFactor(93.2), 4.41);
  });

  it('is 1 at and below R = 0, 4.5 at and above R = 100, and never below 1 in between', () => {
    expect(mosFromRFactor(0)).toBe(1);
    expect(mosFromRFactor(-20)).toBe(1);
    expect(mosFromRFactor(100)).toBe(4.5);
    expect(mosFromRFactor(140)).toBe(4.5);
    expectNear(mosFromRFactor(99.999), 4.5, 0.001);
    for (let r = 0.5; r < 100; r += 0.5) expect(mosFromRFactor(r)).toBeGreaterThanOrEqual(1);
  });

  it('rises with R', () => {
    for (let r = 7; r < 100; r += 1) expect(mosFromRFactor(r + 1)).toBeGreaterThan(mosFromRFactor(r));
  });
});

describe('E-model impairments', () => {
  it('charges 0.024 per ms of one-way delay, and 0.11 more per ms past 177.3 ms (Cole & Rosenbluth)', () => {
    expect(delayImpairment(0)).toBe(0);
    expectNear(delayImpairment(100), 2.4, 1e-9);
    expectNear(delayImpairment(177.3), 4.2552, 1e-9);
    expectNear(delayImpairment(300), 0.024 * 300 + 0.11 * 122.7, 1e-9);
  });

  it('charges random loss through Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl + Bpl) with G.711-with-PLC values', () => {
    expect(G711_WITH_PLC).toMatchObject({ ie: 0, bpl: 25.1 });
    expect(effectiveEquipmentImpairment(0, G711_WITH_PLC)).toBe(0);
    expectNear(effectiveEquipmentImpairment(5, G711_WITH_PLC), (95 * 5) / 30.1, 1e-9);
    // Every packet lost: 95·100/125.1.
    expectNear(effectiveEquipmentImpairment(100, G711_WITH_PLC), 75.94, 0.005);
  });
});

describe('estimateMos', () => {
  it('scores a perfect network just under the narrowband best (only the 10 ms of processing delay)', () => {
    const estimate = estimateMos({ rttMs: 0, jitterMs: 0, packetLossPercent: 0 });
    expect(estimate.effectiveDelayMs).toBe(10);
    expectNear(estimate.rFactor, 92.96, 1e-9);
    expectNear(estimate.mos, 4.4);
  });

  it('combines delay and loss as the simplified model says: 100 ms RTT, 10 ms jitter, 1 % loss', () => {
    const estimate = estimateMos({ rttMs: 100, jitterMs: 10, packetLossPercent: 1, codec: G711_WITH_PLC });
    expect(estimate.effectiveDelayMs).toBe(80); // 50 + 20 + 10
    expectNear(estimate.delayImpairment, 1.92, 1e-9);
    expectNear(estimate.equipmentImpairment, 95 / 26.1, 1e-9);
    expectNear(estimate.rFactor, 93.2 - 1.92 - 95 / 26.1, 1e-9);
    expectNear(estimate.mos, mosFromRFactor(estimate.rFactor), 1e-12);
    expect(estimate.mos).toBeGreaterThan(4.2);
    expect(estimate.mos).toBeLessThan(4.4);
  });

  it('falls as loss, jitter or RTT grows', () => {
    const base = { rttMs: 80, jitterMs: 15, packetLossPercent: 2 };
    for (let loss = 0; loss < 40; loss += 1) {
      expect(estimateMos({ ...base, packetLossPercent: loss + 1 }).mos).toBeLessThan(estimateMos({ ...base, packetLossPercent: loss }).mos);
    }
    for (let jitter = 0; jitter < 200; jitter += 5) {
      expect(estimateMos({ ...base, jitterMs: jitter + 5 }).mos).toBeLessThan(estimateMos({ ...base, jitterMs: jitter }).mos);
    }
    for (let rtt = 0; rtt < 800; rtt += 20) {
      expect(estimateMos({ ...base, rttMs: rtt + 20 }).mos).toBeLessThan(estimateMos({ ...base, rttMs: rtt }).mos);
    }
  });

  it('puts the issue’s lossy cohort (10 % loss) below a 3.5 MOS SLO and a clean one above it', () => {
    expect(estimateMos({ rttMs: 20, jitterMs: 5, packetLossPercent: 10 }).mos).toBeLessThan(3.5);
    expect(estimateMos({ rttMs: 20, jitterMs: 5, packetLossPercent: 0 }).mos).toBeGreaterThan(3.5);
  });

  it('reads negative loss or delay (RTCP duplicates, clock noise) as none, and refuses non-numbers', () => {
    expect(estimateMos({ rttMs: -1, jitterMs: 0, packetLossPercent: -3 })).toEqual(estimateMos({ rttMs: 0, jitterMs: 0, packetLossPercent: 0 }));
    expect(() => estimateMos({ rttMs: Number.NaN, jitterMs: 0, packetLossPercent: 0 })).toThrow(RangeError);
    expect(estimateMos({ rttMs: 0, jitterMs: 0, packetLossPercent: 0, codec: OPUS }).mos).toBe(
      estimateMos({ rttMs: 0, jitterMs: 0, packetLossPercent: 0 }).mos,
    );
  });
});

describe('docs/quality-metrics.md', () => {
  it('shows worked examples that the function reproduces to the digits printed', () => {
    const doc = readFileSync(join(REPO_ROOT, 'docs', 'quality-metrics.md'), 'utf8');
    const rows = [...doc.matchAll(/^\| (\d+) ms \| (\d+) ms \| (\d+) % \| (\d+) ms \| ([\d.]+) \| ([\d.]+) \|$/gm)];
    expect(rows.length).toBe(3);
    for (const [, rtt, jitter, loss, d, r, mos] of rows) {
      const estimate = estimateMos({ rttMs: Number(rtt), jitterMs: Number(jitter), packetLossPercent: Number(loss) });
      expect(estimate.effectiveDelayMs).toBe(Number(d));
      expect(estimate.rFactor.toFixed(r!.split('.')[1]!.length)).toBe(r);
      expect(estimate.mos.toFixed(2)).toBe(mos);
    }
  });
});
