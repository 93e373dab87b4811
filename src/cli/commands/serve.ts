import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { DEFAULT_SERVE_HOST, DEFAULT_SERVE_PORT, LOCAL_CREDENTIALS } from '../../reference/defaults.js';
import { FAULTS } from '../../reference/faults.js';
import { parseRateLimit } from '../../reference/rate-limit/rate-limiter.js';
import { execute } from '../fail.js';
import { parseFaultFlags } from '../fault-flags.js';
import { durationOption, parseDurationFlag, withFaultOption } from '../flags.js';

interface ServeArgs {
  port: number;
  host: string;
  fault: string[];
  'client-id'?: string;
  'client-secret'?: string;
  'rate-limit'?: string;
  'token-ttl'?: string;
  'metrics-port'?: number;
  'metrics-host'?: string;
}

const faultHelp = Object.entries(FAULTS)
  .map(([name, fault]) => `  ${name.padEnd(22)} ${fault.breaks}`)
  .join('\n');

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the embedded VideoConnect v1 reference server',
  builder: (y) =>
    withFaultOption(y)
      .option('port', { type: 'number', default: DEFAULT_SERVE_PORT, describe: 'port to listen on (0 = any free port)' })
      .option('host', { type: 'string', default: DEFAULT_SERVE_HOST, describe: 'address to bind' })
      .option('client-id', { type: 'string', describe: `accepted client id (default ${LOCAL_CREDENTIALS.clientId})` })
      .option('client-secret', { type: 'string', describe: 'accepted client secret (never printed)' })
      .option('rate-limit', { type: 'string', describe: 'per-client limit as QUOTA/WINDOW, e.g. 100/10s or 600/1m (default 1000000/60s)' })
      .option('token-ttl', durationOption('access token lifetime, whole seconds, e.g. 60s or 1h (default 1h)'))
      .option('metrics-port', {
        type: 'number',
        describe: "serve the server's own request counts as Prometheus metrics at http://<metrics-host>:PORT/metrics (0: any free port)",
      })
      .option('metrics-host', { type: 'string', describe: 'address the metrics endpoint binds (default 127.0.0.1)' })
      .example('$0 serve', 'serve on http://127.0.0.1:4010 with the local credentials')
      .example('$0 serve --port 0 --fault envelope --fault slow-create', 'a free port, two promises broken')
      .example('$0 serve --rate-limit 100/10s --token-ttl 60s', 'a small quota and short-lived tokens')
      .epilogue(`Faults:\n${faultHelp}`) as never,
  handler: (args) =>
    execute(async () => {
      const faults = parseFaultFlags(args.fault);
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) {
        throw new UsageError(`--port ${args.port} is not a port`, { hint: 'give 0..65535 (0 picks a free port)' });
      }
      const clientId = args['client-id'];
      const clientSecret = args['client-secret'];
      if ((clientId === undefined) !== (clientSecret === undefined) || clientId === '' || clientSecret === '') {
        throw new UsageError('--client-id and --client-secret go together', {
          hint: `give both (or neither, for the local default ${LOCAL_CREDENTIALS.clientId})`,
        });
      }
      let rateLimit;
      if (args['rate-limit'] !== undefined) {
        rateLimit = parseRateLimit(args['rate-limit']);
        if (rateLimit === undefined) {
          throw new UsageError(`--rate-limit "${args['rate-limit']}" is not QUOTA/WINDOW`, { hint: 'e.g. --rate-limit 100/10s (also m, h)' });
        }
      }
      const ttlMs = parseDurationFlag('--token-ttl', args['token-ttl']);
      // Tokens carry `exp` in whole seconds (JWT NumericDate).
      if (ttlMs !== undefined && ttlMs % 1000 !== 0) {
        throw new UsageError(`--token-ttl ${args['token-ttl']} is not a whole number of seconds`, { hint: 'e.g. --token-ttl 60s or 1h' });
      }
      const ttl = ttlMs === undefined ? undefined : ttlMs / 1000;
      const metricsPort = args['metrics-port'];
      if (metricsPort !== undefined && !(Number.isInteger(metricsPort) && metricsPort >= 0 && metricsPort <= 65535)) {
        throw new UsageError(`--metrics-port ${metricsPort} is not a port`, { hint: 'give 0..65535 (0 picks a free port)' });
      }
      const { serve } = await import('../serve.js');
      return serve({
        port: args.port,
        host: args.host,
        faults,
        ...(clientId !== undefined && clientSecret !== undefined ? { credentials: { clientId, clientSecret } } : {}),
        ...(rateLimit === undefined ? {} : { rateLimit }),
        ...(ttl === undefined ? {} : { tokenTtlSeconds: ttl }),
        ...(metricsPort === undefined ? {} : { metrics: { port: metricsPort, host: args['metrics-host'] ?? '127.0.0.1' } }),
      });
    }),
};
