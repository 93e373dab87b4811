import { constants } from 'node:fs';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { CommandModule } from 'yargs';
import { loadSpec } from '../../spec/load-spec.js';
import { UsageError } from '../../errors.js';
import { draftProfile } from '../../profile/draft-profile.js';
import { LOCAL_CREDENTIALS, DEFAULT_SERVE_PORT } from '../../reference/defaults.js';
import { execute } from '../fail.js';
import { planInit } from '../init/init-files.js';
import { DEFAULT_PROFILE_OUT, planProfileDraft } from '../init/profile-draft-plan.js';

interface InitArgs {
  dir: string | undefined;
  'from-spec': string | undefined;
  out: string | undefined;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init [dir]',
  describe:
    'scaffold your own setup: DIR (default roomgate/) with a ci-gate suite, contract and soak scenarios, a copy of the contract, and a GitHub workflow; or, with --from-spec, draft a target profile for your own API',
  builder: (y) =>
    y
      .positional('dir', { type: 'string', describe: 'folder for the suite, scenarios and contract copy, from the current directory (default roomgate)' })
      .option('from-spec', {
        type: 'string',
        describe: 'draft a target profile from this OpenAPI document instead: roles, auth and fields guessed, what to fill in listed',
      })
      .option('out', { type: 'string', describe: `with --from-spec: where to write the profile (default ${DEFAULT_PROFILE_OUT}; never overwritten)` })
      .example(
        '$0 init',
        'roomgate/ci-gate.yaml, roomgate/contract.yaml, roomgate/soak.yaml, roomgate/videoconnect.v1.openapi.yaml, .github/workflows/roomgate.yml',
      )
      .example('$0 init --from-spec openapi.yaml --out acme.profile.yaml', 'a target profile for your API, with what was guessed and what to fill in')
      .epilogue('Never overwrites a file: existing files are kept and listed.') as never,
  handler: (args) =>
    execute(async () => {
      const cwd = process.cwd();
      if (args['from-spec'] !== undefined) {
        if (args.dir !== undefined)
          throw new UsageError(`init takes a folder or --from-spec, not both (got ${args.dir} and --from-spec ${args['from-spec']})`, {
            hint: 'to draft a profile into a folder, use --out folder/profile.yaml',
          });
        return draftFromSpec(args['from-spec'], args.out ?? DEFAULT_PROFILE_OUT, cwd);
      }
      if (args.out !== undefined)
        throw new UsageError('--out applies to init --from-spec only', { hint: 'for the scaffold, give the folder: roomgate init DIR' });
      const plan = planInit(args.dir ?? 'roomgate', cwd);
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
      if (plan.needsInstall)
        out.write('\nroomgate is not installed in this project yet: npm install --save-dev roomgate (the $schema lines and the workflow use it)\n');
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

/** `init --from-spec`: draft a profile, write it (never over an existing file), say what was guessed and what to fill in. */
async function draftFromSpec(spec: string, out: string, cwd: string): Promise<number> {
  const plan = planProfileDraft(spec, out, cwd);
  const document = await loadSpec(spec);
  const draft = draftProfile(document, { specRef: plan.specRef, schemaRef: plan.schemaRef });
  await mkdir(dirname(plan.outAbs), { recursive: true });
  try {
    await writeFile(plan.outAbs, draft.yaml, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new UsageError(`${plan.out} already exists; init never overwrites a file`, {
      hint: `draft to another file (--out ${plan.out.replace(/\.ya?ml$/, '')}.draft.yaml) or move the existing one away`,
    });
  }
  const print = (text: string) => process.stdout.write(text);
  print(`roomgate init: drafted ${plan.out} from ${spec}\n`);
  if (draft.guessed.length > 0) print(`\nGuessed (check these):\n${draft.guessed.map((n) => `  - ${n}\n`).join('')}`);
  if (draft.fillIn.length > 0) print(`\nFill in:\n${draft.fillIn.map((n) => `  - ${n}\n`).join('')}`);
  if (plan.needsInstall) print('\nroomgate is not installed in this project yet: npm install --save-dev roomgate (the $schema line uses it)\n');
  print(`\nNext: roomgate contract --profile ${plan.out} --target https://api.example.com\n`);
  return 0;
}
