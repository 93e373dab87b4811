import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAULT_NAMES, isFaultName, type FaultName } from '../../src/reference/faults.js';
import { catchNames } from '../helpers/faults.js';
import { REPO_ROOT } from '../helpers/run-cli.js';

/**
 * The documentation's fault tables follow src/reference/faults.ts: every
 * table of reference faults lists each fault exactly once, and a table that
 * says which check catches a fault names the checks (or the SLO) faults.ts
 * names. The tables are looked for in README.md and docs/*.md, wherever they
 * live.
 */

interface MarkdownTable {
  file: string;
  header: string[];
  rows: string[][];
}

/**
 * The cells of one GitHub-flavoured table row. Hand-written: no Markdown
 * parser is a dependency, and a row is only split on pipes outside code spans
 * and not escaped.
 */
function cellsOf(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let inCode = false;
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  for (let i = 0; i < body.length; i += 1) {
    const char = body[i]!;
    if (char === '\\' && body[i + 1] === '|') {
      cell += '|';
      i += 1;
    } else if (char === '`') {
      inCode = !inCode;
      cell += char;
    } else if (char === '|' && !inCode) {
      cells.push(cell.trim());
      cell = '';
    } else {
      cell += char;
    }
  }
  cells.push(cell.trim());
  return cells;
}

function tablesIn(file: string, text: string): MarkdownTable[] {
  const tables: MarkdownTable[] = [];
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 1) {
    if (!lines[i]!.trim().startsWith('|') || !/^\s*\|?\s*:?-{3,}/.test(lines[i + 1]!)) continue;
    const header = cellsOf(lines[i]!);
    const rows: string[][] = [];
    let j = i + 2;
    for (; j < lines.length && lines[j]!.trim().startsWith('|'); j += 1) rows.push(cellsOf(lines[j]!));
    tables.push({ file, header, rows });
    i = j - 1;
  }
  return tables;
}

/** The names in code spans of a cell: `` `a`, `b` `` → a, b. */
function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1]!);
}

function documents(): Array<{ file: string; text: string }> {
  const docs = join(REPO_ROOT, 'docs');
  const files = [
    'README.md',
    ...readdirSync(docs)
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => `docs/${name}`),
  ];
  return files.map((file) => ({ file, text: readFileSync(join(REPO_ROOT, file), 'utf8') }));
}

/** Tables whose first column is the reference fault (`fault` or `--fault`) and names at least one: other "fault" tables (Janus failures) are not ours. */
function faultTables(): MarkdownTable[] {
  return documents()
    .flatMap(({ file, text }) => tablesIn(file, text))
    .filter((table) => /^`?(--)?faults?`?$/i.test(table.header[0] ?? '') && table.rows.some((row) => codeSpans(row[0] ?? '').some(isFaultName)));
}

function faultsOf(row: readonly string[]): FaultName[] {
  return codeSpans(row[0] ?? '').filter(isFaultName);
}

/** The column that says what catches the fault (`failing check(s)`, `caught by`), if the table has one. */
function catchColumn(table: MarkdownTable): number {
  return table.header.findIndex((cell, index) => index > 0 && /check|caught|catch/i.test(cell));
}

describe('the documentation follows src/reference/faults.ts', () => {
  it('has a fault table that says what catches each fault', () => {
    expect(
      faultTables()
        .filter((table) => catchColumn(table) > 0)
        .map((table) => table.file),
    ).not.toEqual([]);
  });

  it('every table of reference faults lists each fault of faults.ts exactly once', () => {
    for (const table of faultTables()) {
      const listed = table.rows.flatMap(faultsOf);
      expect([...listed].sort(), `${table.file}: the table under "${table.header.join(' | ')}"`).toEqual([...FAULT_NAMES].sort());
    }
  });

  it('a table that says what catches a fault names the checks or the SLO faults.ts names for it', () => {
    for (const table of faultTables().filter((t) => catchColumn(t) > 0)) {
      const column = catchColumn(table);
      for (const row of table.rows) {
        const named = codeSpans(row[column] ?? '');
        for (const fault of faultsOf(row)) {
          const expected = catchNames(fault);
          expect(named, `${table.file}: the row of ${fault} should name ${expected.join(', ')}`).toEqual(expect.arrayContaining([...expected]));
        }
      }
    }
  });
});
