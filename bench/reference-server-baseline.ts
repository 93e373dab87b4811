/**
 * The ceilings for bench/reference-server.ts: a static room JSON on the same
 * route shape, no auth, no hooks, served by bare fastify (`fastify`, the
 * default) or by bare node:http (`node-http`, the floor under the reference
 * server's GET room hot path). The reference server's GET figure divided by
 * one of these is its overhead, and unlike the absolute figure that ratio
 * survives a busy shared machine.
 *
 *   node --import tsx bench/reference-server-baseline.ts [fastify|node-http]
 */
import { createServer } from 'node:http';
import Fastify from 'fastify';

const room = {
  room_id: 'rm_8xKp2mNqLz',
  name: 'bench',
  status: 'waiting',
  max_participants: 10,
  is_private: false,
  recording: false,
  join_url: 'http://127.0.0.1:4010/join/rm_8xKp2mNqLz',
  participant_count: 0,
  duration_seconds: 0,
  created_at: '2026-01-01T00:00:00.000Z',
};

const kind = process.argv[2] ?? 'fastify';
let port: number;
let close: () => Promise<void>;
if (kind === 'node-http') {
  const server = createServer((_request, response) => {
    // Serialised per request, as a real handler would.
    const body = JSON.stringify(room);
    response.writeHead(200, ['content-type', 'application/json; charset=utf-8', 'content-length', String(Buffer.byteLength(body))]);
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
} else {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.get('/v1/rooms/:room_id', async () => room);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  port = typeof address === 'object' && address !== null ? address.port : 0;
  close = () => app.close();
}
process.stdout.write(`baseline (${kind}) listening on http://127.0.0.1:${port}\n`);
const stop = () => void close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
