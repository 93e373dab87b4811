import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  expiredClaims,
  grantNames,
  jwtClaims,
  signedByAnotherKey,
  signWithSecret,
  timed,
  unsignedToken,
  withoutGrants,
} from '../../src/contract/checks/auth-forgery.js';

const SECRET = 'lk-secret-alpha-0f4c8e2a9b7d41c3a6e5f8d2';
const CLAIMS = { iss: 'APIr7dK2mQx9Lwa', sub: 'roomgate', video: { roomCreate: true, roomList: true } };
const key = new TextEncoder().encode(SECRET);

describe('forged credentials differ from a good one only in what is tested', () => {
  it('a token signed with the secret verifies; the same claims under another key do not', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await signWithSecret(timed(CLAIMS, now, 600), SECRET);
    await expect(jwtVerify(good, key)).resolves.toBeDefined();
    const forged = await signedByAnotherKey(timed(CLAIMS, now, 600));
    expect(decodeJwt(forged)).toEqual(decodeJwt(good));
    await expect(jwtVerify(forged, key)).rejects.toThrow(/signature/);
  });

  it('an unsigned token carries the same claims with alg none', () => {
    const token = unsignedToken(CLAIMS);
    expect(decodeProtectedHeader(token).alg).toBe('none');
    expect(jwtClaims(token)).toEqual(CLAIMS);
  });

  it('an expired token is correctly signed and expired a minute ago', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await signWithSecret(expiredClaims(CLAIMS, now), SECRET);
    expect(decodeJwt(token).exp).toBe(now - 60);
    await expect(jwtVerify(token, key)).rejects.toThrow(/exp/);
    await expect(jwtVerify(token, key, { currentDate: new Date((now - 90) * 1000) })).resolves.toBeDefined();
  });

  it('finds the grants among the claims and takes them away, keeping who the token is', () => {
    expect(grantNames(timed(CLAIMS, 1, 1))).toEqual(['video']);
    expect(withoutGrants(timed(CLAIMS, 1, 1))).toEqual({ iss: 'APIr7dK2mQx9Lwa', sub: 'roomgate', iat: 1, nbf: 1, exp: 2 });
    expect(grantNames({ iss: 'a', sub: 'b' })).toEqual([]);
  });

  it('reads an opaque token as no JWT at all', () => {
    expect(jwtClaims('tok_5f1c0b7a9e83d2e6')).toBeUndefined();
  });
});
