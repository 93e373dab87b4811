/**
 * The ceiling for bench/reference-server.ts: bare fastify answering a static
 * room JSON on the same route shape, no auth, no hooks. The reference server's
 * GET figure divided by this one is its overhead, and unlike the absolute
 * figure that ratio survives a busy shared machine.
 */
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

const app = Fastify({ logger: false, forceCloseConnections: true });
app.get('/v1/rooms/:room_id', async () => room);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`baseline listening on http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
