import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as incidents from '../../src/incident/index.js';

const FOLDER = fileURLToPath(new URL('../../src/incident/', import.meta.url));
/** Incidents sit beside the steps the runner will schedule them with, never above them. */
const FORBIDDEN = ['cli', 'runner', 'contract', 'load', 'browser'];

describe('src/incident', () => {
  it('imports nothing from cli/, runner/, contract/, load/ or browser/', () => {
    const offending = readdirSync(FOLDER)
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        ts
          .preProcessFile(readFileSync(join(FOLDER, file), 'utf8'))
          .importedFiles.map((imported) => imported.fileName)
          .filter((specifier) => FORBIDDEN.some((folder) => specifier.startsWith(`../${folder}/`)))
          .map((specifier) => `${file} imports ${specifier}`),
      );
    expect(offending).toEqual([]);
  });

  it('exports its entry points from its index', () => {
    for (const name of ['startFaultProxy', 'runCommand', 'parseIncidentPlan', 'IncidentController', 'recoveryTime', 'IncidentCommandStartError']) {
      expect(typeof (incidents as Record<string, unknown>)[name], name).toBe('function');
    }
  });
});
