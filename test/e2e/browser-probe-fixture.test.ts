import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../../src/browser/launch/browser-pool.js';
import { ensureFakeClip, LOW_RESOLUTION_CLIP } from '../../src/browser/launch/fake-video.js';
import { Participant } from '../../src/browser/participant/participant.js';
import { toPageAdapter } from '../../src/browser/adapters/load-adapter.js';
import { FIXTURE_ADAPTER, startFixtureServer, type FixtureServer } from '../fixtures/webrtc-pair/fixture-server.js';

// The probe must work on a page roomgate did not write: the fixture call page,
// driven only through an adapter (fill a name, click Join, a JS-expression predicate).
describe('generic probe on an independent WebRTC page', () => {
  let fixture: FixtureServer;
  let pool: BrowserPool;

  beforeAll(async () => {
    fixture = await startFixtureServer();
    pool = await BrowserPool.launch({ shards: 1, fakeVideoFile: await ensureFakeClip() });
  });
  afterAll(async () => {
    await pool?.close();
    await fixture?.close();
  });

  it('stamps every milestone in causal order for two participants who see each other', async () => {
    const url = `${fixture.url}/call?room=pair`;
    const people = ['alice', 'bob'].map(
      (name, i) => new Participant({ name, joinUrl: url, room: 'pair', index: i, roomIndex: 0 }, i, toPageAdapter(FIXTURE_ADAPTER)),
    );
    await Promise.all(people.map(async (p, i) => p.prepare(await pool.newContext(i))));
    for (const p of people) await p.join({ navigationTimeoutMs: 10_000, joinTimeoutMs: 10_000 });
    await Promise.all(people.map((p) => p.awaitMedia(Date.now() + 15_000)));
    for (const p of people) await p.sample();

    for (const p of people) {
      const s = p.record.snapshot!;
      const m = s.milestones;
      expect(s.outcome?.kind).toBe('joined');
      for (const key of [
        'navigationStart',
        'domContentLoaded',
        'mediaGranted',
        'firstSetLocalDescription',
        'pcConnected',
        'pcConnectedObserved',
        'firstInboundPacket',
        'firstDecodedFrame',
        'firstRenderedFrame',
        'joined',
      ] as const) {
        expect(m[key], `${p.record.plan.name} ${key}`).toBeTypeOf('number');
      }
      expect(m.domContentLoaded!).toBeGreaterThanOrEqual(m.navigationStart!);
      expect(m.mediaGranted!).toBeGreaterThanOrEqual(m.domContentLoaded!);
      // Causal order on raw observations (none of these is adjusted by the probe).
      expect(m.pcConnectedObserved!).toBeGreaterThanOrEqual(m.firstSetLocalDescription!);
      expect(m.firstRenderedFrame!).toBeGreaterThanOrEqual(m.firstSetLocalDescription!);
      // The reported connected stamp may be moved back to the first media evidence,
      // but never before the offer/answer started, and the move is recorded exactly
      // (how late the connected event runs depends on the host, so no time bound here).
      expect(m.pcConnected!).toBeGreaterThanOrEqual(m.firstSetLocalDescription!);
      expect(s.connectedAdjustmentMs).toBeGreaterThanOrEqual(0);
      expect(m.pcConnectedObserved! - m.pcConnected!).toBe(s.connectedAdjustmentMs);
      if (s.connectedAdjustmentMs! > 0) {
        expect(s.adjustedMilestones).toContain('pcConnected');
        expect(m.pcConnected).toBe(Math.min(m.firstInboundPacket!, m.firstDecodedFrame!, m.firstRenderedFrame!));
      } else expect(s.adjustedMilestones).not.toContain('pcConnected');
      expect(m.firstDecodedFrame!).toBeLessThanOrEqual(m.firstRenderedFrame!);
      expect(s.remoteFramesRendered).toBeGreaterThan(0);
      const sample = p.record.samples.at(-1)!;
      const video = sample.pcs[0]!.inbound.find((i) => i.kind === 'video')!;
      expect(video.framesDecoded).toBeGreaterThan(0);
      expect(video.frameWidth).toBe(LOW_RESOLUTION_CLIP.width);
      expect(sample.pcs[0]!.candidateType).toBe('host');
    }
    await Promise.all(people.map((p) => p.leave()));
  });

  it('maps the page’s own refusal to the adapter label (a third person in a two-person call)', async () => {
    const url = `${fixture.url}/call?room=trio`;
    const people = ['a', 'b', 'c'].map(
      (name, i) => new Participant({ name, joinUrl: url, room: 'trio', index: i, roomIndex: 0 }, i, toPageAdapter(FIXTURE_ADAPTER)),
    );
    await Promise.all(people.map(async (p, i) => p.prepare(await pool.newContext(i))));
    for (const p of people) await p.join({ navigationTimeoutMs: 10_000, joinTimeoutMs: 10_000 });
    expect(people.map((p) => p.record.snapshot?.outcome?.kind)).toEqual(['joined', 'joined', 'refused']);
    expect(people[2]!.record.snapshot?.outcome).toMatchObject({ kind: 'refused', label: 'room_full' });
    await Promise.all(people.map((p) => p.leave()));
  });
});
