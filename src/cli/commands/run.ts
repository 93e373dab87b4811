import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

// Placeholder until the run command lands; its issue replaces this file.
export const runCommand: CommandModule = {
  command: 'run',
  describe: 'run (not built yet)',
  handler: () =>
    execute(async () => {
      throw new UsageError('roomgate run is not built yet');
    }),
};
