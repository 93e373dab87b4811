import { describe, expect, it } from 'vitest';
import { createRoomVia, gateFacts, makeCheck, type GateContext } from '../../src/contract/gate-context.js';
import { ConformanceLog } from '../../src/contract/conformance.js';
import { resolveContractOptions } from '../../src/contract/contract-step.js';
import { createCoverageFixtures } from '../../src/contract/coverage/coverage-fixtures.js';
import { CoverageRecorder } from '../../src/contract/coverage/coverage-recorder.js';
import { provokeRateLimited } from '../../src/contract/coverage/declared-response-checks.js';
import { Exchanger } from '../../src/contract/http/exchange.js';
import { loadSpec } from '../../src/spec/load-spec.js';
import { SpecIndex } from '../../src/spec/spec-index.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';
import { BUNDLED_SPEC } from '../../src/package-assets.js';
import { withReferenceServer } from '../helpers/reference-http.js';

/**
 * The 429 cells are provoked right after the rate-limit burst. On a loaded host the window can reset between
 * those requests and the quota is back; the provocation then spends it again (bounded by what the target says is
 * left) instead of calling the cells "not provoked". Started with a fresh quota here — as after a reset — the
 * first request is not a 429, and every 429 cell must still be provoked.
 */
describe('the 429 cells after a window reset', () => {
  it('spends the refilled quota again and provokes every declared 429', async () => {
    await withReferenceServer({ rateLimit: { quota: 40, windowSeconds: 60 } }, async (server, token) => {
      const spec = new SpecIndex(await loadSpec(BUNDLED_SPEC));
      const options = resolveContractOptions({});
      const http = new Exchanger({ baseUrl: server.url, token: async () => token, timeoutMs: 5000, defaultHeaders: () => ({}), maxBodyBytes: 1 << 20 });
      const conformance = new ConformanceLog(spec);
      http.observe(conformance.observe);
      const createdRooms = new Set<string>();
      const gate: GateContext = {
        target: { baseUrl: server.url, credentials: LOCAL_CREDENTIALS, embedded: true },
        http,
        spec,
        options,
        signal: new AbortController().signal,
        createdRooms,
        uniqueName: (label) => `respend-${label}`,
        issueToken: () => http.send({ method: 'POST', path: '/v1/auth/token', auth: false, body: { client_id: LOCAL_CREDENTIALS.clientId, client_secret: LOCAL_CREDENTIALS.clientSecret } }),
        createRoom: createRoomVia(http, createdRooms),
        check: makeCheck(() => undefined, gateFacts(spec, options)),
      };
      const recorder = new CoverageRecorder(conformance);
      const fixtures = await createCoverageFixtures(gate);
      await provokeRateLimited(gate, recorder, fixtures);
      const cells = recorder.build(spec, undefined).responses.filter((cell) => cell.kind === '429');
      expect(cells.length).toBeGreaterThan(5);
      expect(cells.filter((cell) => cell.state !== 'provoked')).toEqual([]);
      await fixtures.release().catch(() => undefined);
    });
  });
});
