/**
 * The house rules of DESIGN.md, checked over a source tree instead of kept in
 * memory: only `cli/` prints or exits, `model/` imports types only, and no
 * import cycle runs between the top-level folders. Imports and calls are read
 * with the TypeScript compiler's parser (typescript is a dev dependency), so
 * comments, strings and `console` as a property name (`record.console`) never
 * count, and `import type` is told apart from a runtime import.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/** One place in the tree that breaks a rule: `file:line what`. */
export interface HouseRuleViolation {
  rule: 'prints-or-exits' | 'model-imports-values' | 'folder-cycle';
  /** Path relative to the checked root, with `/` separators. */
  file: string;
  line: number;
  message: string;
}

/** Code that runs in a browser page, not in Node: its `console` is the page's console, which the harness reads as page output. */
export interface PageAsset {
  /** A file, or a folder ending in `/`, relative to the checked root. */
  path: string;
  why: string;
}

export interface HouseRulesOptions {
  /** Files exempt from the prints-or-exits rule because they do not run in Node. */
  pageAssets?: readonly PageAsset[];
}

interface ImportEdge {
  /** The module specifier as written (`../target/client.js`, `node:fs`). */
  specifier: string;
  /** True for `import type`, `export type … from` and an `import { type A, type B }` that binds no value. */
  typeOnly: boolean;
  line: number;
}

interface ParsedModule {
  file: string;
  imports: ImportEdge[];
  /** `console.*`, `process.stdout.write`, `process.stderr.write`, `process.exit`, `process.argv` with their lines. */
  printsOrExits: Array<{ what: string; line: number }>;
}

const SOURCE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;
/** What writes to the terminal, reads the command line or ends the process: the CLI's business alone. */
const PRINT_OR_EXIT = [/^console\.\w+/, /^process\.std(?:out|err)\.write(?:\.|$)/, /^process\.exit(?:\.|$)/, /^process\.argv(?:\.|$)/];

function sourceFilesUnder(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (SOURCE_FILE.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  walk(root);
  return files.sort();
}

/** `a.b.c` for an identifier/property-access chain, undefined for anything else (calls, element access). */
function dottedName(node: ts.Expression): string | undefined {
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) {
    const left = dottedName(node.expression);
    return left === undefined ? undefined : `${left}.${node.name.text}`;
  }
  return undefined;
}

function importBindsNoValue(clause: ts.ImportClause | undefined): boolean {
  if (clause === undefined) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name !== undefined) return false;
  const bindings = clause.namedBindings;
  return bindings !== undefined && ts.isNamedImports(bindings) && bindings.elements.length > 0 && bindings.elements.every((element) => element.isTypeOnly);
}

function parseModule(path: string, root: string): ParsedModule {
  const text = readFileSync(path, 'utf8');
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, path.endsWith('ts') ? ts.ScriptKind.TS : ts.ScriptKind.JS);
  const lineOf = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const imports: ImportEdge[] = [];
  const printsOrExits: ParsedModule['printsOrExits'] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push({ specifier: node.moduleSpecifier.text, typeOnly: importBindsNoValue(node.importClause), line: lineOf(node) });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const allTypes = clause !== undefined && ts.isNamedExports(clause) && clause.elements.every((element) => element.isTypeOnly);
      imports.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly || allTypes, line: lineOf(node) });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [argument] = node.arguments;
      if (argument !== undefined && ts.isStringLiteralLike(argument)) imports.push({ specifier: argument.text, typeOnly: false, line: lineOf(node) });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      imports.push({ specifier: node.argument.literal.text, typeOnly: true, line: lineOf(node) }); // `import('./x.js').T` in a type
    } else if (ts.isPropertyAccessExpression(node) && !ts.isPropertyAccessExpression(node.parent)) {
      // Only the outermost link of a chain, so `process.stdout.write` is one finding, not two,
      // and the patterns match its start: `console.log.bind(console)`, `process.argv.slice(2)`.
      const name = dottedName(node);
      const matched = name === undefined ? undefined : PRINT_OR_EXIT.find((pattern) => pattern.test(name.replace(/^globalThis\./, '')));
      if (name !== undefined && matched !== undefined) printsOrExits.push({ what: name, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { file: relative(root, path).split(sep).join('/'), imports, printsOrExits };
}

/** The top-level folder of a root-relative path; a file at the root is its own unit (`errors.ts`). */
function topFolder(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

/** Root-relative target of a relative specifier (`../target/client.js` from `load/burst.ts` → `target/client.js`), undefined for packages. */
function resolveRelative(fromFile: string, specifier: string, root: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const target = relative(root, resolve(root, dirname(fromFile), specifier))
    .split(sep)
    .join('/');
  return target.startsWith('..') ? undefined : target;
}

/** Strongly connected components of a folder graph with more than one folder (Tarjan). */
function cyclicComponents(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        connect(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) connect(node);
  return components;
}

/**
 * Every breach of the house rules under `root` (the `src/` folder), sorted by
 * rule, file and line. Type-only imports count for folder cycles: a type that
 * two folders both need belongs in a lower one (model/), or the layering is a
 * cycle in all but the emitted JavaScript.
 */
export function checkHouseRules(root: string, options: HouseRulesOptions = {}): HouseRuleViolation[] {
  const pageAssets = options.pageAssets ?? [];
  const inPage = (file: string) => pageAssets.some((asset) => (asset.path.endsWith('/') ? file.startsWith(asset.path) : file === asset.path));
  const modules = sourceFilesUnder(root).map((path) => parseModule(path, root));
  const violations: HouseRuleViolation[] = [];

  for (const module of modules) {
    if (topFolder(module.file) === 'cli' || inPage(module.file)) continue;
    for (const use of module.printsOrExits) {
      const message = `${use.what} outside cli/: only cli/ prints, reads argv or exits; emit an event or take a logger instead`;
      violations.push({ rule: 'prints-or-exits', file: module.file, line: use.line, message });
    }
  }

  for (const module of modules.filter((m) => topFolder(m.file) === 'model')) {
    for (const edge of module.imports.filter((e) => !e.typeOnly)) {
      const message = `imports a value from ${edge.specifier}: model/ holds types only, use \`import type\``;
      violations.push({ rule: 'model-imports-values', file: module.file, line: edge.line, message });
    }
  }

  // Folder graph, remembering the first import behind each edge as evidence.
  const graph = new Map<string, Set<string>>();
  const evidence = new Map<string, { file: string; line: number; specifier: string }>();
  for (const module of modules) {
    const from = topFolder(module.file);
    if (!graph.has(from)) graph.set(from, new Set());
    for (const edge of module.imports) {
      const target = resolveRelative(module.file, edge.specifier, root);
      if (target === undefined) continue;
      const to = topFolder(target);
      if (to === from) continue;
      graph.get(from)!.add(to);
      if (!evidence.has(`${from}>${to}`)) evidence.set(`${from}>${to}`, { file: module.file, line: edge.line, specifier: edge.specifier });
    }
  }
  for (const component of cyclicComponents(graph)) {
    const members = new Set(component);
    for (const from of component) {
      for (const to of [...(graph.get(from) ?? [])].filter((t) => members.has(t)).sort()) {
        const where = evidence.get(`${from}>${to}`)!;
        const message = `${from}/ → ${to}/ (${where.specifier}) closes the cycle ${component.join(' ↔ ')}`;
        violations.push({ rule: 'folder-cycle', file: where.file, line: where.line, message });
      }
    }
  }

  const order: HouseRuleViolation['rule'][] = ['prints-or-exits', 'model-imports-values', 'folder-cycle'];
  return violations.sort((a, b) => order.indexOf(a.rule) - order.indexOf(b.rule) || a.file.localeCompare(b.file) || a.line - b.line);
}

/** `file:line rule: message`, one a line, for an assertion message a person can act on. */
export function formatViolations(violations: readonly HouseRuleViolation[]): string {
  return violations.map((v) => `${v.file}:${v.line} ${v.rule}: ${v.message}`).join('\n');
}
