import type { FastifyInstance } from 'fastify';

/**
 * Methods whose operations in the contract take no request body. Many HTTP
 * clients (axios defaults, generated SDKs, API gateways) send
 * `Content-Type: application/json` on every request, including a `DELETE`
 * with nothing in it; fastify's default JSON parser rejects that empty body
 * as malformed JSON. A real client owes the server no body here, so an empty
 * one is "no body", not invalid JSON.
 */
const BODYLESS_OPERATIONS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS']);

/**
 * Replace fastify's `application/json` parser with one that accepts an empty
 * body on bodyless methods. Everything else is fastify's own parser
 * (secure-json-parse, prototype poisoning rejected): a non-empty malformed
 * body is still 400 `invalid_json`, and an empty body on POST still is too,
 * since those operations require one.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0 && BODYLESS_OPERATIONS.has(request.method)) {
      done(null, undefined);
      return;
    }
    parseJson(request, typeof body === 'string' ? body : body.toString('utf8'), done);
  });
}
