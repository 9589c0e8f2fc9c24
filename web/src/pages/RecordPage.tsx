// On the record: who did what on this server (every login and every official
// act, from the log), the corrections with their approvals, and the
// declarations with the declared figures beside the log's. In plain words:
// contests, places, candidates and roles by name, acts as sentences; each item
// a card (a list, not a wide table), so it reads on a phone as on a desk.
import type { ComponentChildren } from 'preact';
import type { Role } from '../../../src/election/official-entry.js';
import { useJson } from '../api';
import { contestTitle, useElection } from '../election';
import { formatNumber, type Translate, useT } from '../i18n';
import { useLive } from '../live';
import { useCandidates, usePlace } from '../names';
import type {
  ActRecord,
  Correction,
  CorrectionsAnswer,
  Declaration,
  DeclarationsAnswer,
  OfficialActsAnswer,
} from '../officials';
import { roleName } from '../officials';
import { stationHref, unitHref } from '../router';

const entry = (i: number) => (
  <a href={`/api/v1/entries/${i}`} class="mono">
    #{i}
  </a>
);

const utc = (at: string) => at.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');

function useContestTitle(): (id: string) => string {
  const { t } = useT();
  const election = useElection();
  return (id) => {
    const c = election.contests.find((x) => x.id === id);
    return c ? contestTitle(t, c) : id;
  };
}

/** A station or an area by name, linked to its page; its code while the name loads. */
function PlaceName(props: { kind: 'station' | 'unit'; code: string; contest: string }) {
  const { t } = useT();
  const place = usePlace(props.kind, props.code);
  if (props.kind === 'unit' && props.code === '') return <>{t('nation')}</>;
  const href =
    props.kind === 'station' ? stationHref(props.code) : unitHref(props.contest, props.code);
  return (
    <a href={href} title={props.code}>
      {place?.name ?? props.code}
    </a>
  );
}

/** Who acted: the account, with its role by name. */
function Who(props: { account: string; acting: Role | '' }) {
  const { t } = useT();
  if (props.account === '') return <>{t('console')}</>;
  return (
    <>
      <strong>{props.account}</strong>{' '}
      {props.acting && <span class="muted">({roleName(t, props.acting)})</span>}
    </>
  );
}

/** A panel of cards: "None yet." when there are none, nothing while loading. */
function Cards<T>(props: {
  id: string;
  title: string;
  testid: string;
  rows: T[] | null;
  card: (x: T) => ComponentChildren;
}) {
  const { t } = useT();
  return (
    <section class="panel" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows?.length === 0 && <p>{t('noneYet')}</p>}
      {props.rows && props.rows.length > 0 && (
        <ol class="record-list" data-testid={props.testid}>
          {props.rows.map((x) => (
            <li class="record-item">{props.card(x)}</li>
          ))}
        </ol>
      )}
    </section>
  );
}

interface FigureRow {
  label: string;
  declared: number;
  logged?: number;
}

/** Figures as a small table of names and numbers; with `logged`, the log's beside, a difference flagged. */
function Figures(props: { rows: FigureRow[]; compare: boolean; testid: string }) {
  const { t, lang } = useT();
  // Labels each number on a phone, where the heading row is hidden (styles.css).
  const declaredLabel = props.compare ? t('declared') : t('votes');
  return (
    <table class="record-figures" data-testid={props.testid}>
      <thead>
        <tr>
          <th scope="col">{t('candidate')}</th>
          <th scope="col" class="num">
            {declaredLabel}
          </th>
          {props.compare && (
            <th scope="col" class="num">
              {t('inTheLog')}
            </th>
          )}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((r) => {
          const differs = props.compare && r.logged !== r.declared;
          return (
            <tr class={differs ? 'differs' : undefined} data-differs={differs || undefined}>
              <th scope="row">
                {r.label}
                {differs && (
                  // A sign on screen (the row is marked too), the word for screen readers.
                  <span class="badge badge-fail">
                    <span aria-hidden="true">≠</span>
                    <span class="sr-only">{t('differs')}</span>
                  </span>
                )}
              </th>
              <td class="num" data-label={declaredLabel}>
                {formatNumber(lang, r.declared)}
              </td>
              {props.compare && (
                <td class="num" data-label={t('inTheLog')}>
                  {r.logged === undefined ? '–' : formatNumber(lang, r.logged)}
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Rows for votes per candidate (by name), rejected ballots and the total valid. */
function figureRows(
  t: Translate,
  names: Map<string, { name: string; party: string }>,
  f: { votes: Record<string, number>; rejected: number; totalValid: number },
  logged?: (field: string, declared: number) => number,
): FigureRow[] {
  const row = (field: string, label: string, declared: number): FigureRow =>
    logged ? { label, declared, logged: logged(field, declared) } : { label, declared };
  return [
    ...Object.entries(f.votes).map(([id, n]) => {
      const c = names.get(id);
      return row(`votes.${id}`, c ? `${c.name} (${c.party})` : id, n);
    }),
    row('rejected', t('rejected'), f.rejected),
    row('totalValid', t('validAsWritten'), f.totalValid),
  ];
}

function CorrectionCard(props: { c: Correction }) {
  const { t } = useT();
  const c = props.c;
  const title = useContestTitle();
  const place = usePlace('station', c.station);
  const names = useCandidates(c.contest, place ? place.ward : null);
  return (
    <>
      <p class="record-head">
        {entry(c.entryIndex)} <strong>{title(c.contest)}</strong> ·{' '}
        <PlaceName kind="station" code={c.station} contest={c.contest} />{' '}
        <span class={c.status === 'in-force' ? 'badge badge-pass' : 'badge badge-warn'}>
          {t(`status.${c.status}`)}
        </span>
      </p>
      <dl class="facts">
        <dt>{t('reason')}</dt>
        <dd>“{c.reason}”</dd>
        <dt>{t('corrects')}</dt>
        <dd>
          {t('entryIndex')} {entry(c.original)}
        </dd>
        <dt>{t('proposedBy')}</dt>
        <dd>
          <Who account={c.proposedBy} acting="" />
        </dd>
        {c.approvals.map((a) => (
          <>
            <dt>{t('approvedBy')}</dt>
            <dd>
              <Who account={a.account} acting={a.role} /> {entry(a.entryIndex)}
            </dd>
          </>
        ))}
      </dl>
      <h3 class="record-sub">{t('correctedFigures')}</h3>
      <Figures
        rows={figureRows(t, names, c)}
        compare={false}
        testid={`corrected-${c.entryIndex}`}
      />
    </>
  );
}

function DeclarationCard(props: { d: Declaration }) {
  const { t } = useT();
  const d = props.d;
  const title = useContestTitle();
  const names = useCandidates(d.contest, d.unit);
  // The log's figure where the declaration differs from it, else the declared one (they agree).
  const differences = new Map(d.differences.map((x) => [x.field, x.logged]));
  const logged = (field: string, declared: number) => differences.get(field) ?? declared;
  return (
    <>
      <p class="record-head">
        {entry(d.entryIndex)} <strong>{title(d.contest)}</strong> ·{' '}
        <PlaceName kind="unit" code={d.unit} contest={d.contest} />{' '}
        {d.differences.length === 0 ? (
          <span class="badge badge-pass">{t('matchesLog')}</span>
        ) : (
          <span class="badge badge-fail">{t('differsFromLog')}</span>
        )}
      </p>
      <dl class="facts">
        <dt>{t('declaredBy')}</dt>
        <dd>
          <Who account={d.account} acting={d.role} />
        </dd>
        <dt>{t('time')}</dt>
        <dd>
          <time dateTime={d.at}>{utc(d.at)}</time>
        </dd>
        {d.override && (
          <>
            <dt>{t('override')}</dt>
            <dd>“{d.override}”</dd>
          </>
        )}
      </dl>
      <h3 class="record-sub">
        {t('declaredAgainstLog')} {entry(d.entryIndex)}
      </h3>
      <Figures
        rows={figureRows(t, names, d, logged)}
        compare={true}
        testid={`declared-${d.entryIndex}`}
      />
    </>
  );
}

/** An act as a sentence: "Correction approved (entry 10)", "Result declared: President · Changamwe, Mombasa". */
function Act(props: { a: ActRecord }) {
  const { t } = useT();
  const title = useContestTitle();
  const a = props.a;
  if (a.kind === 'login')
    return (
      <span class={a.outcome === 'success' ? undefined : 'record-failed'}>
        {t(a.outcome === 'success' ? 'act.login' : 'act.login-failed')}
      </span>
    );
  const label = t(`act.${a.kind}`);
  if (a.kind === 'correction-approved')
    return (
      <>
        {label} ({t('entryIndex')} {entry(Number(a.object))})
      </>
    );
  if (a.kind === 'correction-proposed' || a.kind === 'declaration') {
    const slash = a.object.indexOf('/');
    const contest = a.object.slice(0, slash);
    const code = a.object.slice(slash + 1);
    return (
      <>
        {label}: {title(contest)} ·{' '}
        <PlaceName
          kind={a.kind === 'declaration' ? 'unit' : 'station'}
          code={code}
          contest={contest}
        />
      </>
    );
  }
  return a.object ? (
    <>
      {label}: <span class="mono">{a.object}</span>
    </>
  ) : (
    <>{label}</>
  );
}

export function RecordPage() {
  const { t, lang } = useT();
  const { version } = useLive();
  // Failed logins come counted per account and hour, so a flood of them cannot bury the acts.
  const acts = useJson<OfficialActsAnswer>('/api/v1/officials/acts?failed=summary', version);
  const corrections = useJson<CorrectionsAnswer>('/api/v1/corrections', version);
  const declarations = useJson<DeclarationsAnswer>('/api/v1/declarations', version);
  return (
    <article>
      <header class="page-head">
        <h1>{t('recordTitle')}</h1>
        <p class="muted">{t('recordIntro')}</p>
      </header>
      <Cards
        id="corr-h"
        title={t('corrections')}
        testid="corrections"
        rows={corrections.state === 'ready' ? corrections.data.corrections : null}
        card={(c) => <CorrectionCard c={c} />}
      />
      <Cards
        id="decl-h"
        title={t('declarations')}
        testid="declarations"
        rows={declarations.state === 'ready' ? declarations.data.declarations : null}
        card={(d) => <DeclarationCard d={d} />}
      />
      <Cards
        id="acts-h"
        title={t('whoDidWhat')}
        testid="acts"
        rows={acts.state === 'ready' ? [...acts.data.acts].reverse() : null}
        card={(a) => (
          <p class="record-line">
            {entry(a.entryIndex)} <time dateTime={a.at}>{utc(a.at)}</time> ·{' '}
            <Who account={a.account} acting={a.role} />: <Act a={a} />
          </p>
        )}
      />
      <Cards
        id="failed-h"
        title={t('failedLogins')}
        testid="failed-logins"
        rows={acts.state === 'ready' ? [...acts.data.failedLogins].reverse() : null}
        card={(f) => (
          <p class="record-line">
            <time dateTime={f.hour}>{utc(f.hour)}</time> ·{' '}
            {f.account ? <strong>{f.account}</strong> : t('unknownAccount')}:{' '}
            <span class="record-failed">
              {formatNumber(lang, f.count)} {t(f.count === 1 ? 'failedAttempt' : 'failedAttempts')}
            </span>{' '}
            · {entry(f.firstEntry)}
            {f.lastEntry !== f.firstEntry && <> … {entry(f.lastEntry)}</>}
          </p>
        )}
      />
      <p class="small muted">{t('failedLoginsIntro')}</p>
    </article>
  );
}
