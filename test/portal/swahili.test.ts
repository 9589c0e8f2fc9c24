// Every word of the portal has its Swahili: the dictionaries (web/src/i18n.ts,
// verify-text.ts, audit-text.ts, error-text.ts) give each English message a Swahili one that
// is not the English again, with the same placeholders; every error code of
// the server's catalogue has plain words in both languages; and no .tsx file
// renders words of its own instead of going through the dictionaries. Each
// check is shown to fail on a synthetic case.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import catalogue from '../../src/server/error-catalogue.json' with { type: 'json' };
import { literalWords, untranslated } from './ui-strings.js';

type Dictionary = Record<string, string>;
type Both = Record<'en' | 'sw', Dictionary>;
// Loaded by path: the portal's modules resolve as the bundler does, not as Node's ESM.
const web = (file: string) => import(join(process.cwd(), 'web/src', file));
const { dictionaries } = (await web('i18n.ts')) as { dictionaries: Both };
const { LINE_TEXTS, VALUE_TEXTS } = (await web('verify-text.ts')) as {
  LINE_TEXTS: Both;
  VALUE_TEXTS: Both;
};
const { AUDIT_TEXTS } = (await web('audit-text.ts')) as { AUDIT_TEXTS: Both };
const { ERROR_TEXTS } = (await web('error-text.ts')) as {
  ERROR_TEXTS: Record<'api' | 'log' | 'http', Both>;
};

/**
 * Words written into the portal's JSX as they are, and why they need no
 * Swahili. Matched on the whole text; anything else fails.
 */
const LITERAL_ALLOWED: Record<string, string> = {
  'SHA-256': 'the name of the hash function, the same in every language',
  HTTP: 'the protocol’s name, before a status code shown as the error code',
  CSV: 'a file format’s name',
  JSON: 'a file format’s name',
  'nist-err.json': 'a file name',
  '/log/checkpoint': 'an address of the log',
  '/log/key': 'an address of the log',
  '/log/tile/…': 'an address of the log',
  '/api/v1/election': 'an address of the API',
  'Omare B.D.A. and Omare G.J.M. (2017), Kenya County Assembly Boundaries':
    'the title of the boundary data set the map credits (CC BY asks for it as published)',
  'CC BY 4.0': 'the licence’s name',
};

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return tsxFiles(p);
    return d.name.endsWith('.tsx') ? [p] : [];
  });
}

describe('Swahili for every word of the portal', () => {
  test('every message has its Swahili, not the English again, with the same placeholders', () => {
    const problems = [
      ...untranslated('i18n', dictionaries.en, dictionaries.sw),
      ...untranslated('verify-text', LINE_TEXTS.en, LINE_TEXTS.sw),
      ...untranslated('verify-values', VALUE_TEXTS.en, VALUE_TEXTS.sw),
      ...untranslated('audit-text', AUDIT_TEXTS.en, AUDIT_TEXTS.sw),
      ...untranslated('errors.api', ERROR_TEXTS.api.en, ERROR_TEXTS.api.sw),
      ...untranslated('errors.log', ERROR_TEXTS.log.en, ERROR_TEXTS.log.sw),
      ...untranslated('errors.http', ERROR_TEXTS.http.en, ERROR_TEXTS.http.sw),
    ];
    assert.deepEqual(problems, []);
    assert.ok(Object.keys(dictionaries.en).length > 200, 'the dictionaries were read');
  });

  test('every error code of the server’s catalogue has plain words in both languages', () => {
    const codes = Object.keys(catalogue);
    assert.ok(codes.length > 50);
    const missing = codes.filter((c) => !Object.hasOwn(ERROR_TEXTS.api.en, c));
    assert.deepEqual(missing, [], 'codes without plain words in web/src/error-text.ts');
    const stale = Object.keys(ERROR_TEXTS.api.en).filter((c) => !codes.includes(c));
    assert.deepEqual(stale, [], 'words for codes the server no longer has');
    // Plain words, not the catalogue's message again.
    const same = codes.filter(
      (c) =>
        ERROR_TEXTS.api.en[c] === (catalogue as Record<string, { message: string }>)[c]?.message,
    );
    assert.ok(same.length < codes.length / 4, `mostly reworded: ${same.join(', ')}`);
  });

  test('no .tsx file renders words that bypass the dictionaries', () => {
    const found = tsxFiles('web/src').flatMap((f) =>
      literalWords(f, readFileSync(f, 'utf8')).filter(
        (x) => !Object.hasOwn(LITERAL_ALLOWED, x.text),
      ),
    );
    assert.deepEqual(found, [], 'put these in web/src/i18n.ts (en and sw) and use t()');
    assert.ok(tsxFiles('web/src').length >= 10, 'the portal’s files were scanned');
  });

  test('the checks fail on synthetic cases', () => {
    const en = { a: 'Votes', b: 'Polling station {code}', c: '{name}: {why}', d: 'Results' };
    assert.deepEqual(
      untranslated('x', en, { a: 'Votes', b: 'Kituo {msimbo}', c: '{name}: {why}', d: ' ' }).map(
        (p) => p.where,
      ),
      ['x.a', 'x.b', 'x.d'],
      'the English again; other placeholders; empty (placeholders alone need none)',
    );
    assert.deepEqual(
      untranslated('x', { a: 'Votes' }, { a: 'Votes', z: 'Kura' }, { a: 'a party’s name' }).map(
        (p) => p.where,
      ),
      ['x.z'],
      'an allowed key passes; a Swahili key without English is reported',
    );
    const source = `
      export function P(props: { n: number; ok: boolean }) {
        const { t } = useT();
        return (
          <section aria-label="Summary">
            <h2>{t('votes')}</h2>
            <p>Form 34A</p>
            <p>{props.ok ? t('met') : 'Not met'}</p>
            <p>{\`\${props.n} votes\`}</p>
            <img alt={props.ok ? t('map') : 'map'} src="/x.png" />
            <p class="mono">{props.n} · {'#'}</p>
            <p>{t(\`flag.\${'over-cap'}\`)}</p>
          </section>
        );
      }`;
    assert.deepEqual(
      literalWords('P.tsx', source).map((x) => x.text),
      ['Summary', 'Form 34A', 'Not met', 'votes', 'map'],
    );
  });
});
