import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

// Placeholder until the contract command lands; its issue replaces this file.
export const contractCommand: CommandModule = {
  command: 'contract',
  describe: 'contract (not built yet)',
  handler: () =>
    execute(async () => {
      throw new UsageError('roomgate contract is not built yet');
    }),
};
