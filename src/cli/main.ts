import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { browserCommand } from './commands/browser.js';
import { compareCommand } from './commands/compare.js';
import { contractCommand } from './commands/contract.js';
import { initCommand } from './commands/init.js';
import { loadCommand } from './commands/load.js';
import { mergeCommand } from './commands/merge.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { serveCommand } from './commands/serve.js';
import { UsageError } from '../errors.js';
import { reportFatal } from './fail.js';
import { nonNumericFlags, rewriteUnknownArguments } from './usage-message.js';
import { packageVersion } from '../package-assets.js';
import { startNpmSignalRelay } from './npm-signal-relay.js';
import { envOptionsMiddleware, type YargsInstanceView } from './env-options.js';

/**
 * The roomgate CLI. Each command lives in its own file under commands/; this
 * file only wires them. Unknown commands and flags are usage errors (exit 2).
 */
// Under `npx roomgate` a SIGINT sent to npm stops at the shell between npm and us; see the module.
startNpmSignalRelay();
const applyEnvOptions = envOptionsMiddleware('ROOMGATE');

await yargs(hideBin(process.argv))
  .scriptName('roomgate')
  .usage('$0 <command> [options]\n\nContract gate, burst/soak load and browser participants for VideoConnect-style room APIs.')
  .command(runCommand)
  .command(contractCommand)
  .command(loadCommand)
  .command(browserCommand)
  .command(serveCommand)
  .command(reportCommand)
  .command(compareCommand)
  .command(initCommand)
  .command(mergeCommand)
  .demandCommand(1, 'Name a command; `roomgate run` runs suites/smoke.yaml against the embedded reference server.')
  .strict()
  .recommendCommands()
  // ROOMGATE_<FLAG> for the running command's flags only (not yargs' .env(), which strict mode turns against unrelated ROOMGATE_* variables).
  // yargs calls middleware with (argv, yargs) though its types declare only argv: the instance is an optional second parameter.
  .middleware((argv: Record<string, unknown>, y?: YargsInstanceView) => {
    if (y === undefined) return;
    try {
      applyEnvOptions(argv, y);
    } catch (error) {
      process.exit(reportFatal(error));
    }
  }, true)
  // Before any command runs: a number flag given text is a usage error naming the flag as typed.
  .middleware((argv) => {
    const bad = nonNumericFlags(argv, hideBin(process.argv));
    // Exits here: yargs hands an error thrown by middleware to the caller of parseAsync, not to .fail().
    if (bad.length > 0)
      process.exit(reportFatal(new UsageError(`${bad.join(', ')}: not a number`, { hint: 'give a number, e.g. --rate 100; see `roomgate <command> --help`' })));
  })
  .fail((message, error) => {
    if (error !== undefined && error !== null) throw error;
    process.stderr.write(
      `roomgate: ${rewriteUnknownArguments(message, hideBin(process.argv))}\n  hint: run \`roomgate --help\` (or \`roomgate <command> --help\`) for the usage.\n`,
    );
    process.exit(2);
  })
  .help()
  .alias('h', 'help')
  .version(packageVersion())
  .wrap(Math.min(110, process.stdout.columns ?? 110))
  .parseAsync();
