// One polling station: its result per contest (as signed), the scanned forms,
// the log entries, flags and history, and "Verify", which checks all of it in
// the browser against the pinned log key.
import { useEffect, useState } from 'preact/hooks';
import type { StationWord } from '../agent-views';
import type { Candidate, StationAnswer, StationResult } from '../api';
import { useJson } from '../api';
import { AgentWords } from '../components/AgentWords';
import { Failure, Loading } from '../components/Layout';
import { TableFrame } from '../components/TableFrame';
import { contestTitle, useElection } from '../election';
import { type FormFile, loadForm } from '../forms';
import { formatNumber, type Lang, type MessageKey, useT } from '../i18n';
import { useLive } from '../live';
import { unitHref } from '../router';
import { compiledTrustRoot } from '../trust-root';
import type { Step, StepId, StepStatus, Verdict } from '../verify';
import type { LineWords, lineText } from '../verify-text';

const enc = encodeURIComponent;

export function StationPage(props: { code: string }) {
  const { t, lang } = useT();
  const election = useElection();
  const { version } = useLive();
  const data = useJson<StationAnswer>(`/api/v1/stations/${enc(props.code)}`, version);
  if (data.state === 'loading') return <Loading />;
  if (data.state === 'error') return <Failure error={data.error} />;
  const s = data.data;
  const first = election.contests[0]?.id ?? 'president';
  const crumbs = [s.county, s.constituency, s.ward].filter(
    (x): x is { code: string; name: string } => x !== null,
  );
  const history = Object.values(s.results)
    .filter((r): r is StationResult => r !== null)
    .sort((a, b) => a.entryIndex - b.entryIndex);

  return (
    <article>
      <nav aria-label={t('breadcrumb')} class="crumbs">
        <ol>
          <li>
            <a href={unitHref(first, '')}>{t('nation')}</a>
          </li>
          {crumbs.map((c) => (
            <li>
              <a href={unitHref(first, c.code)}>{c.name}</a>
            </li>
          ))}
          <li aria-current="page">{s.station.name}</li>
        </ol>
      </nav>
      <header class="page-head">
        <p class="eyebrow">{t('station')}</p>
        <h1>{s.station.name}</h1>
        <p class="muted">
          <span class="mono">{s.station.code}</span> · {t('registered')}:{' '}
          {formatNumber(lang, s.station.registeredVoters)} · {t('device')}:{' '}
          <span class="mono" data-testid="devices">
            {s.devices
              .map((d) =>
                d.revokedAt !== undefined ? `${d.id} (${t('revoked')} #${d.revokedAt})` : d.id,
              )
              .join(', ')}
          </span>
        </p>
      </header>
      <VerifyPanel station={s} />
      {Object.entries(s.results).map(([contest, result]) => (
        <ContestResult
          key={contest}
          contest={contest}
          ward={s.station.ward}
          result={result}
          words={(s as { words?: Record<string, StationWord[]> }).words?.[contest] ?? []}
        />
      ))}
      <section aria-labelledby="history-h" class="panel">
        <h2 id="history-h">{t('history')}</h2>
        <p class="muted">{t('historyNote')}</p>
        {history.length === 0 ? (
          <p>{t('awaiting')}</p>
        ) : (
          <ol class="history">
            {history.map((r) => (
              <li>
                <a href={`/api/v1/entries/${r.entryIndex}`} class="mono">
                  #{r.entryIndex}
                </a>{' '}
                {contestTitle(
                  t,
                  election.contests.find((c) => c.id === r.contest) ?? {
                    kind: r.contest,
                    title: r.contest,
                  },
                )}{' '}
                {t('logged')} · {t('deviceTime')}{' '}
                <time dateTime={r.deviceTime}>
                  {r.deviceTime.replace('T', ' ').replace('Z', ' UTC')}
                </time>
              </li>
            ))}
          </ol>
        )}
      </section>
    </article>
  );
}

function ContestResult(props: {
  contest: string;
  ward: string;
  result: StationResult | null;
  words: StationWord[];
}) {
  const { t, lang } = useT();
  const election = useElection();
  const info = election.contests.find((c) => c.id === props.contest);
  const cands = useJson<{ candidates: Candidate[] }>(
    `/api/v1/candidates/${enc(props.contest)}/${enc(props.ward)}`,
  );
  const names = new Map(
    (cands.state === 'ready' ? cands.data.candidates : []).map((c) => [c.id, c]),
  );
  const r = props.result;
  const title = info ? contestTitle(t, info) : props.contest;
  const headingId = `res-${props.contest}`;
  return (
    <section aria-labelledby={headingId} class="panel" data-testid={`result-${props.contest}`}>
      <h2 id={headingId}>
        {title}
        {info && (
          <span class="muted small">
            {' '}
            · {t('form')} {info.forms.station}
          </span>
        )}
      </h2>
      {!r ? (
        <p class="muted">{t('awaiting')}</p>
      ) : (
        <div class="grid-2">
          <div>
            <TableFrame label={title}>
              <table class="results">
                <thead>
                  <tr>
                    <th scope="col">
                      {t('candidate')} · {t('party')}
                    </th>
                    <th scope="col" class="num">
                      {t('votes')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {Object.entries(r.votes)
                    .sort((a, b) => b[1] - a[1])
                    .map(([id, n]) => (
                      <tr>
                        <th scope="row">
                          {names.get(id)?.name ?? id}
                          {/* The party under the name: the votes stay on a phone's screen. */}
                          {names.get(id)?.party && <span class="sub">{names.get(id)?.party}</span>}
                        </th>
                        <td class="num" data-candidate={id} data-figure="votes">
                          {formatNumber(lang, n)}
                        </td>
                      </tr>
                    ))}
                </tbody>
                <tfoot>
                  <tr>
                    <th scope="row">{t('validAsWritten')}</th>
                    <td class="num" data-figure="valid">
                      {formatNumber(lang, r.totalValid)}
                    </td>
                  </tr>
                  <tr>
                    <th scope="row">{t('rejected')}</th>
                    <td class="num" data-figure="rejected">
                      {formatNumber(lang, r.rejected)}
                    </td>
                  </tr>
                </tfoot>
              </table>
            </TableFrame>
            <dl class="facts">
              <dt>{t('entryIndex')}</dt>
              <dd>
                <a href={`/api/v1/entries/${r.entryIndex}`} class="mono">
                  #{r.entryIndex}
                </a>
              </dd>
              <dt>{t('device')}</dt>
              <dd class="mono">{r.device}</dd>
              <dt>{t('deviceTime')}</dt>
              <dd>
                <time dateTime={r.deviceTime}>
                  {r.deviceTime.replace('T', ' ').replace('Z', ' UTC')}
                </time>
              </dd>
              {r.correction && (
                <>
                  <dt>{t('correctedNote')}</dt>
                  <dd data-testid={`correction-${r.contest}`}>
                    <span class="badge badge-warn">{t('correctedNote')}</span> “
                    {r.correction.reason}” ·{' '}
                    <a href={`/api/v1/entries/${r.correction.entryIndex}`} class="mono">
                      #{r.correction.entryIndex}
                    </a>{' '}
                    ({t('status.in-force')}{' '}
                    <a href={`/api/v1/entries/${r.correction.inForceAt}`} class="mono">
                      #{r.correction.inForceAt}
                    </a>
                    )
                  </dd>
                  <dt>{t('originalFigures')}</dt>
                  <dd class="mono small" data-testid={`original-${r.contest}`}>
                    {Object.entries(r.correction.original.votes)
                      .map(([c, n]) => `${c} ${formatNumber(lang, n)}`)
                      .join(' · ')}{' '}
                    · {t('rejected')} {formatNumber(lang, r.correction.original.rejected)}
                  </dd>
                </>
              )}
              <dt>{t('flags')}</dt>
              <dd data-figure="flags">
                {r.flags.length === 0
                  ? t('noFlags')
                  : r.flags.map((f) => (
                      <span class="badge badge-warn">{t(`flag.${f}` as MessageKey) ?? f}</span>
                    ))}
              </dd>
            </dl>
          </div>
          <FormScan sha256={r.form} title={`${t('scannedForm')}: ${title}`} />
        </div>
      )}
      {r && (
        <AgentWords
          contest={props.contest}
          result={r}
          words={props.words}
          name={(id) => names.get(id)?.name ?? id}
        />
      )}
    </section>
  );
}

function FormScan(props: { sha256: string; title: string }) {
  const { t } = useT();
  const [file, setFile] = useState<FormFile | null>(null);
  const url = `/api/v1/forms/${props.sha256}`;
  useEffect(() => {
    let live = true;
    setFile(null);
    // Fetched once: Verify hashes these same bytes.
    loadForm(props.sha256).then((f) => live && setFile(f));
    return () => {
      live = false;
    };
  }, [props.sha256]);
  return (
    <figure class="scan">
      {file === null ? null : file.state !== 'ok' ? (
        <p class="muted scan-missing">{t('formMissing')}</p>
      ) : file.type.startsWith('image/') ? (
        <a href={url}>
          <img src={url} alt={props.title} />
        </a>
      ) : (
        <a href={url} class="button">
          {t('openFormPdf')}
        </a>
      )}
      <figcaption class="mono small">SHA-256 {props.sha256}</figcaption>
    </figure>
  );
}

const STEP_LABEL: Record<StepId, MessageKey> = {
  trust: 'stepTrust',
  checkpoint: 'stepCheckpoint',
  consistency: 'stepConsistency',
  witness: 'stepWitness',
  devices: 'stepDevices',
  inclusion: 'stepInclusion',
  signature: 'stepSignature',
  correction: 'stepCorrection',
  form: 'stepForm',
  numbers: 'stepNumbers',
};
const STATUS_LABEL: Record<Exclude<StepStatus, 'pending'>, MessageKey> = {
  pass: 'stepPass',
  fail: 'stepFail',
  warn: 'stepWarn',
};
const VERDICT_LABEL: Record<Verdict, MessageKey> = {
  verified: 'verdictVerified',
  partly: 'verdictPartly',
  failed: 'verdictFailed',
};

type Describe = typeof lineText;

function VerifyPanel(props: { station: StationAnswer }) {
  const { t, lang } = useT();
  const election = useElection();
  const [steps, setSteps] = useState<Step[] | null>(null);
  const [outcome, setOutcome] = useState<{ verdict: Verdict; ms: number } | null>(null);
  const [running, setRunning] = useState(false);
  const [describe, setDescribe] = useState<{ fn: Describe } | null>(null);
  const [crash, setCrash] = useState<string | null>(null);
  const root = compiledTrustRoot();
  const lineWords = (codes: boolean): LineWords => ({
    codes,
    contestTitle: (id) => {
      const c = election.contests.find((x) => x.id === id);
      return c ? contestTitle(t, c) : id;
    },
  });

  const run = async () => {
    if (running) return;
    setRunning(true);
    setCrash(null);
    setOutcome(null);
    try {
      // The verifier (Ed25519, Merkle proofs) loads only when asked for.
      const [{ verifyStation, STEP_ORDER }, text] = await Promise.all([
        import('../verify'),
        import('../verify-text'),
      ]);
      setDescribe({ fn: text.lineText });
      setSteps(STEP_ORDER.map((id) => ({ id, status: 'pending', lines: [], notes: [] })));
      const r = await verifyStation(
        { station: props.station, root, servedOrigin: election.logOrigin },
        setSteps,
      );
      setSteps(r.steps);
      setOutcome({ verdict: r.verdict, ms: r.ms });
    } catch (e) {
      setCrash((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

  const verdictClass = (v: Verdict) =>
    v === 'verified'
      ? 'verdict verdict-pass'
      : v === 'partly'
        ? 'verdict verdict-partly'
        : 'verdict verdict-fail';
  return (
    <section aria-labelledby="verify-h" class="panel verify">
      <h2 id="verify-h">{t('verifyTitle')}</h2>
      <p class="muted">{t('verifyIntro')}</p>
      <button
        type="button"
        class="button button-primary"
        onClick={run}
        // aria-disabled, not disabled: a disabled button drops the keyboard focus to <body>.
        aria-disabled={running}
        data-testid="verify"
      >
        {running ? t('verifying') : steps ? t('verifyAgain') : t('verify')}
      </button>
      <div aria-live="polite">
        {steps && (
          <ol class="steps" data-testid="verify-steps">
            {steps.map((s) => (
              <li class={`step step-${s.status}`} data-step={s.id} data-status={s.status}>
                <span class="step-icon" aria-hidden="true">
                  {s.status === 'pass'
                    ? '✓'
                    : s.status === 'fail'
                      ? '✗'
                      : s.status === 'warn'
                        ? '!'
                        : '…'}
                </span>
                <span>
                  <strong>{t(STEP_LABEL[s.id])}</strong>
                  {s.status !== 'pending' && (
                    <span class="step-status"> {t(STATUS_LABEL[s.status])}</span>
                  )}
                  {s.lines.length > 0 && describe && (
                    <span class="step-detail">
                      {s.lines.map((l) => (
                        <span class={`line line-${l.level}`} data-line={l.code}>
                          {describe.fn(lang, l, lineWords(true))}
                        </span>
                      ))}
                    </span>
                  )}
                  {s.notes.length > 0 && (
                    <span class="step-evidence" data-testid={`evidence-${s.id}`}>
                      <span class="small">{t('evidenceNotes')}:</span>
                      {s.notes.map((n) => (
                        <pre class="mono small wrap-anywhere">{n}</pre>
                      ))}
                    </span>
                  )}
                </span>
              </li>
            ))}
          </ol>
        )}
        {outcome && (
          <p
            class={verdictClass(outcome.verdict)}
            data-testid="verdict"
            data-verdict={outcome.verdict}
            role={outcome.verdict === 'failed' ? 'alert' : undefined}
          >
            {t(VERDICT_LABEL[outcome.verdict])}{' '}
            <span class="small" data-testid="verify-time">
              ({t('verifyTook')} {(outcome.ms / 1000).toFixed(1)} s)
            </span>
          </p>
        )}
        {outcome && outcome.verdict !== 'verified' && steps && describe && (
          // Exactly what failed, or what could not be checked, under the verdict.
          <ul class="verdict-items" data-testid="verdict-items">
            {steps.flatMap((s) =>
              s.lines
                .filter((l) => l.level === (outcome.verdict === 'failed' ? 'fail' : 'warn'))
                .map((l) => (
                  <li>
                    <strong>{t(STEP_LABEL[s.id])}:</strong> {describe.fn(lang, l, lineWords(false))}
                  </li>
                )),
            )}
          </ul>
        )}
        {crash && (
          <p class="verdict verdict-fail" role="alert" data-testid="verdict" data-verdict="failed">
            {t('verifyCrashed')} <code>{crash}</code>
          </p>
        )}
      </div>
      {root && steps && (
        <p class="small">
          {t('pinnedKey')}: <code class="wrap-anywhere">{root.logKey}</code>
          <br />
          <span class="muted">{t('pinnedNote')}</span>
        </p>
      )}
    </section>
  );
}
