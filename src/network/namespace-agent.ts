import { spawn } from 'node:child_process';
import { Server } from 'node:net';
import { NetworkLabError } from './network-errors.js';
import { COMMAND_TIMEOUT_MS, firstLine, mustRun } from './run-command.js';

/**
 * A few lines of Node run inside a namespace (`ip netns exec <ns> node -e …`)
 * for what only a process inside it can do:
 *
 * - write sysctls: /proc/sys/net belongs to the network namespace of the
 *   process that opens it. (`sysctl` would do, but procps is missing from slim
 *   Debian images, and node is always there: it is running us.)
 * - open listening sockets at the hub's address and hand them to the harness
 *   over Node's IPC channel (SCM_RIGHTS underneath). A socket keeps the
 *   namespace it was created in, so the harness then accepts the hub's
 *   connections in its own event loop and pipes them to 127.0.0.1 in the root
 *   namespace. This replaces a forwarder process in the hub plus a unix
 *   socket hop back to the root: one copy of every byte fewer, no socket
 *   files to clean up, and nothing left running in the hub (the agent exits
 *   once the sockets are handed over).
 *
 * Plain JavaScript in a string, not a file: it must run under a bare `node`
 * both from the TypeScript sources and from the built package, and a string
 * needs no asset copying.
 */
const AGENT_SOURCE = `
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const args = process.argv.slice(1);
const listens = [];
for (let i = 0; i < args.length; i += 2) {
  const value = args[i + 1];
  if (args[i] === '--sysctl') {
    const eq = value.indexOf('=');
    fs.writeFileSync('/proc/sys/' + value.slice(0, eq).split('.').join('/'), value.slice(eq + 1));
  } else if (args[i] === '--listen') {
    const colon = value.lastIndexOf(':');
    listens.push({ host: value.slice(0, colon), port: Number(value.slice(colon + 1)) });
  } else {
    throw new Error('unknown agent argument ' + args[i]);
  }
}
const handOver = (index) => {
  if (index === listens.length) return process.disconnect();
  const { host, port } = listens[index];
  const server = net.createServer();
  server.once('error', (error) => { console.error(error.message); process.exit(1); });
  server.listen({ host, port, exclusive: true }, () => {
    process.send({ port }, server, () => {
      // The harness holds its own copy of the socket now; ours must not accept anything.
      server.close();
      handOver(index + 1);
    });
  });
};
if (listens.length > 0) handOver(0);
`;

/** The node that runs the agent: the one running us, without loaders meant for the harness (tsx). */
function agentEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return env;
}

/** Write sysctls (`net.ipv4.ip_forward` → `1`) inside `namespace`. */
export async function writeNamespaceSysctls(namespace: string, settings: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<void> {
  const args = Object.entries(settings).flatMap(([key, value]) => ['--sysctl', `${key}=${value}`]);
  await mustRun('ip', ['netns', 'exec', namespace, process.execPath, '-e', AGENT_SOURCE, '--', ...args], {
    what: `setting ${Object.keys(settings).join(', ')} in namespace ${namespace}`,
    signal,
  });
}

/** The arguments that try the sysctl writer in a namespace (capability detection runs them without throwing). */
export function sysctlProbeArgs(namespace: string, settings: Readonly<Record<string, string>>): string[] {
  return ['netns', 'exec', namespace, process.execPath, '-e', AGENT_SOURCE, '--', ...Object.entries(settings).flatMap(([k, v]) => ['--sysctl', `${k}=${v}`])];
}

/**
 * Listening sockets on `host:port` for each of `ports`, created inside
 * `namespace` and owned by this process from now on (close them yourself).
 */
export function listenInNamespace(namespace: string, host: string, ports: readonly number[], signal?: AbortSignal): Promise<Map<number, Server>> {
  signal?.throwIfAborted();
  const command = ['ip', 'netns', 'exec', namespace, process.execPath, '-e', AGENT_SOURCE, '--', ...ports.flatMap((p) => ['--listen', `${host}:${p}`])];
  return new Promise((resolve, reject) => {
    const servers = new Map<number, Server>();
    let stderr = '';
    const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: agentEnv() });
    const timer = setTimeout(() => finish(`did not hand over its sockets within ${COMMAND_TIMEOUT_MS} ms`), COMMAND_TIMEOUT_MS);
    const onAbort = () => finish('aborted');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('message', (message: unknown, handle: unknown) => {
      const port = (message as { port?: unknown } | null)?.port;
      if (typeof port === 'number' && handle instanceof Server) servers.set(port, handle);
    });
    child.on('error', (error) => finish(error.message));
    child.on('exit', (code, exitSignal) => {
      if (code === 0 && servers.size === ports.length) finish(undefined);
      else finish(firstLine(stderr) || `exited with ${code ?? exitSignal}`);
    });

    let settled = false;
    function finish(problem: string | undefined): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (problem === undefined) return resolve(servers);
      child.kill('SIGKILL');
      for (const server of servers.values()) server.close();
      if (signal?.aborted) return reject(signal.reason);
      reject(
        new NetworkLabError(`listening on ${host} port ${ports.join(', ')} inside namespace ${namespace} failed: ${problem}`, {
          command,
          stderr,
          hint: 'another lab or program may hold that port in the hub namespace; run again (each lab has its own hub)',
        }),
      );
    }
  });
}
