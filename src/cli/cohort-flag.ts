import type { CohortOptions } from '../browser/options.js';
import type { NetworkChange, NetworkProfile } from '../network/profile.js';
import { UsageError } from '../errors.js';

/**
 * `--cohort NAME[:SHARE][:NETWORK]`, repeatable: the command-line form of a
 * browser step's `cohorts`, e.g.
 *
 *   --cohort clean:50% --cohort lossy:50%:down=300kbit,loss=10%
 *   --cohort flaky:down=1mbit,blackout=20s+6s
 *
 * NETWORK is comma-separated `key=value`: down, up, loss, delay, jitter
 * (as in a scenario), and `blackout=AT+FOR` (repeatable) for a blackout AT
 * into the hold lasting FOR. Timed changes to other conditions need a
 * scenario. Values are checked where a scenario's are (shares, bandwidths,
 * durations: exit 2 before the run); this only splits the text.
 */
export function parseCohortFlag(text: string): CohortOptions {
  const parts = text.split(':');
  const name = parts.shift() ?? '';
  if (name === '') throw usage(text, 'it has no name');
  let share: string | undefined;
  // A share is a bare percentage; `loss=5%` also ends in % but is the network part.
  if (parts[0] !== undefined && !parts[0].includes('=') && /%\s*$/.test(parts[0])) share = parts.shift();
  if (parts.length > 1) throw usage(text, 'write NAME[:SHARE][:NETWORK]');
  const networkText = parts[0];
  const cohort: CohortOptions = { name, ...(share === undefined ? {} : { share: share.trim() }) };
  if (networkText === undefined || networkText.trim() === '') return cohort;
  const network: NetworkProfile = {};
  const changes: NetworkChange[] = [];
  for (const pair of networkText.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usage(text, `"${pair}" is not key=value`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (key === 'blackout') {
      const [at, length] = value.split('+');
      if (at === undefined || length === undefined || at === '' || length === '') throw usage(text, `blackout=${value} is not AT+FOR, e.g. blackout=20s+6s`);
      changes.push({ at, for: length, network: 'blackout' });
    } else if (key === 'down' || key === 'up' || key === 'loss' || key === 'delay' || key === 'jitter') {
      network[key] = value;
    } else {
      throw usage(text, `unknown key "${key}" (down, up, loss, delay, jitter, blackout)`);
    }
  }
  return { ...cohort, network: changes.length === 0 ? network : { ...network, changes } };
}

function usage(text: string, problem: string): UsageError {
  return new UsageError(`--cohort "${text}": ${problem}`, {
    hint: 'e.g. --cohort clean:50% --cohort lossy:50%:down=300kbit,loss=10%,blackout=20s+6s (NAME[:SHARE][:key=value,...])',
  });
}
