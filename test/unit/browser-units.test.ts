import { describe, expect, it } from 'vitest';
import { validateAdapter } from '../../src/browser/adapters/declarative.js';
import { arrivalOffsets, parseArrival } from '../../src/browser/arrival.js';
import { findChromium } from '../../src/browser/launch/find-chromium.js';
import { chromiumFlags } from '../../src/browser/launch/chromium-flags.js';
import { longestDecodeStall } from '../../src/browser/participant/classify.js';
import { wilsonInterval } from '../../src/browser/wilson.js';
import { ConfigError, UsageError } from '../../src/errors.js';

describe('browser units', () => {
  it('Wilson interval matches the textbook values and stays inside [0, 1]', () => {
    const all = wilsonInterval(6, 6);
    expect(all.low).toBeCloseTo(0.6097, 3);
    expect(all.high).toBe(1);
    const half = wilsonInterval(50, 100);
    expect(half.low).toBeCloseTo(0.4038, 3);
    expect(half.high).toBeCloseTo(0.5962, 3);
    expect(wilsonInterval(0, 0).rate).toBeNaN();
  });

  it('a missing Chromium is a usage error that says how to install one', () => {
    let error: unknown;
    try {
      findChromium(undefined, { PUPPETEER_EXECUTABLE_PATH: '/nonexistent/chrome' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as UsageError).hint).toMatch(/apt-get install chromium.*PUPPETEER_EXECUTABLE_PATH/);
  });

  it('adds --no-sandbox only as root, and the fake-capture file when given', () => {
    expect(chromiumFlags({ runningAsRoot: false })).not.toContain('--no-sandbox');
    expect(chromiumFlags({ runningAsRoot: true, fakeVideoFile: '/x.y4m' })).toEqual(
      expect.arrayContaining(['--no-sandbox', '--use-file-for-fake-video-capture=/x.y4m', '--use-fake-device-for-media-stream']),
    );
  });

  it('parses arrivals and spaces a ramp evenly', () => {
    expect(arrivalOffsets(3, parseArrival('ramp:2/s'))).toEqual([0, 500, 1000]);
    expect(arrivalOffsets(2, parseArrival('burst'))).toEqual([0, 0]);
    expect(() => parseArrival('ramp:fast')).toThrow(UsageError);
  });

  it('rejects adapters with a path to the mistake', () => {
    expect(() => validateAdapter({ joined: { selector: 'a', expression: 'b' } })).toThrow(ConfigError);
    expect(() => validateAdapter({ joined: { selector: '#in' }, refused: [{ selector: '.x', label: 'nope' }] })).toThrow(/refused\[0\]\.label|unknown label/);
    expect(validateAdapter({ joined: { selector: '#in' }, steps: [{ click: '#go' }] })).toEqual({ joined: { selector: '#in' }, steps: [{ click: '#go' }] });
  });

  it('finds a decode stall only when frames stop increasing', () => {
    const sample = (at: number, frames: number) => ({
      at,
      remoteFramesRendered: 0,
      videos: [],
      pcs: [
        {
          id: 0,
          connectionState: 'connected' as const,
          rttMs: 1,
          candidateType: 'host',
          outbound: [],
          inbound: [
            {
              id: 'v',
              kind: 'video' as const,
              bytesReceived: 0,
              concealedSamples: null,
              totalSamplesReceived: null,
              framesDecoded: frames,
              packetsReceived: 1,
              packetsLost: 0,
              jitterMs: 0,
              framesDropped: 0,
              framesPerSecond: 15,
              freezeCount: 0,
              totalFreezesDurationMs: 0,
              frameWidth: 320,
              frameHeight: 180,
            },
          ],
        },
      ],
    });
    expect(longestDecodeStall([sample(0, 10), sample(1000, 25), sample(2000, 40)])?.ms).toBe(0);
    expect(longestDecodeStall([sample(0, 10), sample(1000, 25), sample(2000, 25), sample(4000, 25)])?.ms).toBe(3000);
    // A planned blackout explains the stall inside it: only the time outside counts.
    expect(longestDecodeStall([sample(0, 10), sample(1000, 25), sample(2000, 25), sample(4000, 25)], [{ from: 1500, to: 3500 }])?.ms).toBe(1000);
  });
});
