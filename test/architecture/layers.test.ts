// The layers hold: no module of src/ or web/src imports upwards or sideways
// across the table in layers.ts, the pure core stays free of Node, there is
// no import cycle, and the README's layout table shows the same folders in
// the same layers. The checker is shown to fail on each kind of violation.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkLayers, importsOf, LAYERS } from './layers.js';

const REPO = process.cwd();

function sourcesUnder(dir: string, into = new Map<string, string>()): Map<string, string> {
  for (const entry of readdirSync(join(REPO, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) sourcesUnder(path, into);
    else if (/\.tsx?$/.test(entry.name)) into.set(path, readFileSync(join(REPO, path), 'utf8'));
  }
  return into;
}

test('src and web/src follow the layer table', () => {
  const sources = sourcesUnder('web/src', sourcesUnder('src'));
  assert.ok(sources.size > 200, `only ${sources.size} modules found: run from the repository root`);
  const problems = checkLayers(sources);
  assert.deepEqual(problems, [], `\n${problems.join('\n')}\n`);
});

test("the README's layout table lists the folders of src/, each in its layer", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Layout\n'));
  assert.ok(section.length > 20, 'the README has a "## Layout" section');
  const listed = new Map<string, string>();
  for (const row of section.split('\n').filter((l) => l.startsWith('|'))) {
    const [layer, folders] = row
      .split('|')
      .slice(1, 3)
      .map((c) => c.trim());
    for (const m of (folders ?? '').matchAll(/`src\/([a-z-]+)`/g))
      listed.set(m[1] as string, layer as string);
  }
  const onDisk = readdirSync(join(REPO, 'src'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  assert.deepEqual(
    [...listed.keys()].sort(),
    onDisk,
    'the table names exactly the folders of src/',
  );
  for (const [folder, layer] of listed) {
    const inTable = LAYERS.findIndex((l) => l.folders.includes(folder)) + 1;
    assert.equal(
      layer,
      String(inTable),
      `src/${folder}: layer ${layer} in the README, ${inTable} in layers.ts`,
    );
  }
});

test("the README's Form 34A walk names ten files or fewer, all of them there", () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n### Follow a Form 34A\n');
  assert.ok(start > 0, 'the README has a "### Follow a Form 34A" section');
  const section = readme.slice(start + 1, readme.indexOf('\n#', start + 1));
  const files = [...section.matchAll(/^\d+\. `([^`]+)`/gm)].map((m) => m[1] as string);
  assert.ok(files.length >= 5 && files.length <= 10, `${files.length} files listed`);
  for (const f of files)
    assert.ok(existsSync(join(REPO, f)), `${f} (README, Follow a Form 34A) does not exist`);
});

describe('the checker', () => {
  const check = (files: Record<string, string>) => checkLayers(new Map(Object.entries(files)));

  test('passes imports from lower layers and within a folder', () => {
    assert.deepEqual(
      check({
        'src/log/merkle.ts': "import { ok } from '../basics/result.js';",
        'src/basics/result.ts': '',
        'src/server/app.ts':
          "import { a } from './routes/b.js';\nimport { m } from '../log/merkle.js';",
        'src/server/routes/b.ts': "import type { X } from '../errors.js';",
        'src/server/errors.ts': '',
        'web/src/verify.ts':
          "import { m } from '../../src/log/merkle.js';\nimport { h } from 'preact';",
      }),
      [],
    );
  });

  test('fails on a backward import, naming file:line', () => {
    assert.deepEqual(
      check({
        'src/log/merkle.ts': "// a comment\nimport { buildServer } from '../server/app.js';",
        'src/server/app.ts': '',
      }),
      [
        'src/log/merkle.ts:2: log (layer 2) imports src/server/app.ts (server, layer 12): a backward import',
      ],
    );
  });

  test('fails on every spelling of an import: export from, dynamic, type-only', () => {
    const problems = check({
      'src/election/fold.ts': [
        "export { x } from '../store/store.js';",
        "const m = await import('../cli/main.js');",
        "import type { S } from '../server/context.js';",
        "type C = typeof import('../verify/verify.js');",
      ].join('\n'),
    });
    assert.deepEqual(
      problems.map((p) => p.split(': ')[0]),
      [
        'src/election/fold.ts:1',
        'src/election/fold.ts:2',
        'src/election/fold.ts:3',
        'src/election/fold.ts:4',
      ],
      problems.join('\n'),
    );
  });

  test('fails on an import between two folders of one layer', () => {
    const problems = check({
      'src/verify/progress.ts': "import { P } from '../simulate/progress.js';",
    });
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /^src\/verify\/progress\.ts:1: .*same layer/);
  });

  test('fails when the pure core or the portal imports Node, or the portal imports outside the core', () => {
    const problems = check({
      'src/election/rules.ts': "import { readFileSync } from 'node:fs';\nimport x from 'left-pad';",
      'src/log/crypto.ts':
        "import { ed25519 } from '@noble/curves/ed25519.js';\ntype N = typeof import('node:crypto');",
      'web/src/live.ts': "import { s } from '../../src/store/store.js';\nimport 'node:path';",
    });
    assert.deepEqual(
      problems.map((p) => p.split(': ')[0]),
      [
        'src/election/rules.ts:1',
        'src/election/rules.ts:2',
        'web/src/live.ts:1',
        'web/src/live.ts:2',
      ],
      problems.join('\n'),
    );
  });

  test('fails on a folder in no layer and on an import leaving src/', () => {
    const problems = check({
      'src/misc/util.ts': '',
      'src/cli/main.ts': "import { t } from '../../test/helpers/test-log.js';",
    });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(
      problems[0] as string,
      /^src\/cli\/main\.ts:1: imports test\/helpers\/test-log\.js, outside src/,
    );
    assert.match(problems[1] as string, /^src\/misc\/util\.ts: its folder is in no layer/);
  });

  test('fails on an import cycle, even a type-only one inside a folder', () => {
    const problems = check({
      'src/server/app.ts': "import { routes } from './routes/form-routes.js';",
      'src/server/routes/form-routes.ts': "\nimport type { ServerContext } from '../app.js';",
    });
    assert.deepEqual(problems, [
      'import cycle: src/server/app.ts:1 -> src/server/routes/form-routes.ts:2 -> src/server/app.ts',
    ]);
  });

  test('reads static, re-export, dynamic and type imports with their lines', () => {
    const refs = importsOf(
      'src/x/a.ts',
      "import a from './a.js';\nimport type { B } from './b.js';\nimport { type C, type D } from './c.js';\nexport * from './d.js';\nconst e = () => import('./e.js');\nlet f: import('./f.js').F;\nimport './g.js';",
    );
    assert.deepEqual(
      refs.map((r) => `${r.line} ${r.specifier} ${r.typeOnly ? 'type' : 'value'}`),
      [
        '1 ./a.js value',
        '2 ./b.js type',
        '3 ./c.js type',
        '4 ./d.js value',
        '5 ./e.js value',
        '6 ./f.js type',
        '7 ./g.js value',
      ],
    );
  });
});
