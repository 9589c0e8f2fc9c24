// The layer table and its checker. Each folder of src/ sits in one layer; a
// module may import from its own folder and from folders in lower layers,
// never from a folder in its own layer or above. The pure core (basics, log,
// audit, election, api) imports no Node module and no package but the two
// cryptography libraries, so the browser runs it as the server does; the
// portal (web/src) may import only the pure core. No module imports itself
// through a chain of others (no file-level cycle). The README's layout table
// lists the same folders in the same layers (layers.test.ts checks both).
import { dirname, join, normalize } from 'node:path/posix';
import ts from 'typescript';

export interface Layer {
  /** Folders under src/, by name. */
  folders: readonly string[];
  /** Runs in browsers too: no node:* modules, only PURE_PACKAGES. */
  pure?: boolean;
}

/** Bottom to top: layer n may import layers 1..n-1 (LAYERS[0] is layer 1). */
export const LAYERS: readonly Layer[] = [
  { folders: ['basics', 'qr'], pure: true },
  { folders: ['log'], pure: true },
  { folders: ['audit'], pure: true },
  { folders: ['election'], pure: true },
  { folders: ['api'], pure: true },
  { folders: ['accounts', 'kenya'] },
  { folders: ['platform'] },
  { folders: ['store'] },
  { folders: ['simulate', 'verify', 'witness'] },
  { folders: ['bundle', 'cluster'] },
  { folders: ['forensics'] },
  { folders: ['server'] },
  { folders: ['cli'] },
  { folders: ['bench'] },
];

/** The packages the pure core may use (Ed25519 and SHA-256 where node:crypto is absent). */
export const PURE_PACKAGES: readonly string[] = ['@noble/curves', '@noble/hashes'];

/** What the portal (web/src) may import from src/: the pure core. */
export const WEB_MAY_IMPORT: readonly string[] = LAYERS.filter((l) => l.pure).flatMap(
  (l) => l.folders,
);

/** Outside src/ and web/src, the portal may import these folders' files (map paths, as URLs). */
const WEB_DATA = ['data/'];

export interface ImportRef {
  /** The importing file, relative to the repository root. */
  file: string;
  line: number;
  specifier: string;
  /** `import type`, `export type`, or a type-level `import('...')`: erased when compiled. */
  typeOnly: boolean;
}

/** Every import of a TypeScript file: static, `export … from`, dynamic import() and import types. */
export function importsOf(file: string, text: string): ImportRef[] {
  const source = ts.createSourceFile(
    file,
    text,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const refs: ImportRef[] = [];
  const add = (node: ts.Node, specifier: ts.Expression | undefined, typeOnly: boolean) => {
    if (!specifier || !ts.isStringLiteralLike(specifier)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    refs.push({ file, line, specifier: specifier.text, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name &&
            !!clause.namedBindings &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node)) {
      add(node, node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref)) add(node, ref.expression, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      add(node, node.arguments[0], false);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** 'src/<folder>/…' -> folder; 'web/src/…' -> 'web'; anything else: null. */
export function folderOf(path: string): string | null {
  if (path.startsWith('web/src/')) return 'web';
  const m = /^src\/([^/]+)\//.exec(path);
  return m?.[1] ?? null;
}

function layerOf(folder: string): number | undefined {
  const i = LAYERS.findIndex((l) => l.folders.includes(folder));
  return i < 0 ? undefined : i + 1;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return (specifier.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/');
}

/** The file a relative specifier names, among `files`; else the normalised path it names. */
function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string {
  const path = normalize(join(dirname(from), specifier.replace(/\?.*$/, '')));
  for (const candidate of [
    path,
    path.replace(/\.js$/, '.ts'),
    path.replace(/\.js$/, '.tsx'),
    `${path}.ts`,
  ])
    if (files.has(candidate)) return candidate;
  return path;
}

/**
 * Checks the modules given (repository-relative path -> text) against the
 * table; returns one line per violation, naming file:line, in file order.
 */
export function checkLayers(sources: ReadonlyMap<string, string>): string[] {
  const files = new Set(sources.keys());
  const problems: string[] = [];
  const edges = new Map<string, { to: string; at: string }[]>();
  const folderEdges = new Map<string, Map<string, string>>();
  for (const [file, text] of [...sources].sort(([a], [b]) => a.localeCompare(b))) {
    const folder = folderOf(file);
    const layer = folder === null || folder === 'web' ? undefined : layerOf(folder);
    if (folder === null || (folder !== 'web' && layer === undefined)) {
      problems.push(`${file}: its folder is in no layer (add it to the layer table)`);
      continue;
    }
    const pure = folder === 'web' || (layer !== undefined && LAYERS[layer - 1]?.pure === true);
    for (const ref of importsOf(file, text)) {
      const at = `${file}:${ref.line}`;
      if (!ref.specifier.startsWith('.')) {
        if (!pure || ref.typeOnly) continue;
        if (folder === 'web' && !ref.specifier.startsWith('node:')) continue;
        if (
          ref.specifier.startsWith('node:') ||
          !PURE_PACKAGES.includes(packageName(ref.specifier))
        )
          problems.push(
            `${at}: imports ${ref.specifier}, but ${folder === 'web' ? 'the portal runs in a browser' : `${folder} is pure core (no Node modules; packages: ${PURE_PACKAGES.join(', ')})`}`,
          );
        continue;
      }
      const target = resolveRelative(file, ref.specifier, files);
      if (files.has(target)) {
        const list = edges.get(file) ?? [];
        list.push({ to: target, at });
        edges.set(file, list);
      }
      const to = folderOf(target);
      if (to === null) {
        if (folder === 'web' && WEB_DATA.some((d) => target.startsWith(d))) continue;
        problems.push(`${at}: imports ${target}, outside src/ and web/src`);
        continue;
      }
      if (to === folder) continue;
      if (!folderEdges.has(folder)) folderEdges.set(folder, new Map());
      folderEdges.get(folder)?.set(to, folderEdges.get(folder)?.get(to) ?? at);
      if (folder === 'web') {
        if (!WEB_MAY_IMPORT.includes(to))
          problems.push(
            `${at}: the portal imports ${target}; it may import only ${WEB_MAY_IMPORT.join(', ')}`,
          );
        continue;
      }
      const toLayer = to === 'web' ? Number.POSITIVE_INFINITY : layerOf(to);
      if (toLayer === undefined) {
        problems.push(`${at}: imports ${target}, whose folder is in no layer`);
      } else if (layer !== undefined && toLayer >= layer) {
        problems.push(
          `${at}: ${folder} (layer ${layer}) imports ${target} (${to}, layer ${toLayer}): ` +
            (toLayer === layer ? 'same layer, other folder' : 'a backward import'),
        );
      }
    }
  }
  for (const cycle of cycles(edges)) problems.push(`import cycle: ${cycle}`);
  for (const cycle of cycles(
    new Map(
      [...folderEdges].map(([from, tos]) => [
        from,
        [...tos].map(([to, at]) => ({ to, at: `${from} (${at})` })),
      ]),
    ),
  ))
    problems.push(`folder cycle: ${cycle}`);
  return problems;
}

/** Each strongly connected group of more than one node, as "a (at) -> b (at) -> a". */
function cycles(graph: ReadonlyMap<string, readonly { to: string; at: string }[]>): string[] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter);
    counter++;
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(v, Math.min(low.get(v) as number, low.get(to) as number));
      } else if (onStack.has(to))
        low.set(v, Math.min(low.get(v) as number, index.get(to) as number));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      if (group.length > 1) groups.push(group);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  // The shortest loop through each group's first member (breadth-first).
  return groups.map((group) => {
    const members = new Set(group);
    const start = [...group].sort()[0] as string;
    const via = new Map<string, { from: string; at: string }>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift() as string;
      for (const e of graph.get(v) ?? []) {
        if (!members.has(e.to) || via.has(e.to)) continue;
        via.set(e.to, { from: v, at: e.at });
        if (e.to === start) queue.length = 0;
        else queue.push(e.to);
        if (e.to === start) break;
      }
    }
    const steps: string[] = [];
    let v = start;
    do {
      const step = via.get(v) as { from: string; at: string };
      steps.unshift(step.at);
      v = step.from;
    } while (v !== start);
    return `${steps.join(' -> ')} -> ${start}`;
  });
}
