// The nginx front's configuration: the shipped example is the template's
// rendering (scripts/render-deploy.ts), Debian's nginx accepts the template
// as an unprivileged user in a temporary prefix, and kura cluster without
// nginx is one line and exit 69.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { EXAMPLE_FRONT_FILE } from '../../scripts/render-deploy.js';
import { findNginx } from '../../src/cluster/cluster.js';
import { EXAMPLE_FRONT, FRONT_DIRS, renderFrontConfig } from '../../src/cluster/nginx-front.js';
import { kura } from '../helpers/kura-cli.js';

const run = promisify(execFile);

function nginxPath(): string | null {
  try {
    return findNginx();
  } catch {
    return null;
  }
}
const nginx = nginxPath();

describe('the nginx front configuration', () => {
  test('deploy/nginx/kura-front.conf is the template rendered for the documented layout', () => {
    assert.equal(
      readFileSync(EXAMPLE_FRONT_FILE, 'utf8'),
      renderFrontConfig(EXAMPLE_FRONT),
      `${EXAMPLE_FRONT_FILE} is out of date: npx tsx scripts/render-deploy.ts`,
    );
    const text = readFileSync(EXAMPLE_FRONT_FILE, 'utf8');
    // Every path nginx writes is under the prefix (no /var/log/nginx, /var/lib/nginx, /run).
    const paths = [
      ...text.matchAll(/^\s*(?:pid|\S+_temp_path|access_log|proxy_cache_path) (\S+)/gm),
    ];
    assert.ok(paths.length >= 8);
    for (const [, path] of paths) assert.ok(path?.startsWith('/var/lib/kura-front/'), path);
    // The live-update streams pass through as they come, open for long, never cached.
    const events = /location = \/log\/events \{([^}]*)\}/.exec(text)?.[1] ?? '';
    assert.match(events, /proxy_buffering off;/);
    assert.match(events, /proxy_cache off;/);
    assert.match(events, /proxy_read_timeout 1h;/);
  });

  test('Debian nginx accepts it, as an unprivileged user in a temporary prefix', {
    skip: !process.env.CI && !nginx && 'no nginx (apt-get install nginx)',
  }, async () => {
    const prefix = mkdtempSync(join(tmpdir(), 'kura-front-conf-'));
    try {
      for (const d of FRONT_DIRS) mkdirSync(join(prefix, d), { recursive: true });
      const conf = join(prefix, 'nginx.conf');
      writeFileSync(
        conf,
        renderFrontConfig({
          ...EXAMPLE_FRONT,
          listen: { host: '127.0.0.1', port: 8080 },
          prefix,
        }),
      );
      // Root (as CI runs) tests as nobody: the config must need no privilege.
      const asRoot = process.getuid?.() === 0;
      if (asRoot) for (const d of ['', ...FRONT_DIRS]) chownSync(join(prefix, d), 65534, 65534);
      const checked = await run(
        findNginx(),
        ['-t', '-p', prefix, '-c', conf, '-e', 'stderr', '-g', 'daemon off;'],
        asRoot ? { uid: 65534, gid: 65534 } : {},
      );
      assert.match(checked.stderr, /syntax is ok/);
      assert.match(checked.stderr, /test is successful/);
      // A broken template would be refused: the check can fail.
      writeFileSync(conf, renderFrontConfig({ ...EXAMPLE_FRONT, prefix }).replace('map ', 'mapp '));
      await assert.rejects(
        run(
          findNginx(),
          ['-t', '-p', prefix, '-c', conf, '-e', 'stderr'],
          asRoot ? { uid: 65534, gid: 65534 } : {},
        ),
        /unknown directive "mapp"/,
      );
    } finally {
      rmSync(prefix, { recursive: true, force: true });
    }
  });

  test('kura cluster without nginx: one line saying how to install it, exit 69', async () => {
    const r = await kura(
      'cluster',
      '--db',
      'postgres://postgres@127.0.0.1:5432/none',
      '--nginx',
      '/nonexistent/nginx',
    );
    assert.equal(r.code, 69, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      /^kura cluster: no nginx at \/nonexistent\/nginx \(install Debian's: apt-get install nginx\)/,
    );
    const usage = await kura('cluster', '--db', 'kura-data/mine');
    assert.equal(usage.code, 64);
    assert.match(usage.stderr, /^kura cluster: --db must be a PostgreSQL URL/);
  });
});
