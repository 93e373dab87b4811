import { randomBytes } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { JoinTokenClaims, JoinTokenService } from '../context.js';

export const JOIN_TOKEN_TTL_SECONDS = 3600;
const JOIN_AUDIENCE = 'join';

/**
 * Participant tokens for private rooms: HS256 JWTs with audience `join` and
 * the room id as a claim, signed with their own per-server key (an access
 * token can never pass as a join token, nor the reverse).
 */
export function createJoinTokenService(now: () => number = Date.now): JoinTokenService {
  const key = randomBytes(32);
  return {
    async issue(roomId, participantName) {
      const nowSeconds = Math.floor(now() / 1000);
      const token = await new SignJWT(participantName === undefined ? { room_id: roomId } : { room_id: roomId, name: participantName })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setAudience(JOIN_AUDIENCE)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + JOIN_TOKEN_TTL_SECONDS)
        .sign(key);
      return { token, expiresIn: JOIN_TOKEN_TTL_SECONDS };
    },
    async verify(token, roomId): Promise<JoinTokenClaims | undefined> {
      try {
        const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], audience: JOIN_AUDIENCE, currentDate: new Date(now()) });
        if (payload['room_id'] !== roomId) return undefined;
        const name = payload['name'];
        return { roomId, participantName: typeof name === 'string' ? name : undefined };
      } catch {
        return undefined;
      }
    },
  };
}
