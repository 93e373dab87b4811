import { accessSync, constants } from 'node:fs';
import { UsageError } from '../../errors.js';

/** Where Debian/Ubuntu's `apt-get install chromium` puts the binary. */
export const DEFAULT_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium binary to launch: an explicit path, else PUPPETEER_EXECUTABLE_PATH,
 * else /usr/bin/chromium. roomgate never downloads a browser; a missing one is
 * a usage error (exit 2) that says how to get one.
 */
export function findChromium(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['PUPPETEER_EXECUTABLE_PATH'];
  const candidate = explicit ?? (fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_CHROMIUM);
  try {
    accessSync(candidate, constants.X_OK);
  } catch {
    const source = explicit !== undefined ? 'the configured executablePath' : fromEnv ? 'PUPPETEER_EXECUTABLE_PATH' : 'the default location';
    throw new UsageError(`no Chromium found at ${candidate} (${source})`, {
      hint: 'install one with `apt-get install chromium`, or set PUPPETEER_EXECUTABLE_PATH to any Chrome/Chromium binary',
    });
  }
  return candidate;
}
