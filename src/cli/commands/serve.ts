import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { DEFAULT_SERVE_HOST, DEFAULT_SERVE_PORT } from '../../reference/defaults.js';
import { FAULTS, isFaultName, type FaultName } from '../../reference/faults.js';
import { execute } from '../fail.js';

interface ServeArgs {
  port: number;
  host: string;
  fault: string[];
}

const faultHelp = Object.entries(FAULTS)
  .map(([name, what]) => `  ${name.padEnd(22)} ${what}`)
  .join('\n');

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run the embedded VideoConnect v1 reference server',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: DEFAULT_SERVE_PORT, describe: 'port to listen on (0 = any free port)' })
      .option('host', { type: 'string', default: DEFAULT_SERVE_HOST, describe: 'address to bind' })
      .option('fault', { type: 'string', array: true, default: [] as string[], describe: 'break one promise of the contract (repeatable)' })
      .epilogue(`Faults:\n${faultHelp}`) as never,
  handler: (args) =>
    execute(async () => {
      const faults: FaultName[] = [];
      for (const name of args.fault) {
        if (!isFaultName(name)) {
          throw new UsageError(`unknown fault "${name}"`, { hint: `choose one of: ${Object.keys(FAULTS).join(', ')}` });
        }
        faults.push(name);
      }
      const { serve } = await import('../serve.js');
      return serve({ port: args.port, host: args.host, faults });
    }),
};
