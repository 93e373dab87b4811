import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { withTargetCredentials, type FilterableRequest } from '../../src/contract/pact/credential-filter.js';
import { DEFAULT_CONSUMER_VERSION_SELECTORS, verifierOptionsFor } from '../../src/contract/pact/verifier-options.js';
import { LOCAL_CREDENTIALS } from '../../src/reference/defaults.js';

const BASE = { provider: 'videoconnect', providerBaseUrl: 'http://127.0.0.1:4010', timeoutMs: 30_000 };
const CREDS = { clientId: 'ci-client', clientSecret: 's3cret-value' };

describe('pact credential filter', () => {
  it('puts the configured client into a token request and fixes content-length', async () => {
    const req: FilterableRequest = {
      method: 'POST',
      path: '/v1/auth/token',
      headers: { 'content-type': 'application/json', 'content-length': '70' },
      body: { client_id: 'placeholder-client-id', client_secret: 'placeholder-client-secret' },
    };
    await withTargetCredentials(req, CREDS, async () => 'never');
    expect(req.body).toEqual({ client_id: 'ci-client', client_secret: 's3cret-value' });
    expect(req.headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify(req.body))));
    expect(req.headers['authorization']).toBeUndefined();
  });

  it('replaces a recorded bearer token with a fresh one and leaves unauthenticated requests alone', async () => {
    const authed: FilterableRequest = { method: 'GET', path: '/v1/rooms/rm_1', headers: { authorization: 'Bearer aaa.bbb.ccc' } };
    await withTargetCredentials(authed, CREDS, async () => 'fresh.jwt.token');
    expect(authed.headers['authorization']).toBe('Bearer fresh.jwt.token');
    const anonymous: FilterableRequest = { method: 'GET', path: '/v1/rooms', headers: {} };
    await withTargetCredentials(anonymous, CREDS, async () => 'fresh.jwt.token');
    expect(anonymous.headers['authorization']).toBeUndefined();
  });

  it("the committed pact holds placeholders, never the reference server's secret", () => {
    const pact = readFileSync('contracts/pacts/roomgate-videoconnect.json', 'utf8');
    expect(pact).not.toContain(LOCAL_CREDENTIALS.clientSecret);
    expect(pact).toContain('placeholder-client-secret');
  });
});

describe('Pact Verifier options mapping', () => {
  it('local files: pactUrls, no broker, nothing published', () => {
    const options = verifierOptionsFor({ kind: 'files', pactUrls: ['a.json'] }, BASE, {});
    expect(options).toEqual({ provider: 'videoconnect', providerBaseUrl: BASE.providerBaseUrl, timeout: 30_000, logLevel: 'error', pactUrls: ['a.json'] });
    expect('publishVerificationResult' in options).toBe(false);
  });

  it('broker: token from the environment, recommended selectors, pending on, publishing off by default', () => {
    const options = verifierOptionsFor({ kind: 'broker', brokerUrl: 'https://broker.example/' }, BASE, { PACT_BROKER_TOKEN: 'tok' });
    expect(options.pactBrokerUrl).toBe('https://broker.example');
    expect(options.pactBrokerToken).toBe('tok');
    expect(options.consumerVersionSelectors).toEqual(DEFAULT_CONSUMER_VERSION_SELECTORS);
    expect(options.enablePending).toBe(true);
    expect(options.publishVerificationResult).toBeUndefined();
    expect(options.pactUrls).toBeUndefined();
  });

  it('broker: publishes only when asked, with the provider version and branch', () => {
    const options = verifierOptionsFor(
      { kind: 'broker', brokerUrl: 'https://broker.example', publishVerificationResult: true, providerVersion: 'abc123', providerVersionBranch: 'main' },
      BASE,
      { PACT_BROKER_USERNAME: 'u', PACT_BROKER_PASSWORD: 'p' },
    );
    expect(options).toMatchObject({
      publishVerificationResult: true,
      providerVersion: 'abc123',
      providerVersionBranch: 'main',
      pactBrokerUsername: 'u',
      pactBrokerPassword: 'p',
    });
    expect(options.pactBrokerToken).toBeUndefined();
  });

  it('refuses publishing without a version, a bad URL, and conflicting credentials', () => {
    expect(() => verifierOptionsFor({ kind: 'broker', brokerUrl: 'https://b.example', publishVerificationResult: true }, BASE, {})).toThrow(/provider version/);
    expect(() => verifierOptionsFor({ kind: 'broker', brokerUrl: 'not a url' }, BASE, {})).toThrow(/is not a URL/);
    expect(() =>
      verifierOptionsFor({ kind: 'broker', brokerUrl: 'https://b.example' }, BASE, {
        PACT_BROKER_TOKEN: 't',
        PACT_BROKER_USERNAME: 'u',
        PACT_BROKER_PASSWORD: 'p',
      }),
    ).toThrow(/not both/);
    expect(() => verifierOptionsFor({ kind: 'broker', brokerUrl: 'https://b.example' }, BASE, { PACT_BROKER_USERNAME: 'u' })).toThrow(/go together/);
  });
});
