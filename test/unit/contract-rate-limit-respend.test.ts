import { describe, expect, it } from 'vitest';
import { gateFacts, makeCheck } from '../../src/contract/gate-context.js';
import { openGate } from '../../src/contract/open-gate.js';
import { loadBuiltinProfile } from '../../src/profile/load-profile.js';
import { resolveContractOptions } from '../../src/contract/contract-step.js';
import { createCoverageFixtures } from '../../src/contract/coverage/coverage-fixtures.js';
import { CoverageRecorder } from '../../src/contract/coverage/coverage-recorder.js';
import { provokeRateLimited } from '../../src/contract/coverage/declared-response-checks.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { withReferenceServer } from '../helpers/reference-http.js';

/**
 * The 429 cells are provoked right after the rate-limit burst. On a loaded host the window can reset between
 * those requests and the quota is back; the provocation then spends it again (bounded by what the target says is
 * left) instead of calling the cells "not provoked". Started with a fresh quota here — as after a reset — the
 * first request is not a 429, and every 429 cell must still be provoked.
 */
describe('the 429 cells after a window reset', () => {
  it('spends the refilled quota again and provokes every declared 429', async () => {
    await withReferenceServer({ rateLimit: { quota: 40, windowSeconds: 60 } }, async (server) => {
      const profile = await loadBuiltinProfile();
      const spec = new SpecIndex(profile.spec.document);
      const options = resolveContractOptions({});
      const target = { baseUrl: server.url, credentials: LOCAL_CREDENTIALS, embedded: true, profile };
      const { gate, conformance, identity } = openGate(
        { target, signal: new AbortController().signal },
        { profile, spec },
        options,
        makeCheck(() => undefined, gateFacts(spec, profile, options)),
      );
      const recorder = new CoverageRecorder(conformance);
      const fixtures = await createCoverageFixtures(gate);
      await provokeRateLimited(gate, recorder, fixtures);
      const cells = recorder.build(spec, undefined).responses.filter((cell) => cell.kind === '429');
      expect(cells.length).toBeGreaterThan(5);
      expect(cells.filter((cell) => cell.state !== 'provoked')).toEqual([]);
      await fixtures.release().catch(() => undefined);
      await identity.close();
    });
  });
});
