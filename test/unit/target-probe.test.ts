import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TargetUnreachableError } from '../../src/errors.js';
import { VideoConnectClient } from '../../src/target/client.js';
import { TargetProbe } from '../../src/target/target-probe.js';
import { startReferenceServer } from '../helpers/reference-http.js';
import { startSilentServer, type SilentServer } from '../helpers/silent-server.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('TargetProbe: a remote target must answer its first request within the request timeout', () => {
  let silent: SilentServer | undefined;
  afterEach(async () => {
    await silent?.close();
    silent = undefined;
  });

  it('a target that accepts connections and never answers is "no response within N s" (TargetUnreachableError, exit 3)', async () => {
    silent = await startSilentServer();
    const error = await new TargetProbe().assertResponds(silent.url, 300).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TargetUnreachableError);
    expect((error as TargetUnreachableError).exitCode).toBe(3);
    expect((error as Error).message).toBe(
      `no response within 0.3 s from ${silent.url}: it accepted the connection (or is still connecting) but sent nothing back`,
    );
    expect((error as TargetUnreachableError).hint).toContain('--request-timeout');
  });

  it('remembers the verdict per base URL: scenarios sharing a hung target wait once', async () => {
    silent = await startSilentServer();
    const probe = new TargetProbe();
    await expect(probe.assertResponds(silent.url, 300)).rejects.toThrow(/no response within/);
    await expect(probe.assertResponds(silent.url, 300)).rejects.toThrow(/no response within/);
    expect(silent.connections()).toBe(1);
  });

  it('a refused connection is "cannot reach"', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    await expect(new TargetProbe().assertResponds(url, 2000)).rejects.toThrow(new RegExp(`^cannot reach ${url}: .*ECONNREFUSED`));
  });

  it('any HTTP answer passes, even the 401 an unauthenticated request gets', async () => {
    const server = await startReferenceServer();
    try {
      await expect(new TargetProbe().assertResponds(server.url, 5000)).resolves.toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe('VideoConnectClient against a target that went silent', () => {
  it('names the operation and says "no response within N s", not "cannot reach"', async () => {
    const silent = await startSilentServer();
    try {
      const client = new VideoConnectClient({ baseUrl: silent.url, credentials: { clientId: 'a', clientSecret: 'b' }, timeoutMs: 300 });
      await expect(client.issueToken()).rejects.toThrow(`issue_token: no response within 0.3 s from ${silent.url}`);
    } finally {
      await silent.close();
    }
  });
});
