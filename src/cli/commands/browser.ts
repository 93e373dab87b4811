import type { CommandModule } from 'yargs';
import { UsageError } from '../../errors.js';
import { execute } from '../fail.js';

// Placeholder until the browser command lands; its issue replaces this file.
export const browserCommand: CommandModule = {
  command: 'browser',
  describe: 'browser (not built yet)',
  handler: () =>
    execute(async () => {
      throw new UsageError('roomgate browser is not built yet');
    }),
};
