// The public audit pages (docs/FORMATS.md §15): the list of audits, and one
// audit: the risk now against its limit (and after each round, as a chart),
// the public seed and the entry that logged it, the progress per county, where
// the paper differs from the log (with the photos of the forms), the sample
// and the rounds. Every figure is the server's answer, which it derives from
// the log; `kura verify` recomputes the same from the log alone.
import '../audit.css';
import { useJson } from '../api';
import { type AuditKey, useAuditT } from '../audit-text';
import {
  type AuditAnswer,
  type AuditPaperView,
  type AuditsAnswer,
  type AuditView,
  auditUrl,
  discrepancies,
  formatRisk,
  type PaperState,
  paperState,
  riskPoints,
  sampleRows,
} from '../audits';
import { Failure, Loading } from '../components/Layout';
import { RiskChart } from '../components/RiskChart';
import { TableFrame } from '../components/TableFrame';
import { contestTitle, useElection } from '../election';
import { formatNumber, useT } from '../i18n';
import { useLive } from '../live';
import { useCandidates, usePlace } from '../names';
import { auditHref, stationHref } from '../router';

const NO_FORM = '0'.repeat(64);

/** A link to a log entry, as the record page shows them. */
const entry = (i: number) => (
  <a href={`/api/v1/entries/${i}`} class="mono">
    #{i}
  </a>
);

function useContestName(): (id: string) => string {
  const { t } = useT();
  const election = useElection();
  return (id) => {
    const c = election.contests.find((x) => x.id === id);
    return c ? contestTitle(t, c) : id;
  };
}

/** The status of an audit as a badge: green when finished well, red when overturned. */
function StatusBadge(props: { status: AuditView['status'] }) {
  const ta = useAuditT();
  const s = props.status;
  const tone =
    s === 'risk-limit-met' || s === 'confirmed'
      ? 'badge-pass'
      : s === 'overturned'
        ? 'badge-fail'
        : 'badge-warn';
  return (
    <span class={`badge ${tone}`} data-testid="audit-status" data-status={s}>
      {ta(`status.${s}`)}
    </span>
  );
}

export function AuditListPage() {
  const { t, lang } = useT();
  const ta = useAuditT();
  const { version } = useLive();
  const contestName = useContestName();
  const list = useJson<AuditsAnswer>('/api/v1/audits', version);
  return (
    <article class="audit-page">
      <header class="page-head">
        <h1>{ta('auditsTitle')}</h1>
        <p class="muted">{ta('auditsIntro')}</p>
      </header>
      {list.state === 'loading' && <Loading />}
      {list.state === 'error' && <Failure error={list.error} />}
      {list.state === 'ready' && list.data.audits.length === 0 && (
        <p data-testid="no-audits">{ta('noAudits')}</p>
      )}
      {list.state === 'ready' && list.data.audits.length > 0 && (
        <TableFrame label={ta('auditsTitle')} stack>
          <table class="results" data-testid="audit-list">
            <thead>
              <tr>
                <th scope="col">{ta('auditName')}</th>
                <th scope="col">{ta('method')}</th>
                <th scope="col" class="num">
                  {ta('riskLimit')}
                </th>
                <th scope="col" class="num">
                  {ta('riskNow')}
                </th>
                <th scope="col">{t('status')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.audits.map((a) => (
                <tr data-audit={a.id}>
                  <th scope="row">
                    <a href={auditHref(a.id)}>{contestName(a.contest)}</a>
                    <span class="sub mono">{a.id}</span>
                  </th>
                  <td>{ta(`method.${a.method}`)}</td>
                  <td class="num" data-figure="risk-limit">
                    {formatRisk(lang, a.riskLimit / 100)}
                  </td>
                  <td class="num" data-figure="risk" data-risk={a.risk}>
                    {formatRisk(lang, a.risk)}
                  </td>
                  <td>
                    <StatusBadge status={a.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableFrame>
      )}
    </article>
  );
}

export function AuditPage(props: { id: string }) {
  const { version } = useLive();
  const answer = useJson<AuditAnswer>(auditUrl(props.id), version);
  if (answer.state === 'loading') return <Loading />;
  if (answer.state === 'error') return <Failure error={answer.error} />;
  return <Audit a={answer.data} />;
}

function Audit(props: { a: AuditAnswer }) {
  const { t, lang } = useT();
  const ta = useAuditT();
  const contestName = useContestName();
  const a = props.a;
  const draws = a.rounds.reduce((n, r) => n + r.draws.length, 0);
  const { total } = a.progress;
  return (
    <article class="audit-page" data-testid="audit" data-audit={a.id}>
      <header class="page-head">
        <p class="eyebrow">
          <a href="/audit">{ta('allAudits')}</a>
        </p>
        <h1>{ta('auditOf', { contest: contestName(a.contest) })}</h1>
        <p>
          <StatusBadge status={a.status} /> <span class="muted">{ta(`method.${a.method}`)}</span> ·{' '}
          <span class="mono">{a.id}</span>
        </p>
      </header>
      <dl class="figures" data-testid="audit-figures">
        <div>
          <dt>{ta('riskNow')}</dt>
          <dd class="big" data-figure="risk" data-risk={a.risk}>
            {formatRisk(lang, a.risk)}
          </dd>
        </div>
        <div>
          <dt>{ta('riskLimit')}</dt>
          <dd class="big" data-figure="risk-limit">
            {formatRisk(lang, a.riskLimit / 100)}
          </dd>
        </div>
        <div>
          <dt>{ta('drawsSoFar')}</dt>
          <dd class="big" data-figure="draws">
            {formatNumber(lang, draws)}
          </dd>
        </div>
        <div>
          <dt>{ta('stationsChecked')}</dt>
          <dd>
            <span class="big" data-figure="confirmed">
              {formatNumber(lang, total.confirmed)}
            </span>
            <span class="small">
              {t('of')} {formatNumber(lang, total.sampled)}
            </span>
          </dd>
        </div>
      </dl>
      <p class="hint">{ta('riskExplained')}</p>

      <section class="panel" aria-labelledby="chart-h">
        <h2 id="chart-h">{ta('chartTitle')}</h2>
        {riskPoints(a).length === 0 && <p>{ta('chartNone')}</p>}
        <RiskChart points={riskPoints(a)} limit={a.riskLimit / 100} />
      </section>

      <Seed a={a} />
      <Rounds a={a} />
      <Progress a={a} />
      {a.method === 'macro' ? <Discrepancies a={a} /> : <BallotsRead a={a} />}
      <Sample a={a} />
      <Assertions a={a} />

      <section class="panel" aria-labelledby="facts-h">
        <h2 id="facts-h">{ta('aboutTitle')}</h2>
        <dl class="facts">
          <dt>{ta('proposed')}</dt>
          <dd>
            {ta('byAccount', { account: a.proposedBy })} · {entry(a.proposedAt)}
          </dd>
          <dt>{ta('approved')}</dt>
          <dd>
            {a.approvedAt === null ? (
              ta('notYet')
            ) : (
              <>
                {ta('byAccount', { account: a.approvedBy ?? '' })} · {entry(a.approvedAt)}
              </>
            )}
          </dd>
          {a.errorBound !== null && (
            <>
              <dt>{ta('errorBound')}</dt>
              <dd data-figure="error-bound">
                {a.errorBound.toLocaleString(lang === 'sw' ? 'sw-KE' : 'en-KE', {
                  maximumSignificantDigits: 6,
                })}
              </dd>
            </>
          )}
        </dl>
        <p class="downloads">
          {ta('openData')}{' '}
          <a href={`${auditUrl(a.id)}/data?format=csv`} download data-testid="audit-csv">
            CSV
          </a>{' '}
          ·{' '}
          <a href={`${auditUrl(a.id)}/data?format=json`} download data-testid="audit-json">
            JSON
          </a>
        </p>
      </section>
    </article>
  );
}

function Seed(props: { a: AuditView }) {
  const ta = useAuditT();
  const a = props.a;
  return (
    <section class="panel" aria-labelledby="seed-h" data-testid="seed">
      <h2 id="seed-h">{ta('seedTitle')}</h2>
      <p class="muted">{ta('seedIntro')}</p>
      {a.seed === null || a.seedAt === null ? (
        <p>{ta('seedMissing')}</p>
      ) : (
        <>
          <p class="seed mono" data-testid="seed-digits">
            {a.seed}
          </p>
          <p>
            {ta('seedLogged')} {entry(a.seedAt)}
          </p>
        </>
      )}
    </section>
  );
}

function Rounds(props: { a: AuditView }) {
  const { lang } = useT();
  const ta = useAuditT();
  const a = props.a;
  if (a.rounds.length === 0) return null;
  return (
    <section class="panel" aria-labelledby="rounds-h">
      <h2 id="rounds-h">{ta('historyTitle')}</h2>
      <TableFrame label={ta('historyTable')} stack>
        <table class="results" data-testid="rounds">
          <thead>
            <tr>
              <th scope="col">{ta('round')}</th>
              <th scope="col" class="num">
                {ta('newDraws')}
              </th>
              <th scope="col" class="num">
                {ta('stationsChecked')}
              </th>
              <th scope="col" class="num">
                {ta('risk')}
              </th>
              <th scope="col">{ta('outcome')}</th>
              <th scope="col">{ta('started')}</th>
              <th scope="col">{ta('closed')}</th>
            </tr>
          </thead>
          <tbody>
            {a.rounds.map((r) => (
              <tr data-round={r.round}>
                <th scope="row">
                  {formatNumber(lang, r.round)}
                  {r.full && <span class="sub">{ta('fullCount')}</span>}
                </th>
                <td class="num" data-figure="round-draws">
                  {formatNumber(lang, r.draws.length)}
                </td>
                <td class="num" data-figure="round-confirmed">
                  {formatNumber(lang, r.papers.filter((p) => p.confirmedBy !== null).length)}
                </td>
                <td class="num" data-figure="round-risk" data-risk={r.risk ?? ''}>
                  {r.risk === null ? '–' : formatRisk(lang, Number(r.risk))}
                </td>
                <td>{r.outcome === null ? ta('open') : ta(`outcome.${r.outcome}`)}</td>
                <td>{entry(r.startedAt)}</td>
                <td>{r.closedAt === null ? '–' : entry(r.closedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableFrame>
    </section>
  );
}

function Progress(props: { a: AuditAnswer }) {
  const { lang } = useT();
  const ta = useAuditT();
  const counties = props.a.progress.counties.filter((c) => c.sampled > 0);
  const n = (x: number) => formatNumber(lang, x);
  const width = (part: number, whole: number) => `${whole > 0 ? (100 * part) / whole : 0}%`;
  return (
    <section class="panel" aria-labelledby="progress-h">
      <h2 id="progress-h">{ta('progressTitle')}</h2>
      <p class="muted">{ta('progressIntro')}</p>
      {counties.length === 0 ? (
        <p>{ta('progressNone')}</p>
      ) : (
        <>
          <ul class="progress-list" data-testid="progress">
            {counties.map((c) => (
              <li data-county={c.county}>
                <p class="progress-name">
                  <span>{c.name}</span>
                  <span data-figure="county-confirmed">
                    {n(c.confirmed)} / {n(c.sampled)}
                  </span>
                </p>
                {/* The words are the line above; the bar repeats them as a picture. */}
                <div class="progress-bar" aria-hidden="true">
                  <span class="done" style={{ width: width(c.confirmed, c.sampled) }} />
                  <span
                    class="entered"
                    style={{ width: width(c.entered - c.confirmed, c.sampled) }}
                  />
                </div>
                <span class="sr-only">
                  {ta('progressCounty', {
                    county: c.name,
                    done: n(c.confirmed),
                    total: n(c.sampled),
                  })}
                </span>
              </li>
            ))}
          </ul>
          <p class="progress-key" aria-hidden="true">
            <span>
              <span class="swatch done" />
              {ta('paper.confirmed')}
            </span>
            <span>
              <span class="swatch entered" />
              {ta('paper.entered')}
            </span>
            <span>
              <span class="swatch drawn" />
              {ta('paper.awaiting')}
            </span>
          </p>
        </>
      )}
    </section>
  );
}

/** A drawn station by the name the audit's answer gives it, linked to its page. */
function Station(props: { code: string; stations: AuditAnswer['stations'] }) {
  return (
    <a href={stationHref(props.code)} title={props.code}>
      {props.stations[props.code]?.name ?? props.code}
    </a>
  );
}

const PAPER_TONE: Record<PaperState, string> = {
  awaiting: 'badge',
  entered: 'badge badge-warn',
  confirmed: 'badge badge-pass',
  differs: 'badge badge-fail',
  'not-found': 'badge badge-fail',
};

function Sample(props: { a: AuditAnswer }) {
  const { t, lang } = useT();
  const ta = useAuditT();
  const rows = sampleRows(props.a);
  const polling = props.a.method !== 'macro';
  return (
    <section class="panel" aria-labelledby="sample-h">
      <h2 id="sample-h">{ta('sampleTitle')}</h2>
      <p class="muted">{ta('sampleIntro')}</p>
      {rows.length === 0 ? (
        <p>{ta('sampleNone')}</p>
      ) : (
        <TableFrame label={ta('sampleTable')} stack>
          <table class="results" data-testid="sample">
            <thead>
              <tr>
                <th scope="col">{ta('draw')}</th>
                <th scope="col">{t('station')}</th>
                {polling && (
                  <th scope="col" class="num">
                    {ta('ballot')}
                  </th>
                )}
                <th scope="col">{ta('ticket')}</th>
                <th scope="col" class="num">
                  {ta('round')}
                </th>
                <th scope="col">{ta('paper')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr data-draw={r.draw} data-station={r.station}>
                  <th scope="row" class="mono">
                    {formatNumber(lang, r.draw)}
                  </th>
                  <td class="wide">
                    <Station code={r.station} stations={props.a.stations} />
                  </td>
                  {polling && (
                    <td class="num" data-figure="position">
                      {r.position === undefined ? '–' : formatNumber(lang, r.position)}
                    </td>
                  )}
                  <td class="mono ticket wide" data-ticket={r.ticket}>
                    {r.ticket}
                  </td>
                  <td class="num" data-figure="round">
                    {formatNumber(lang, r.round)}
                  </td>
                  <td>
                    <span class={PAPER_TONE[r.state]} data-paper={r.state}>
                      {ta(`paper.${r.state}`)}
                    </span>
                    {r.paper && entry(r.paper.entryIndex)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableFrame>
      )}
    </section>
  );
}

/** A figure's name: a candidate by name, or the form's totals. */
function useFieldName(contest: string, station: string): (field: string) => string {
  const ta = useAuditT();
  const place = usePlace('station', station);
  const names = useCandidates(contest, place ? place.ward : null);
  const words: Record<string, AuditKey> = {
    rejected: 'rejected',
    totalValid: 'totalValid',
    invalid: 'invalid',
    notFound: 'notFoundBallots',
  };
  return (field) => {
    const word = words[field];
    if (word) return ta(word);
    const id = field.replace(/^votes\./, '');
    return names.get(id)?.name ?? id;
  };
}

function Discrepancy(props: {
  contest: string;
  p: AuditPaperView;
  stations: AuditAnswer['stations'];
}) {
  const { lang } = useT();
  const ta = useAuditT();
  const p = props.p;
  const name = useFieldName(props.contest, p.station);
  return (
    <>
      <p class="record-head">
        {entry(p.entryIndex)} <Station code={p.station} stations={props.stations} />{' '}
        <span class={PAPER_TONE[paperState(p)]}>{ta(`paper.${paperState(p)}`)}</span>
      </p>
      {p.paper === 'not-found' ? (
        <p data-testid="not-found">{ta('notFoundWorst')}</p>
      ) : (
        <table class="record-figures" data-testid={`differences-${p.entryIndex}`}>
          <thead>
            <tr>
              <th scope="col">{ta('field')}</th>
              <th scope="col" class="num">
                {ta('onPaper')}
              </th>
              <th scope="col" class="num">
                {ta('inLog')}
              </th>
            </tr>
          </thead>
          <tbody>
            {p.differences.map((d) => (
              <tr class="differs" data-field={d.field}>
                <th scope="row">{name(d.field)}</th>
                <td class="num" data-label={ta('onPaper')} data-figure="paper">
                  {formatNumber(lang, d.paper)}
                </td>
                <td class="num" data-label={ta('inLog')} data-figure="logged">
                  {formatNumber(lang, d.logged)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <dl class="facts">
        <dt>{ta('formPhoto')}</dt>
        <dd>
          {p.form === NO_FORM ? (
            ta('noPhoto')
          ) : (
            <a href={`/api/v1/forms/${p.form}`} data-testid="form-photo">
              {ta('formPhoto')}
            </a>
          )}
        </dd>
        <dt>{ta('enteredBy')}</dt>
        <dd>
          <strong>{p.enteredBy}</strong>
        </dd>
        <dt>{ta('confirmedBy')}</dt>
        <dd>
          {p.confirmedBy === null ? (
            ta('notYet')
          ) : (
            <>
              <strong>{p.confirmedBy}</strong>
              {p.confirmedAt !== null && <> · {entry(p.confirmedAt)}</>}
            </>
          )}
        </dd>
      </dl>
    </>
  );
}

function Discrepancies(props: { a: AuditAnswer }) {
  const ta = useAuditT();
  const list = discrepancies(props.a);
  return (
    <section class="panel" aria-labelledby="disc-h">
      <h2 id="disc-h">{ta('discrepanciesTitle')}</h2>
      <p class="muted">{ta('discrepanciesIntro')}</p>
      {list.length === 0 ? (
        <p data-testid="no-discrepancies">{ta('discrepanciesNone')}</p>
      ) : (
        <ol class="record-list" data-testid="discrepancies">
          {list.map((p) => (
            <li class="record-item" data-entry={p.entryIndex}>
              <Discrepancy contest={props.a.contest} p={p} stations={props.a.stations} />
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/**
 * A claim in the reader's words, read from its id (FORMATS.md §15): "w>1/2"
 * (more than half), "w>=1/4:county" (a quarter in a county), "w>l" or
 * "unit:w>l" (more votes than another in a race). Any other id: the server's words.
 */
function Claim(props: {
  contest: string;
  id: string;
  description: string;
  counties: Map<string, string>;
}) {
  const ta = useAuditT();
  const majority = /^([^:>]+)>1\/2$/.exec(props.id);
  const quarter = /^([^:>]+)>=1\/4:(.+)$/.exec(props.id);
  const beats = /^(?:([^:]+):)?([^:>=]+)>([^:>=]+)$/.exec(props.id);
  const unit = beats?.[1] ?? '';
  const names = useCandidates(props.contest, unit);
  const place = usePlace('unit', unit);
  const name = (id: string) => names.get(id)?.name ?? id;
  if (majority?.[1]) return <>{ta('assertMajority', { winner: name(majority[1]) })}</>;
  if (quarter?.[1] && quarter[2]) {
    const county = props.counties.get(quarter[2]) ?? quarter[2];
    return <>{ta('assertQuarter', { winner: name(quarter[1]), county })}</>;
  }
  if (beats?.[2] && beats[3]) {
    const pair = { winner: name(beats[2]), loser: name(beats[3]) };
    return (
      <>
        {unit === ''
          ? ta('assertBeats', pair)
          : ta('assertBeatsIn', { ...pair, unit: place?.name ?? unit })}
      </>
    );
  }
  return <>{props.description}</>;
}

/** Ballot polling: the confirmed readings of the sampled ballots, summed per candidate. */
function BallotsRead(props: { a: AuditView }) {
  const { lang } = useT();
  const ta = useAuditT();
  const names = useCandidates(props.a.contest, '');
  const sum = new Map<string, number>();
  const add = (key: string, n: number) => sum.set(key, (sum.get(key) ?? 0) + n);
  for (const p of props.a.rounds.flatMap((r) => r.papers))
    if (p.confirmedBy !== null && p.paper === 'ballots') {
      for (const [id, n] of Object.entries(p.votes)) add(id, n);
      add('invalid', p.invalid ?? 0);
      add('notFound', p.notFound ?? 0);
    }
  const label = (key: string) =>
    key === 'invalid'
      ? ta('invalid')
      : key === 'notFound'
        ? ta('notFoundBallots')
        : (names.get(key)?.name ?? key);
  return (
    <section class="panel" aria-labelledby="ballots-h">
      <h2 id="ballots-h">{ta('ballotsTitle')}</h2>
      <p class="muted">{ta('ballotsReadIntro')}</p>
      {sum.size === 0 ? (
        <p>{ta('progressNone')}</p>
      ) : (
        <table class="record-figures" data-testid="ballots-read">
          <thead>
            <tr>
              <th scope="col">{ta('field')}</th>
              <th scope="col" class="num">
                {ta('ballotsRead')}
              </th>
            </tr>
          </thead>
          <tbody>
            {[...sum].map(([key, n]) => (
              <tr data-field={key}>
                <th scope="row">{label(key)}</th>
                <td class="num" data-label={ta('ballotsRead')} data-figure="ballots">
                  {formatNumber(lang, n)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Assertions(props: { a: AuditAnswer }) {
  const { lang } = useT();
  const ta = useAuditT();
  if (props.a.assertions.length === 0) return null;
  const counties = new Map(props.a.progress.counties.map((c) => [c.county, c.name]));
  return (
    <section class="panel" aria-labelledby="assert-h">
      <h2 id="assert-h">{ta('assertionsTitle')}</h2>
      <p class="muted">{ta('assertionsIntro')}</p>
      <TableFrame label={ta('assertionsTitle')} stack>
        <table class="results" data-testid="assertions">
          <thead>
            <tr>
              <th scope="col">{ta('assertion')}</th>
              <th scope="col" class="num">
                {ta('marginVotes')}
              </th>
            </tr>
          </thead>
          <tbody>
            {props.a.assertions.map((x) => (
              <tr data-assertion={x.id}>
                <th scope="row">
                  <Claim
                    contest={props.a.contest}
                    id={x.id}
                    description={x.description}
                    counties={counties}
                  />
                </th>
                <td class="num" data-figure="margin">
                  {formatNumber(lang, x.margin)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableFrame>
    </section>
  );
}
