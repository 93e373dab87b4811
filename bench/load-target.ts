/**
 * A minimal VideoConnect-shaped loopback target for benchmarks: it answers
 * the room endpoints with canned JSON and keeps no state, so what a benchmark
 * measures is the load generator, not the target. Run it in its own process
 * (bench/load.ts does) so target and generator do not share an event loop.
 * Prints its URL on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const room = (id: string) =>
  JSON.stringify({
    room_id: id,
    name: 'bench',
    status: 'waiting',
    max_participants: 10,
    is_private: false,
    recording: false,
    join_url: `http://127.0.0.1/join/${id}`,
    participant_count: 0,
    duration_seconds: 0,
    created_at: '2026-01-01T00:00:00.000Z',
  });
const page = JSON.stringify({ data: [], next_cursor: null, has_more: false });
const token = JSON.stringify({ access_token: 'bench-token', token_type: 'Bearer', expires_in: 3600 });
let seq = 0;

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  const send = (status: number, body: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST' && url === '/v1/auth/token') return send(200, token);
    if (req.method === 'POST' && url === '/v1/rooms') return send(201, room(`rm_b${(++seq).toString(36)}`));
    if (req.method === 'GET' && url.startsWith('/v1/rooms/')) return send(200, room(url.slice(10)));
    if (req.method === 'GET' && url.startsWith('/v1/rooms')) return send(200, page);
    if (req.method === 'DELETE' && url.startsWith('/v1/rooms/')) return send(200, `{"message":"Room ${url.slice(10)} has been closed."}`);
    return send(404, '{"error":"not_found","message":"no route","status":404}');
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
