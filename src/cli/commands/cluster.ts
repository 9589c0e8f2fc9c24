import { Cluster, NginxMissingError } from '../../cluster/cluster.js';
import { Terminal } from '../../platform/terminal.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura cluster --db postgres://... [--election DIR] [--readers N] [--host H] [--port P]
             [--commission-key FILE] [--nginx PATH]

Starts on this machine the layout of a national deployment: a writer and its
hot standby on one PostgreSQL database, N stateless readers, and nginx in
front on one public port. Writes go to the writer (the standby when it has
taken over), reads to the readers, served from nginx's cache as the log
allows. Each process is what one machine runs in docs/DEPLOY.md. It prints
one line per process (role, address, pid) once all of them answer, their
output above that, and stops them all on Ctrl-C or SIGTERM.

  --db URL            the PostgreSQL (>= 15) database of the log
  --election DIR      the election directory (kura election); needed when the
                      database is empty, checked against the log otherwise
  --readers N         how many readers (default 2)
  --host H, --port P  the public address (default 127.0.0.1:8080); the
                      writer, standby and readers listen on 127.0.0.1, ports
                      P+1, P+2, P+3...; --port 0 picks free ports for all
  --commission-key FILE
                      officials' logins and acts on the writer and standby
                      (as kura serve --commission-key)
  --nginx PATH        the nginx binary (default: nginx on PATH, then
                      /usr/sbin/nginx)

Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 a process failed, 64 usage,
69 nginx is not installed (Debian: apt-get install nginx).`;

/** EX_UNAVAILABLE: a program kura needs is missing. */
export const EXIT_NGINX_MISSING = 69;

function count(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!/^[0-9]{1,5}$/.test(value) || Number(value) < min || Number(value) > 65535)
    throw new UsageError(`--${flag} must be a whole number from ${min}, not ${value}`);
  return Number(value);
}

export async function runCluster(args: string[]): Promise<number> {
  const a = parse(
    args,
    {
      db: { type: 'string' },
      election: { type: 'string' },
      readers: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      'commission-key': { type: 'string' },
      nginx: { type: 'string' },
    },
    HELP,
  );
  if (!a) return 0;
  const db = requireOption(a.values.db, 'db');
  if (!/^postgres(ql)?:\/\//.test(db))
    throw new UsageError(
      '--db must be a PostgreSQL URL (postgres://...): the cluster shares one database',
    );
  const readers = count(a.values.readers, 'readers', 2, 1);
  if (readers > 64) throw new UsageError('--readers must be at most 64');
  const port = count(a.values.port, 'port', 8080, 0);
  if (port !== 0 && port + 2 + readers > 65535)
    throw new UsageError(`--port ${port} leaves no room for the ports after it`);

  const terminal = new Terminal(process.stderr);
  let cluster: Cluster;
  try {
    cluster = await Cluster.start({
      db,
      election: a.values.election,
      commissionKey: a.values['commission-key'],
      readers,
      host: a.values.host,
      port,
      nginx: a.values.nginx,
      terminal,
    });
  } catch (e) {
    terminal.close();
    if (e instanceof NginxMissingError) {
      process.stderr.write(`kura cluster: ${e.message}\n`);
      return EXIT_NGINX_MISSING;
    }
    throw e;
  }
  const width = Math.max(...cluster.members.map((m) => m.name.length));
  // On stdout, as kura serve prints its address: the lines a script reads.
  for (const m of cluster.members)
    process.stdout.write(
      `kura cluster: ${m.name.padEnd(width)}  ${m.url}  pid ${m.pid}  ${describe(m.role)}\n`,
    );
  process.stdout.write(
    `kura cluster: the front's config, cache and access log: ${cluster.frontDir}\n` +
      `kura cluster: serving on ${cluster.url} (Ctrl-C stops every process)\n`,
  );

  const why = await new Promise<string | null>((resolve) => {
    process.once('SIGINT', () => resolve(null));
    process.once('SIGTERM', () => resolve(null));
    void cluster.failed().then(resolve);
  });
  if (why) terminal.print(`kura cluster: ${why}; stopping\n`);
  else terminal.print('kura cluster: stopping every process\n');
  await cluster.stop();
  terminal.print('kura cluster: stopped\n');
  terminal.close();
  return why ? 1 : 0;
}

function describe(role: string): string {
  switch (role) {
    case 'front':
      return 'nginx: the public address (writes to the writer, reads to the readers, cached)';
    case 'writer':
      return 'the writer (holds the lease; signs and appends)';
    case 'standby':
      return 'the standby (takes over when the writer dies; listens only then)';
    default:
      return 'a reader (read-only; follows the writer)';
  }
}
