import { readFileSync } from 'node:fs';
import type {
  AuditAnswer,
  AuditPaperEntered,
  AuditRoundClosed,
  AuditRoundStarted,
  AuditsAnswer,
} from '../../api/contract.js';
import { sniffFormType } from '../../election/form-upload.js';
import { toHex } from '../../log/bytes.js';
import { sha256 } from '../../log/crypto.js';
import { accepted, callApi, openSession, RefusedError } from '../official-session.js';
import { parse, requireOption, UsageError } from '../usage.js';

const HELP = `
kura audit start    --server URL --audit ID --contest ID --method macro|bravo|minerva --risk-limit N [--tree-size N]
kura audit approve  --server URL --audit ID
kura audit seed     --server URL --audit ID --seed DIGITS
kura audit sample   --server URL --audit ID [--draws N | --full]
kura audit enter    --server URL --audit ID --station CODE [--round N]
                    (--votes ID=N,... --rejected N [--total-valid N] | --not-found |
                     --votes ID=N,... --invalid N --ballots-not-found N)
                    (--form FILE | --form-sha256 HEX)
kura audit confirm  --server URL --entry N
kura audit close    --server URL --audit ID [--round N]
kura audit status   --server URL [--audit ID]
  (every command but status acts as an official: --account NAME with the
   password in --password-file FILE or KURA_PASSWORD, and --totp CODE for an
   administrator; or a session token in KURA_TOKEN)

A risk-limiting audit on the log (FORMATS.md §15), step by step: an
administrator proposes it (start) and another approves it; the dice rolled in
public are logged (seed); each round's sample is drawn by the server from the
seed and logged with its hash (sample), so anyone can recompute it; an audit
board member enters what each sampled station's paper says (enter: the form's
figures for a batch comparison, the sampled ballots' votes for ballot
polling), with a photo of the form, and another member confirms it
(confirm); an administrator closes the round with the risk the server
measures (close). status (no login) prints the risk now against the limit,
every round and the progress.

  --server URL          the kura server (the writer, for every command but status)
  --account NAME        the official acting
  --password-file FILE  a file holding the official's password (else KURA_PASSWORD)
  --totp CODE           the administrator's current authenticator code
  --audit ID            the audit's id
  --contest ID          start: the contest audited (e.g. president)
  --method M            start: macro (batch comparison, polling stations as
                        batches), bravo or minerva (ballot polling)
  --risk-limit N        start: the risk limit in percent (1 to 20)
  --tree-size N         start: the log size whose counted results are audited
                        (default: the latest signed checkpoint's)
  --seed DIGITS         seed: the dice rolled in public, 20 to 100 digits
  --draws N             sample: draws in the new round (default: the server's
                        estimate for a 90% chance of finishing with it)
  --full                sample: the last round, a full hand count of every station
  --station CODE        enter: the sampled station
  --round N             enter, close: the round (default: the latest)
  --votes ID=N,...      enter: each candidate's votes on the paper (ballot
                        polling: among the sampled ballots)
  --rejected N          enter: rejected ballots on the paper form
  --total-valid N       enter: total valid votes as written on the paper (default:
                        the sum of --votes)
  --not-found           enter: the station's paper form cannot be found (it
                        counts as the worst case)
  --invalid N           enter (ballot polling): sampled ballots that are invalid
  --ballots-not-found N
                        enter (ballot polling): sampled ballots not found
  --form FILE           enter: the photo of the paper form (JPEG, PNG or PDF),
                        uploaded and cited
  --form-sha256 HEX     enter: cite a photo already uploaded, by its SHA-256
  --entry N             confirm: the index of another member's paper entry

Exit codes: 0 done; 2 the server refused (one line: the HTTP status, the
error code, why and the field); 1 the server could not be reached; 64 usage.`;

const OPTIONS = {
  server: { type: 'string' },
  account: { type: 'string' },
  'password-file': { type: 'string' },
  totp: { type: 'string' },
  audit: { type: 'string' },
  contest: { type: 'string' },
  method: { type: 'string' },
  'risk-limit': { type: 'string' },
  'tree-size': { type: 'string' },
  seed: { type: 'string' },
  draws: { type: 'string' },
  full: { type: 'boolean' },
  station: { type: 'string' },
  round: { type: 'string' },
  votes: { type: 'string' },
  rejected: { type: 'string' },
  'total-valid': { type: 'string' },
  'not-found': { type: 'boolean' },
  invalid: { type: 'string' },
  'ballots-not-found': { type: 'string' },
  form: { type: 'string' },
  'form-sha256': { type: 'string' },
  entry: { type: 'string' },
} as const;

type Option = keyof typeof OPTIONS;
type Values = Partial<Record<Option, string | boolean>>;

const SESSION: Option[] = ['account', 'password-file', 'totp'];
/** The options each subcommand takes (besides --server). */
const TAKES: Record<string, readonly Option[]> = {
  start: [...SESSION, 'audit', 'contest', 'method', 'risk-limit', 'tree-size'],
  approve: [...SESSION, 'audit'],
  seed: [...SESSION, 'audit', 'seed'],
  sample: [...SESSION, 'audit', 'draws', 'full'],
  enter: [
    ...SESSION,
    'audit',
    'station',
    'round',
    'votes',
    'rejected',
    'total-valid',
    'not-found',
    'invalid',
    'ballots-not-found',
    'form',
    'form-sha256',
  ],
  confirm: [...SESSION, 'entry'],
  close: [...SESSION, 'audit', 'round'],
  status: ['audit'],
};

function wholeNumber(v: string | boolean | undefined, name: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^(0|[1-9][0-9]{0,9})$/.test(v) || Number(v) < min)
    throw new UsageError(`--${name} must be a whole number${min > 0 ? ` from ${min}` : ''}`);
  return Number(v);
}

function votesOf(text: string): Record<string, number> {
  const votes: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const [id, n] = pair.split('=');
    if (!id || n === undefined || !/^(0|[1-9][0-9]{0,9})$/.test(n))
      throw new UsageError(`--votes: "${pair}" is not ID=N`);
    votes[id] = Number(n);
  }
  return votes;
}

const str = (v: string | boolean | undefined): string | undefined =>
  typeof v === 'string' ? v : undefined;

export async function runAudit(args: string[]): Promise<number> {
  const a = parse(args, OPTIONS, HELP);
  if (!a) return 0;
  const [sub, ...extra] = a.positionals;
  if (!sub || !Object.hasOwn(TAKES, sub))
    throw new UsageError(
      sub
        ? `unknown subcommand "${sub}" (one of ${Object.keys(TAKES).join(', ')})`
        : `give a subcommand: ${Object.keys(TAKES).join(', ')}`,
      true,
    );
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`, true);
  const v = a.values as Values;
  const takes = TAKES[sub] as readonly Option[];
  for (const name of Object.keys(v) as Option[])
    if (name !== 'server' && !takes.includes(name))
      throw new UsageError(`--${name} does not apply to kura audit ${sub}`, true);
  const server = requireOption(str(v.server), 'server').replace(/\/$/, '');
  try {
    if (sub === 'status') return await status(server, str(v.audit));
    return await act(sub, server, v);
  } catch (e) {
    if (e instanceof RefusedError) {
      process.stderr.write(`kura audit ${sub}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}

const auditPath = (id: string) => `/api/v1/audits/${encodeURIComponent(id)}`;

/** The acts: a session, one call (two for a photo), the answer printed. */
async function act(sub: string, server: string, v: Values): Promise<number> {
  // Everything the user can get wrong is checked before logging in (a login is an entry).
  const plan = planAct(sub, v);
  const session = await openSession(server, {
    account: str(v.account),
    passwordFile: str(v['password-file']),
    totp: str(v.totp),
  });
  try {
    const out = await plan(server, session.token);
    process.stdout.write(out);
    return 0;
  } finally {
    await session.end();
  }
}

type Plan = (server: string, token: string) => Promise<string>;

function planAct(sub: string, v: Values): Plan {
  const post = async (server: string, token: string, path: string, json?: unknown) =>
    accepted(await callApi(server, 'POST', path, { token, ...(json ? { json } : {}) }));
  if (sub === 'confirm') {
    const entry = wholeNumber(requireOption(str(v.entry), 'entry'), 'entry') as number;
    return async (server, token) => {
      const r = await post(server, token, `/api/v1/audits/papers/${entry}/confirm`);
      return `entry ${entry} confirmed: logged as entry ${r.index}\n`;
    };
  }
  const audit = requireOption(str(v.audit), 'audit');
  const path = auditPath(audit);
  switch (sub) {
    case 'start': {
      const method = requireOption(str(v.method), 'method');
      if (!['macro', 'bravo', 'minerva'].includes(method))
        throw new UsageError('--method must be macro, bravo or minerva');
      const json = {
        audit,
        contest: requireOption(str(v.contest), 'contest'),
        method,
        riskLimit: wholeNumber(requireOption(str(v['risk-limit']), 'risk-limit'), 'risk-limit', 1),
        ...(v['tree-size'] !== undefined
          ? { treeSize: wholeNumber(v['tree-size'], 'tree-size', 1) }
          : {}),
      };
      return async (server, token) => {
        const r = await post(server, token, '/api/v1/audits', json);
        return `audit ${audit} proposed (entry ${r.index}), auditing the log at size ${r.treeSize}; another administrator approves it: kura audit approve --audit ${audit}\n`;
      };
    }
    case 'approve':
      return async (server, token) => {
        const r = await post(server, token, `${path}/approve`);
        return `audit ${audit} approved (entry ${r.index}); next, the dice: kura audit seed --audit ${audit} --seed DIGITS\n`;
      };
    case 'seed': {
      const seed = requireOption(str(v.seed), 'seed');
      if (!/^[0-9]{20,100}$/.test(seed)) throw new UsageError('--seed must be 20 to 100 digits');
      return async (server, token) => {
        const r = await post(server, token, `${path}/seed`, { seed });
        return `seed logged (entry ${r.index}); next: kura audit sample --audit ${audit}\n`;
      };
    }
    case 'sample': {
      if (v.full && v.draws !== undefined)
        throw new UsageError('give --draws N or --full, not both');
      const draws = wholeNumber(v.draws, 'draws', 1);
      const json = v.full ? { full: true } : draws !== undefined ? { draws } : {};
      return async (server, token) => {
        const r = (await post(
          server,
          token,
          `${path}/rounds`,
          json,
        )) as unknown as AuditRoundStarted;
        if (r.full)
          return `round ${r.round}: a full hand count of every station (entry ${r.index})\n`;
        const lines = r.draws.map(
          (d) =>
            `  draw ${d.draw}\t${d.station}${d.position !== undefined ? `\tballot ${d.position}` : ''}\tticket ${d.ticket}`,
        );
        return `round ${r.round}: ${r.draws.length} draws (entry ${r.index}, sample SHA-256 ${r.sampleSha256})\n${lines.join('\n')}\n`;
      };
    }
    case 'enter':
      return planEnter(v, audit);
    case 'close': {
      const given = wholeNumber(v.round, 'round', 1);
      return async (server, token) => {
        const round = given ?? (await latestRound(server, audit));
        const r = (await post(
          server,
          token,
          `${path}/rounds/${round}/close`,
        )) as unknown as AuditRoundClosed;
        const next = r.nextRoundSizes
          ? `; the next round needs about ${r.nextRoundSizes['0.9']} draws (90% chance of finishing), ${r.nextRoundSizes['0.7']} (70%)`
          : '';
        return `round ${round} closed (entry ${r.index}): risk ${r.risk} against the limit ${r.riskLimit / 100}: ${r.outcome}${next}\n`;
      };
    }
  }
  throw new UsageError(`unknown subcommand "${sub}"`, true);
}

/** The audit's latest round, read from the server (public). */
async function latestRound(server: string, audit: string): Promise<number> {
  const view = accepted(await callApi(server, 'GET', auditPath(audit))) as unknown as AuditAnswer;
  const last = view.rounds.at(-1);
  if (!last) throw new UsageError(`audit ${audit} has no round yet`);
  return last.round;
}

function planEnter(v: Values, audit: string): Plan {
  const station = requireOption(str(v.station), 'station');
  const round = wholeNumber(v.round, 'round', 1);
  const ballots = v.invalid !== undefined || v['ballots-not-found'] !== undefined;
  const notFound = v['not-found'] === true;
  if (notFound && (v.votes !== undefined || v.rejected !== undefined || ballots))
    throw new UsageError('--not-found takes no figures');
  const form = str(v.form);
  const formSha = str(v['form-sha256']);
  if (form && formSha) throw new UsageError('give --form FILE or --form-sha256 HEX, not both');
  if (formSha !== undefined && !/^[0-9a-f]{64}$/.test(formSha))
    throw new UsageError('--form-sha256 must be 64 lower-case hex digits');
  let photo: { data: Uint8Array<ArrayBuffer>; type: string; sha256: string } | null = null;
  if (form) {
    let data: Uint8Array<ArrayBuffer>;
    try {
      data = new Uint8Array(readFileSync(form));
    } catch {
      throw new UsageError(`--form ${form}: cannot read it`);
    }
    const type = sniffFormType(data);
    if (!type) throw new UsageError(`--form ${form} is not a JPEG, PNG or PDF`);
    photo = { data, type, sha256: toHex(sha256(data)) };
  }
  const cited = photo?.sha256 ?? formSha;
  let json: Record<string, unknown>;
  let kind: 'papers' | 'ballots';
  if (notFound) {
    kind = 'papers';
    json = { station, paper: 'not-found', ...(round ? { round } : {}) };
  } else {
    const votes = votesOf(requireOption(str(v.votes), 'votes'));
    if (!cited) throw new UsageError('give --form FILE or --form-sha256 HEX');
    if (ballots) {
      kind = 'ballots';
      json = {
        station,
        ...(round ? { round } : {}),
        votes,
        invalid: wholeNumber(requireOption(str(v.invalid), 'invalid'), 'invalid'),
        notFound: wholeNumber(
          requireOption(str(v['ballots-not-found']), 'ballots-not-found'),
          'ballots-not-found',
        ),
        form: cited,
      };
    } else {
      kind = 'papers';
      const sum = Object.values(votes).reduce((s, n) => s + n, 0);
      json = {
        station,
        ...(round ? { round } : {}),
        paper: 'counted',
        votes,
        rejected: wholeNumber(requireOption(str(v.rejected), 'rejected'), 'rejected'),
        totalValid: wholeNumber(v['total-valid'], 'total-valid') ?? sum,
        form: cited,
      };
    }
  }
  const path = auditPath(audit);
  return async (server, token) => {
    let out = '';
    if (photo) {
      const put = accepted(
        await callApi(
          server,
          'PUT',
          `${path}/forms/${photo.sha256}?station=${encodeURIComponent(station)}`,
          { token, bytes: { data: photo.data, type: photo.type } },
        ),
      );
      out += `photo ${photo.sha256} ${put.stored === 'new' ? 'uploaded' : 'already stored'} (${photo.data.length} bytes, ${photo.type})\n`;
    }
    const r = accepted(
      await callApi(server, 'POST', `${path}/${kind}`, { token, json }),
    ) as unknown as AuditPaperEntered;
    const diffs = r.differences.length
      ? `; differs from the log: ${r.differences.map((d) => `${d.field} ${d.paper} on paper, ${d.logged} logged`).join('; ')}`
      : kind === 'papers' && !notFound
        ? '; agrees with the log'
        : '';
    return `${out}station ${station}, round ${r.round}: entered as entry ${r.index}${diffs}; another board member confirms it: kura audit confirm --entry ${r.index}\n`;
  };
}

/** Public: the audits, or one audit's risk against its limit, its rounds and progress. */
async function status(server: string, audit: string | undefined): Promise<number> {
  if (audit === undefined) {
    const list = accepted(
      await callApi(server, 'GET', '/api/v1/audits'),
    ) as unknown as AuditsAnswer;
    if (!list.audits.length) {
      process.stdout.write('no audit on the log\n');
      return 0;
    }
    for (const a of list.audits)
      process.stdout.write(
        `${a.id}\t${a.contest}\t${a.method}\t${a.status}\trisk ${a.risk} (limit ${a.riskLimit}%)\t${a.rounds.length} round(s)\n`,
      );
    return 0;
  }
  const a = accepted(await callApi(server, 'GET', auditPath(audit))) as unknown as AuditAnswer;
  const limit = a.riskLimit / 100;
  const lines = [
    `audit ${a.id}: ${a.contest}, ${a.method}, risk limit ${a.riskLimit}% (the log at size ${a.treeSize})`,
    `status: ${a.status}`,
    `risk now: ${a.risk} against the limit ${limit}: ${a.risk <= limit ? 'met' : 'not met'}`,
    `proposed by ${a.proposedBy} (entry ${a.proposedAt}); ${a.approvedBy ? `approved by ${a.approvedBy} (entry ${a.approvedAt})` : 'not approved yet'}`,
    a.seed ? `seed ${a.seed} (entry ${a.seedAt})` : 'no seed yet',
    ...a.assertions.map((x) => `assertion ${x.id}: ${x.description} (margin ${x.margin})`),
  ];
  for (const r of a.rounds) {
    const confirmed = r.papers.filter((p) => p.confirmedBy !== null).length;
    const differing = r.papers.filter((p) => p.differences.length > 0).length;
    const what = r.full
      ? 'full count'
      : `${r.draws.length} draws, sample SHA-256 ${r.sampleSha256}`;
    const end = r.closedAt === null ? 'open' : `closed: risk ${r.risk}, ${r.outcome}`;
    lines.push(
      `round ${r.round} (entry ${r.startedAt}): ${what}; ${r.papers.length} entered, ${confirmed} confirmed, ${differing} differ from the log; ${end}`,
    );
  }
  const t = a.progress.total;
  lines.push(
    `progress: ${t.sampled} of ${t.stations} stations sampled, ${t.entered} entered, ${t.confirmed} confirmed`,
  );
  for (const c of a.progress.counties)
    if (c.sampled > 0)
      lines.push(
        `  ${c.county} ${c.name}: ${c.sampled} sampled, ${c.entered} entered, ${c.confirmed} confirmed`,
      );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
