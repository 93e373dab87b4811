import { constants } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { LOCAL_CREDENTIALS, DEFAULT_SERVE_PORT } from '../../reference/defaults.js';
import { execute } from '../fail.js';
import { planInit } from '../init/init-files.js';

interface InitArgs {
  dir: string;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init [dir]',
  describe: 'scaffold your own setup: DIR (default roomgate/) with a ci-gate suite, contract and soak scenarios, a copy of the contract, and a GitHub workflow',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', default: 'roomgate', describe: 'folder for the suite, scenarios and contract copy (from the current directory)' })
      .example('$0 init', 'roomgate/ci-gate.yaml, roomgate/contract.yaml, roomgate/soak.yaml, roomgate/videoconnect.v1.openapi.yaml, .github/workflows/roomgate.yml')
      .epilogue('Never overwrites a file: existing files are kept and listed.') as never,
  handler: (args) =>
    execute(async () => {
      const cwd = process.cwd();
      const plan = planInit(args.dir, cwd);
      const created: string[] = [];
      const kept: string[] = [];
      for (const file of plan.files) {
        const path = resolve(cwd, file.path);
        await mkdir(dirname(path), { recursive: true });
        try {
          // 'wx' / COPYFILE_EXCL: the check and the write are one step, so a file never gets overwritten.
          if ('text' in file.content) await writeFile(path, file.content.text, { flag: 'wx' });
          else await copyFile(file.content.copyOf, path, constants.COPYFILE_EXCL);
          created.push(file.path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
          kept.push(file.path);
        }
      }
      const out = process.stdout;
      if (created.length > 0) out.write(`roomgate init: created\n${created.map((p) => `  ${p}\n`).join('')}`);
      if (kept.length > 0) out.write(`roomgate init: kept (already there, not overwritten)\n${kept.map((p) => `  ${p}\n`).join('')}`);
      if (plan.needsInstall) out.write('\nroomgate is not installed in this project yet: npm install --save-dev roomgate (the $schema lines and the workflow use it)\n');
      out.write(
        [
          '',
          'Next: point it at your API and run the gate',
          '  export ROOMGATE_TARGET=https://api.example.com ROOMGATE_CLIENT_ID=… ROOMGATE_CLIENT_SECRET=…',
          `  npx roomgate run ${plan.dir}/ci-gate.yaml`,
          '',
          `(to try it first: \`npx roomgate serve\` in another terminal, then ROOMGATE_TARGET=http://127.0.0.1:${DEFAULT_SERVE_PORT} ROOMGATE_CLIENT_ID=${LOCAL_CREDENTIALS.clientId} ROOMGATE_CLIENT_SECRET=${LOCAL_CREDENTIALS.clientSecret})`,
          '',
        ].join('\n'),
      );
      return 0;
    }),
};
