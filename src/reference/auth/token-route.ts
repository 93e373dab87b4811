import type { FastifyInstance } from 'fastify';
import type { TokenResponse } from '../../target/api-types.js';
import { ApiProblem } from '../http/api-problem.js';
import type { AccessTokens } from './access-tokens.js';
import { TOKEN_ROUTE } from './auth-hooks.js';
import type { ClientRegistry } from './client-credentials.js';

export const tokenRequestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['client_id', 'client_secret'],
  properties: {
    client_id: { type: 'string', minLength: 1, maxLength: 200 },
    client_secret: { type: 'string', minLength: 1, maxLength: 500 },
    // Accepted for OAuth 2.0 client-credentials clients that always send it.
    grant_type: { type: 'string', enum: ['client_credentials'] },
  },
} as const;

interface TokenBody {
  client_id: string;
  client_secret: string;
}

/** POST /v1/auth/token: client credentials → a bearer access token. */
export function registerTokenRoute(app: FastifyInstance, clients: ClientRegistry, tokens: AccessTokens): void {
  app.post<{ Body: TokenBody }>(TOKEN_ROUTE, { schema: { body: tokenRequestSchema } }, async (request, reply) => {
    const { client_id: clientId, client_secret: clientSecret } = request.body;
    if (!clients.authenticate(clientId, clientSecret)) {
      throw new ApiProblem(401, 'invalid_client', 'Unknown client_id or wrong client_secret.');
    }
    const body: TokenResponse = { access_token: await tokens.issue(clientId), token_type: 'Bearer', expires_in: tokens.ttlSeconds };
    // RFC 6749 §5.1: token responses must not be cached.
    reply.header('cache-control', 'no-store');
    return body;
  });
}
