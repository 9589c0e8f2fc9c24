// The officials' audit desk (docs/FORMATS.md §15), under /admin. A commission
// administrator proposes an audit, a second one approves it, the dice's digits
// are logged as its seed, then rounds are drawn and closed (the server
// computes the risk; the fold checks it). A member of an audit board enters
// what a sampled station's paper says, with a photo of the form, and another
// member confirms it. Each step is a call the server checks against the log's
// rules; a refusal is shown in plain words with its code and the field at fault.
import '../audit.css';
import { useState } from 'preact/hooks';
import type { AuditRoundClosed } from '../../../src/api/contract.js';
import { type ErrorAnswer, useJson } from '../api';
import { useAuditT } from '../audit-text';
import {
  type AuditAnswer,
  type AuditPaperView,
  type AuditsAnswer,
  type AuditView,
  auditUrl,
  formatRisk,
  stationsToEnter,
} from '../audits';
import { Field, Result, useAction } from '../components/OfficialForm';
import { contestTitle, useElection } from '../election';
import { formatNumber, useT } from '../i18n';
import { useLive } from '../live';
import { useCandidates, usePlace } from '../names';
import { ApiRefusal, type Session } from '../officials';
import { auditHref } from '../router';

const NO_FORM = '0'.repeat(64);
const FINISHED = new Set(['risk-limit-met', 'confirmed', 'overturned']);
const enc = encodeURIComponent;

export function AuditDesk(props: { session: Session }) {
  const ta = useAuditT();
  const { version } = useLive();
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((x) => x + 1);
  const list = useJson<AuditsAnswer>('/api/v1/audits', version + tick);
  const admin = props.session.role === 'commission-admin';
  const running =
    list.state === 'ready' ? list.data.audits.filter((a) => !FINISHED.has(a.status)) : [];
  return (
    <>
      <section class="panel audit-page" aria-labelledby="audit-desk-h" data-testid="audit-desk">
        <h2 id="audit-desk-h">{ta('deskTitle')}</h2>
        <p class="muted">{ta('deskIntro')}</p>
        {list.state === 'ready' && running.length === 0 && <p>{ta('noAuditToRun')}</p>}
      </section>
      {admin && <ProposeAudit session={props.session} done={refresh} />}
      {running.map((a) => (
        <AuditControls id={a.id} session={props.session} version={version + tick} done={refresh} />
      ))}
    </>
  );
}

function ProposeAudit(props: { session: Session; done: () => void }) {
  const { t } = useT();
  const ta = useAuditT();
  const election = useElection();
  const [audit, setAudit] = useState('');
  const [contest, setContest] = useState(election.contests[0]?.id ?? '');
  const [method, setMethod] = useState('macro');
  const [riskLimit, setRiskLimit] = useState('5');
  const [treeSize, setTreeSize] = useState('');
  const { outcome, busy, run } = useAction(props.session.token);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      '/api/v1/audits',
      {
        audit,
        contest,
        method,
        riskLimit: Number(riskLimit),
        ...(treeSize.trim() === '' ? {} : { treeSize: Number(treeSize) }),
      },
      (r) => {
        props.done();
        return ta('done', { index: r.index });
      },
    );
  };
  return (
    <form class="panel audit-page" onSubmit={submit} aria-labelledby="audit-propose-h">
      <h2 id="audit-propose-h">{ta('proposeTitle')}</h2>
      <Field id="a-id" label={ta('auditIdLabel')} value={audit} set={setAudit} />
      <p>
        <label for="a-contest">{ta('contestLabel')}</label>
        <br />
        <select
          id="a-contest"
          value={contest}
          onChange={(e) => setContest((e.target as HTMLSelectElement).value)}
        >
          {election.contests.map((c) => (
            <option value={c.id}>{contestTitle(t, c)}</option>
          ))}
        </select>
      </p>
      <p>
        <label for="a-method">{ta('methodLabel')}</label>
        <br />
        <select
          id="a-method"
          value={method}
          onChange={(e) => setMethod((e.target as HTMLSelectElement).value)}
        >
          <option value="macro">{ta('method.macro')}</option>
          <option value="bravo">{ta('method.bravo')}</option>
          <option value="minerva">{ta('method.minerva')}</option>
        </select>
      </p>
      <Field
        id="a-risk"
        label={ta('riskLimitLabel')}
        value={riskLimit}
        set={setRiskLimit}
        type="number"
      />
      <Field
        id="a-tree"
        label={ta('treeSizeLabel')}
        value={treeSize}
        set={setTreeSize}
        type="number"
      />
      <button class="button button-primary" type="submit" disabled={busy}>
        {ta('proposeButton')}
      </button>
      <Result outcome={outcome} testid="audit-propose-result" />
    </form>
  );
}

/** One audit under way: the next step an administrator may take, or an audit board's forms. */
function AuditControls(props: { id: string; session: Session; version: number; done: () => void }) {
  const { t, lang } = useT();
  const ta = useAuditT();
  const election = useElection();
  const answer = useJson<AuditAnswer>(auditUrl(props.id), props.version);
  if (answer.state !== 'ready') return null;
  const a = answer.data;
  const contest = election.contests.find((c) => c.id === a.contest);
  const round = a.rounds.at(-1);
  const open = round && round.closedAt === null ? round : null;
  const admin = props.session.role === 'commission-admin';
  const h = `audit-${a.id}-h`;
  return (
    <section class="panel audit-page" aria-labelledby={h} data-testid={`audit-controls-${a.id}`}>
      <h2 id={h}>
        <a href={auditHref(a.id)}>
          {ta('auditOf', { contest: contest ? contestTitle(t, contest) : a.contest })}
        </a>{' '}
        <span class="mono small">{a.id}</span>
      </h2>
      <p>
        <span class="badge badge-warn" data-status={a.status}>
          {ta(`status.${a.status}`)}
        </span>{' '}
        {ta('riskNow')}: <strong data-figure="risk">{formatRisk(lang, a.risk)}</strong> ·{' '}
        {ta('riskLimit')}: {formatRisk(lang, a.riskLimit / 100)}
        {open && <> · {ta('roundOpen', { n: formatNumber(lang, open.round) })}</>}
      </p>
      {admin && <AdminStep a={a} session={props.session} done={props.done} />}
      {!admin && open && a.method === 'macro' && (
        <EnterPaper a={a} round={open.round} session={props.session} done={props.done} />
      )}
      {!admin && open && a.method !== 'macro' && (
        <EnterBallots a={a} round={open.round} session={props.session} done={props.done} />
      )}
      {!admin && open && (
        <ConfirmEntries a={a} papers={open.papers} session={props.session} done={props.done} />
      )}
    </section>
  );
}

/** The administrator's next step, by the audit's state. */
function AdminStep(props: { a: AuditView; session: Session; done: () => void }) {
  const { lang } = useT();
  const ta = useAuditT();
  const a = props.a;
  const { outcome, busy, run } = useAction(props.session.token);
  const [seed, setSeed] = useState('');
  const [draws, setDraws] = useState('');
  const url = auditUrl(a.id);
  const logged = (r: { index: number }) => {
    props.done();
    return ta('done', { index: r.index });
  };
  const round = a.rounds.at(-1);
  const ready = a.status === 'sampling' || a.status === 'full-count';
  return (
    <div class="audit-actions">
      {a.status === 'proposed' && (
        <button
          class="button button-primary"
          type="button"
          disabled={busy}
          onClick={() => run(`${url}/approve`, {}, logged)}
        >
          {ta('approveButton')}
        </button>
      )}
      {a.status === 'awaiting-seed' && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(`${url}/seed`, { seed: seed.trim() }, logged);
          }}
        >
          <Field id={`seed-${a.id}`} label={ta('seedLabel')} value={seed} set={setSeed} />
          <button class="button button-primary" type="submit" disabled={busy}>
            {ta('seedButton')}
          </button>
        </form>
      )}
      {ready && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run(`${url}/rounds`, draws.trim() === '' ? {} : { draws: Number(draws) }, logged);
          }}
        >
          <Field
            id={`draws-${a.id}`}
            label={ta('drawsLabel')}
            value={draws}
            set={setDraws}
            type="number"
          />
          <p>
            <button class="button button-primary" type="submit" disabled={busy}>
              {ta('drawButton')}
            </button>{' '}
            <button
              class="button"
              type="button"
              disabled={busy}
              onClick={() => run(`${url}/rounds`, { full: true }, logged)}
            >
              {ta('fullCountButton')}
            </button>
          </p>
        </form>
      )}
      {round && round.closedAt === null && (
        <button
          class="button button-primary"
          type="button"
          disabled={busy}
          onClick={() =>
            run<AuditRoundClosed>(`${url}/rounds/${round.round}/close`, {}, (r) => {
              const sizes = r.nextRoundSizes;
              // More draws needed: Arlo's estimates of the next round's size, as the server computed them.
              const estimate = sizes
                ? ` ${ta('estimate', { p70: sizes['0.7'], p80: sizes['0.8'], p90: sizes['0.9'] })}`
                : '';
              return `${logged(r)} ${ta(`outcome.${r.outcome}`)} (${formatRisk(lang, Number(r.risk))}).${estimate}`;
            })
          }
        >
          {ta('closeButton')}
        </button>
      )}
      <Result outcome={outcome} testid={`audit-step-result-${a.id}`} />
    </div>
  );
}

/** A station of the sample as an option: its name once known. */
function StationOption(props: { code: string }) {
  const place = usePlace('station', props.code);
  return <option value={props.code}>{place ? `${place.name} (${props.code})` : props.code}</option>;
}

/**
 * Uploads a photo of a form with this official's session (the server checks it
 * is a JPEG, PNG or PDF whose SHA-256 is the one named); its SHA-256, for the entry.
 */
async function uploadPhoto(
  file: File,
  token: string,
  audit: string,
  station: string,
): Promise<string> {
  const bytes = await file.arrayBuffer();
  const hex = Array.from(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  const r = await fetch(`${auditUrl(audit)}/forms/${hex}?station=${enc(station)}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': file.type },
    body: bytes,
    cache: 'no-store',
  });
  if (!r.ok) {
    const e = ((await r.json().catch(() => ({}))) as ErrorAnswer).error;
    throw new ApiRefusal(r.status, e?.code ?? `HTTP_${r.status}`, e?.message ?? '', e?.field);
  }
  return hex;
}

/** Number inputs, one per figure, labelled: candidates by name, then the form's totals. */
function FigureInputs(props: {
  prefix: string;
  fields: Array<{ id: string; label: string }>;
  values: Record<string, string>;
  set: (id: string, v: string) => void;
}) {
  return (
    <div class="figure-inputs">
      {props.fields.map((f) => (
        <Field
          id={`${props.prefix}-${f.id}`}
          label={f.label}
          value={props.values[f.id] ?? ''}
          set={(v) => props.set(f.id, v)}
          type="number"
        />
      ))}
    </div>
  );
}

/** The sampled station chosen, and the candidates of its race. */
function useSampledStation(a: AuditView) {
  // Stations still awaiting their paper first; an entry not yet confirmed may be entered again.
  const { waiting, unconfirmed } = stationsToEnter(a);
  const stations = [...waiting, ...unconfirmed];
  const [station, setStation] = useState('');
  const chosen = stations.includes(station) ? station : (stations[0] ?? '');
  const place = usePlace('station', chosen);
  const candidates = useCandidates(a.contest, chosen && place ? place.ward : null);
  return { stations, station: chosen, setStation, candidates: [...candidates.values()] };
}

function StationPicker(props: {
  id: string;
  stations: string[];
  value: string;
  set: (s: string) => void;
}) {
  const ta = useAuditT();
  return (
    <p>
      <label for={props.id}>{ta('stationLabel')}</label>
      <br />
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.set((e.target as HTMLSelectElement).value)}
      >
        {props.stations.map((s) => (
          <StationOption code={s} />
        ))}
      </select>
    </p>
  );
}

/** The photo: a file uploaded now, or the SHA-256 of one uploaded before. */
function usePhoto(session: Session, audit: string, station: string) {
  const [file, setFile] = useState<File | null>(null);
  const [sha, setSha] = useState('');
  const resolve = async (): Promise<string> =>
    file ? uploadPhoto(file, session.token, audit, station) : sha.trim() || NO_FORM;
  return { file, setFile, sha, setSha, resolve };
}

function PhotoInputs(props: { prefix: string; photo: ReturnType<typeof usePhoto> }) {
  const ta = useAuditT();
  return (
    <>
      <p>
        <label for={`${props.prefix}-photo`}>{ta('photoLabel')}</label>
        <br />
        <input
          id={`${props.prefix}-photo`}
          type="file"
          accept="image/jpeg,image/png,application/pdf"
          onChange={(e) => props.photo.setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
        />
      </p>
      <Field
        id={`${props.prefix}-sha`}
        label={ta('photoShaLabel')}
        value={props.photo.sha}
        set={props.photo.setSha}
      />
    </>
  );
}

function EnterPaper(props: { a: AuditView; round: number; session: Session; done: () => void }) {
  const ta = useAuditT();
  const a = props.a;
  const s = useSampledStation(a);
  const [found, setFound] = useState(true);
  const [values, setValues] = useState<Record<string, string>>({});
  const photo = usePhoto(props.session, a.id, s.station);
  const { outcome, busy, run } = useAction(props.session.token);
  const prefix = `paper-${a.id}`;
  const fields = [
    ...s.candidates.map((c) => ({ id: c.id, label: c.name })),
    { id: 'rejected', label: ta('rejected') },
    { id: 'totalValid', label: ta('totalValid') },
  ];
  // An empty field is sent as it is, so the server names it: nothing is guessed as 0.
  const figure = (id: string) => {
    const v = (values[id] ?? '').trim();
    return v === '' ? v : Number(v);
  };
  const n = (id: string) => (found ? figure(id) : 0);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      `${auditUrl(a.id)}/papers`,
      async () => ({
        round: props.round,
        station: s.station,
        paper: found ? 'counted' : 'not-found',
        votes: Object.fromEntries(s.candidates.map((c) => [c.id, n(c.id)])),
        rejected: n('rejected'),
        totalValid: n('totalValid'),
        form: found ? await photo.resolve() : NO_FORM,
      }),
      (r) => {
        setValues({});
        props.done();
        return ta('done', { index: r.index });
      },
    );
  };
  if (s.stations.length === 0) return <p>{ta('nothingToEnter')}</p>;
  return (
    <form onSubmit={submit} aria-labelledby={`${prefix}-h`} data-testid={`enter-paper-${a.id}`}>
      <h3 id={`${prefix}-h`}>{ta('enterTitle')}</h3>
      <p class="muted">{ta('enterIntro')}</p>
      <StationPicker
        id={`${prefix}-station`}
        stations={s.stations}
        value={s.station}
        set={(x) => {
          s.setStation(x);
          setValues({});
        }}
      />
      <fieldset class="plain">
        <legend class="sr-only">{ta('paper')}</legend>
        <label>
          <input
            type="radio"
            name={`${prefix}-found`}
            checked={found}
            onChange={() => setFound(true)}
          />{' '}
          {ta('paperFound')}
        </label>
        <br />
        <label>
          <input
            type="radio"
            name={`${prefix}-found`}
            checked={!found}
            onChange={() => setFound(false)}
          />{' '}
          {ta('paperMissing')}
        </label>
      </fieldset>
      {found && (
        <>
          <FigureInputs
            prefix={prefix}
            fields={fields}
            values={values}
            set={(id, v) => setValues({ ...values, [id]: v })}
          />
          <PhotoInputs prefix={prefix} photo={photo} />
        </>
      )}
      <button class="button button-primary" type="submit" disabled={busy}>
        {ta('enterButton')}
      </button>
      <Result outcome={outcome} testid={`enter-result-${a.id}`} />
    </form>
  );
}

function EnterBallots(props: { a: AuditView; round: number; session: Session; done: () => void }) {
  const ta = useAuditT();
  const a = props.a;
  const s = useSampledStation(a);
  const [values, setValues] = useState<Record<string, string>>({});
  const photo = usePhoto(props.session, a.id, s.station);
  const { outcome, busy, run } = useAction(props.session.token);
  const prefix = `ballots-${a.id}`;
  const fields = [
    ...s.candidates.map((c) => ({ id: c.id, label: c.name })),
    { id: 'invalid', label: ta('invalid') },
    { id: 'notFound', label: ta('notFoundBallots') },
  ];
  const n = (id: string) => {
    const v = (values[id] ?? '').trim();
    return v === '' ? v : Number(v);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      `${auditUrl(a.id)}/ballots`,
      async () => ({
        round: props.round,
        station: s.station,
        votes: Object.fromEntries(s.candidates.map((c) => [c.id, n(c.id)])),
        invalid: n('invalid'),
        notFound: n('notFound'),
        form: await photo.resolve(),
      }),
      (r) => {
        setValues({});
        props.done();
        return ta('done', { index: r.index });
      },
    );
  };
  if (s.stations.length === 0) return <p>{ta('nothingToEnter')}</p>;
  return (
    <form onSubmit={submit} aria-labelledby={`${prefix}-h`} data-testid={`enter-ballots-${a.id}`}>
      <h3 id={`${prefix}-h`}>{ta('enterTitle')}</h3>
      <p class="muted">{ta('ballotsIntro')}</p>
      <StationPicker
        id={`${prefix}-station`}
        stations={s.stations}
        value={s.station}
        set={s.setStation}
      />
      <FigureInputs
        prefix={prefix}
        fields={fields}
        values={values}
        set={(id, v) => setValues({ ...values, [id]: v })}
      />
      <PhotoInputs prefix={prefix} photo={photo} />
      <button class="button button-primary" type="submit" disabled={busy}>
        {ta('ballotsButton')}
      </button>
      <Result outcome={outcome} testid={`ballots-result-${a.id}`} />
    </form>
  );
}

/** Entries of another member awaiting a second look: the figures, the photo, and Confirm. */
function ConfirmEntries(props: {
  a: AuditView;
  papers: AuditPaperView[];
  session: Session;
  done: () => void;
}) {
  const ta = useAuditT();
  const { outcome, busy, run } = useAction(props.session.token);
  const waiting = props.papers.filter(
    (p) =>
      p.confirmedBy === null && p.enteredBy !== props.session.account && p.supersededBy === null,
  );
  const h = `confirm-${props.a.id}-h`;
  return (
    <section aria-labelledby={h} data-testid={`confirm-${props.a.id}`}>
      <h3 id={h}>{ta('confirmTitle')}</h3>
      <p class="muted">{ta('confirmIntro')}</p>
      {waiting.length === 0 && <p>{ta('nothingToConfirm')}</p>}
      <ol class="record-list">
        {waiting.map((p) => (
          <li class="record-item" data-entry={p.entryIndex}>
            <PaperFigures contest={props.a.contest} p={p} />
            <button
              class="button button-primary"
              type="button"
              disabled={busy}
              onClick={() =>
                run(`/api/v1/audits/papers/${enc(String(p.entryIndex))}/confirm`, {}, (r) => {
                  props.done();
                  return ta('done', { index: r.index });
                })
              }
            >
              {ta('confirmButton', { index: p.entryIndex })}
            </button>
          </li>
        ))}
      </ol>
      <Result outcome={outcome} testid={`confirm-result-${props.a.id}`} />
    </section>
  );
}

/** What an entry says the paper says, for the second member to check. */
function PaperFigures(props: { contest: string; p: AuditPaperView }) {
  const { lang } = useT();
  const ta = useAuditT();
  const p = props.p;
  const place = usePlace('station', p.station);
  const names = useCandidates(props.contest, place ? place.ward : null);
  const rows: Array<[string, number]> = [
    ...Object.entries(p.votes).map(([id, v]): [string, number] => [names.get(id)?.name ?? id, v]),
    ...(p.paper === 'ballots'
      ? ([
          [ta('invalid'), p.invalid ?? 0],
          [ta('notFoundBallots'), p.notFound ?? 0],
        ] as Array<[string, number]>)
      : ([
          [ta('rejected'), p.rejected],
          [ta('totalValid'), p.totalValid],
        ] as Array<[string, number]>)),
  ];
  return (
    <>
      <p class="record-head">
        #{p.entryIndex} <strong>{place?.name ?? p.station}</strong> · {ta('enteredBy')}{' '}
        <strong>{p.enteredBy}</strong>
      </p>
      {p.paper === 'not-found' ? (
        <p>{ta('notFoundWorst')}</p>
      ) : (
        <table class="record-figures">
          <thead>
            <tr>
              <th scope="col">{ta('field')}</th>
              <th scope="col" class="num">
                {ta('onPaper')}
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, v]) => (
              <tr>
                <th scope="row">{label}</th>
                <td class="num" data-label={ta('onPaper')}>
                  {formatNumber(lang, v)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        {p.form === NO_FORM ? (
          ta('noPhoto')
        ) : (
          <a href={`/api/v1/forms/${p.form}`}>{ta('formPhoto')}</a>
        )}
      </p>
    </>
  );
}
