import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

// Placeholder until the report command lands; its issue replaces this file.
export const reportCommand: CommandModule = {
  command: 'report',
  describe: 'report (not built yet)',
  handler: () =>
    execute(async () => {
      throw new UsageError('roomgate report is not built yet');
    }),
};
