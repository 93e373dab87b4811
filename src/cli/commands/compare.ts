import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

// Placeholder until the compare command lands; its issue replaces this file.
export const compareCommand: CommandModule = {
  command: 'compare',
  describe: 'compare (not built yet)',
  handler: () =>
    execute(async () => {
      throw new UsageError('roomgate compare is not built yet');
    }),
};
