import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

// Placeholder until the load command lands; its issue replaces this file.
export const loadCommand: CommandModule = {
  command: 'load',
  describe: 'load (not built yet)',
  handler: () =>
    execute(async () => {
      throw new UsageError('roomgate load is not built yet');
    }),
};
