// /agent: a party agent's phone at the polling station. It makes and keeps the
// agent's key (shown for the party to enrol), reads the device's QR text,
// shows the device's figures, and signs "I agree" (an attestation) or "I do
// not" (a dissent: the agent's own figures and a photo of its copy of the
// form). Signed words wait in a queue on the phone and are sent when there is
// a network; each one's index and receipt are shown. A service worker keeps
// this page (and only this page) so it opens without a network.
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import {
  FORM_AGENT_HEADER,
  FORM_PARTY_HEADER,
  FORM_SIGNATURE_HEADER,
  formUploadMessage,
} from '../../../src/election/form-upload.js';
import { toBase64, toHex, utf8 } from '../../../src/log/bytes.js';
import { sha256 } from '../../../src/log/crypto.js';
import { encodeQr } from '../../../src/qr/qr-code.js';
import {
  type AgentWord,
  agentTimeNow,
  attestation,
  dissent,
  readResultQr,
  type ScannedResult,
  wordId,
} from '../agent-entries';
import { type AgentKey, agentKey } from '../agent-key';
import { enqueue, loadQueue, type QueuedWord, Sender } from '../agent-queue';
import { contestTitle, ElectionContext } from '../election';
import { apiErrorText } from '../error-text';
import { formatNumber, useT } from '../i18n';
import { useLive } from '../live';
import { stationHref } from '../router';

const IDENTITY = 'kura.agent.identity';
const NAMES = 'kura.agent.names';

interface Identity {
  party: string;
  agent: string;
}

/** Names learnt while online, kept for the next time the page opens without a network. */
interface Names {
  stations: Record<string, string>;
  candidates: Record<string, string>;
}

function loadJson<T>(key: string, fallback: T): T {
  try {
    return (JSON.parse(localStorage.getItem(key) ?? 'null') as T) ?? fallback;
  } catch {
    return fallback;
  }
}

export function AgentPage() {
  const { t } = useT();
  const [key, setKey] = useState<AgentKey | null>(null);
  const [keyError, setKeyError] = useState<string | null>(null);
  const [who, setWho] = useState<Identity>(() =>
    loadJson<Identity>(IDENTITY, { party: '', agent: '' }),
  );
  const [queue, setQueue] = useState<QueuedWord[]>(loadQueue);
  const [scanned, setScanned] = useState<ScannedResult | null>(null);
  const sender = useRef<Sender | null>(null);

  useEffect(() => {
    agentKey().then(setKey, (e: Error) => setKeyError(e.message));
  }, []);
  useEffect(() => {
    if (!key) return;
    const s = new Sender(async (word, sha) => {
      const station = word.type === 'dissent' ? word.station : '';
      const sig = await key.sign(formUploadMessage(word.election, station, sha));
      return {
        [FORM_PARTY_HEADER]: word.party,
        [FORM_AGENT_HEADER]: word.agent,
        [FORM_SIGNATURE_HEADER]: toBase64(sig),
      };
    }, setQueue);
    sender.current = s;
    return s.start();
  }, [key]);
  useEffect(() => registerAgentWorker(), []);

  const setIdentity = (next: Identity) => {
    setWho(next);
    localStorage.setItem(IDENTITY, JSON.stringify(next));
  };
  const queued = async (
    word: AgentWord,
    photo?: { sha256: string; type: string; bytes: Uint8Array },
  ) => {
    const where = { station: scanned?.entry.station ?? '', contest: scanned?.entry.contest ?? '' };
    setQueue(await enqueue(wordId(word), word, where, photo));
    setScanned(null);
    void sender.current?.flush();
    document.getElementById('queue-h')?.focus();
  };

  return (
    <article class="agent">
      <header class="page-head">
        <p class="eyebrow">{t('agentEyebrow')}</p>
        <h1>{t('agentTitle')}</h1>
        <p class="muted">{t('agentIntro')}</p>
      </header>
      <KeyPanel agentKey={key} error={keyError} who={who} setWho={setIdentity} />
      {key && (
        <ScanPanel
          onScanned={setScanned}
          scanned={scanned}
          ready={who.party !== '' && who.agent !== ''}
        />
      )}
      {key && scanned && (
        <ResultPanel scanned={scanned} who={who} agentKey={key} onSigned={queued} />
      )}
      <QueuePanel queue={queue} retry={() => void sender.current?.flush()} />
    </article>
  );
}

function KeyPanel(props: {
  agentKey: AgentKey | null;
  error: string | null;
  who: Identity;
  setWho: (w: Identity) => void;
}) {
  const { t } = useT();
  const [party, setParty] = useState(props.who.party);
  const [agent, setAgent] = useState(props.who.agent);
  const saved = party === props.who.party && agent === props.who.agent && party !== '';
  return (
    <section class="panel" aria-labelledby="agent-key-h">
      <h2 id="agent-key-h">{t('agentKeyTitle')}</h2>
      {props.error ? (
        <p role="alert" class="badge badge-fail">
          {t('agentKeyFailed')} <code>{props.error}</code>
        </p>
      ) : !props.agentKey ? (
        <p role="status">{t('agentKeyMaking')}</p>
      ) : (
        <>
          <p>{t('agentKeyIntro')}</p>
          <p>
            <code class="wrap-anywhere agent-key" data-testid="agent-public-key">
              {props.agentKey.publicKey}
            </code>
          </p>
          <KeyQr text={props.agentKey.publicKey} label={t('agentKeyQr')} />
          <Enrolment who={props.who} publicKey={props.agentKey.publicKey} />
          <p class="small muted" data-testid="agent-key-kind" data-kind={props.agentKey.kind}>
            {props.agentKey.kind === 'webcrypto' ? t('agentKeyWebCrypto') : t('agentKeyNoble')}
          </p>
        </>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          props.setWho({ party: party.trim(), agent: agent.trim() });
        }}
      >
        <p>
          <label for="agent-party">{t('agentParty')}</label>
          <br />
          <input
            id="agent-party"
            value={party}
            autoComplete="off"
            autoCapitalize="none"
            onInput={(e) => setParty((e.target as HTMLInputElement).value)}
          />
        </p>
        <p>
          <label for="agent-id">{t('agentId')}</label>
          <br />
          <input
            id="agent-id"
            value={agent}
            autoComplete="off"
            autoCapitalize="none"
            onInput={(e) => setAgent((e.target as HTMLInputElement).value)}
          />
        </p>
        <button type="submit" class="button">
          {t('agentSave')}
        </button>{' '}
        {saved && (
          <span class="small" role="status">
            {t('agentSaved')}
          </span>
        )}
      </form>
    </section>
  );
}

/** The public key as a QR code, for the party's own tools to read off the phone's screen. */
function KeyQr(props: { text: string; label: string }) {
  const code = encodeQr(utf8(props.text), 'M');
  const quiet = 4;
  const side = code.size + 2 * quiet;
  let d = '';
  for (let y = 0; y < code.size; y++)
    for (let x = 0; x < code.size; x++)
      if (code.dark[y * code.size + x]) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
  return (
    <svg
      class="agent-key-qr"
      viewBox={`0 0 ${side} ${side}`}
      width="160"
      height="160"
      role="img"
      aria-label={props.label}
      shape-rendering="crispEdges"
    >
      <rect width={side} height={side} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}

/** Whether the party has enrolled this key yet, and where (asked while online). */
function Enrolment(props: { who: Identity; publicKey: string }) {
  const { t } = useT();
  const [state, setState] = useState<
    { kind: 'enrolled'; station: string } | { kind: 'revoked' } | { kind: 'not-yet' } | null
  >(null);
  const { party, agent } = props.who;
  // Asked again at each new checkpoint: the party's roster entry may just have been logged.
  const { version } = useLive();
  useEffect(() => {
    if (!party || !agent) return;
    let live = true;
    fetch(`/api/v1/parties/${encodeURIComponent(party)}/agents`)
      .then(async (r) => {
        if (!r.ok) return live && setState({ kind: 'not-yet' });
        const answer = (await r.json()) as {
          agents: Array<{
            agent: string;
            station: string;
            publicKey: string;
            revokedAt: number | null;
          }>;
        };
        const mine = answer.agents.find(
          (a) => a.agent === agent && a.publicKey === props.publicKey,
        );
        if (!live) return;
        setState(
          !mine
            ? { kind: 'not-yet' }
            : mine.revokedAt !== null
              ? { kind: 'revoked' }
              : { kind: 'enrolled', station: mine.station },
        );
      })
      .catch(() => {
        // offline: say nothing
      });
    return () => {
      live = false;
    };
  }, [party, agent, props.publicKey, version]);
  if (!state) return null;
  return (
    <p data-testid="agent-enrolment" data-state={state.kind}>
      {state.kind === 'enrolled' ? (
        <>
          <span class="badge badge-pass">{t('agentEnrolled')}</span>{' '}
          <a href={stationHref(state.station)} class="mono">
            {state.station}
          </a>
        </>
      ) : state.kind === 'revoked' ? (
        <span class="badge badge-fail">{t('agentKeyRevoked')}</span>
      ) : (
        <span class="badge badge-warn">{t('agentNotEnrolled')}</span>
      )}
    </p>
  );
}

/** BarcodeDetector, where the browser has one (Chromium on Android, for one). */
interface Detector {
  detect(source: HTMLVideoElement): Promise<Array<{ rawValue: string }>>;
}
const BarcodeDetectorClass = (
  globalThis as { BarcodeDetector?: new (o: { formats: string[] }) => Detector }
).BarcodeDetector;

function ScanPanel(props: {
  scanned: ScannedResult | null;
  onScanned: (s: ScannedResult | null) => void;
  ready: boolean;
}) {
  const { t } = useT();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [camera, setCamera] = useState(false);
  const read = (value: string) => {
    const r = readResultQr(value);
    if (r.ok) {
      setError(null);
      props.onScanned(r.value);
    } else {
      setError(r.error);
      props.onScanned(null);
    }
  };
  return (
    <section class="panel" aria-labelledby="agent-scan-h">
      <h2 id="agent-scan-h">{t('agentScanTitle')}</h2>
      {!props.ready && <p class="badge badge-warn">{t('agentNeedIdentity')}</p>}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          read(text);
        }}
      >
        <p>
          <label for="agent-qr">{t('agentQrText')}</label>
          <br />
          <textarea
            id="agent-qr"
            class="agent-qr"
            rows={4}
            value={text}
            spellcheck={false}
            onInput={(e) => setText((e.target as HTMLTextAreaElement).value)}
          />
        </p>
        <button type="submit" class="button button-primary" aria-disabled={!props.ready}>
          {t('agentRead')}
        </button>{' '}
        {BarcodeDetectorClass && (
          <button type="button" class="button" onClick={() => setCamera(!camera)}>
            {camera ? t('agentCameraStop') : t('agentCamera')}
          </button>
        )}
      </form>
      {camera && BarcodeDetectorClass && (
        <Camera
          onText={(value) => {
            setCamera(false);
            setText(value);
            read(value);
          }}
        />
      )}
      {error && (
        <p role="alert" class="badge badge-fail" data-testid="agent-scan-error">
          {t('agentQrBad')} <code>{error}</code>
        </p>
      )}
    </section>
  );
}

function Camera(props: { onText: (text: string) => void }) {
  const { t } = useT();
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const detector = BarcodeDetectorClass
      ? new BarcodeDetectorClass({ formats: ['qr_code'] })
      : null;
    const look = async () => {
      if (!live || !video.current || !detector) return;
      try {
        const found = await detector.detect(video.current);
        const hit = found.find((f) => f.rawValue.startsWith('kura-result:'));
        if (hit && live) return props.onText(hit.rawValue);
      } catch {
        // the frame was not ready; look again
      }
      timer = setTimeout(look, 250);
    };
    navigator.mediaDevices
      ?.getUserMedia({ video: { facingMode: 'environment' } })
      .then(async (s) => {
        stream = s;
        if (!live || !video.current) return;
        video.current.srcObject = s;
        await video.current.play();
        void look();
      })
      .catch((e: Error) => live && setError(e.message));
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, []);
  return (
    <div class="agent-camera">
      <video ref={video} muted playsInline aria-label={t('agentCameraView')} />
      {error && (
        <p role="alert" class="badge badge-fail">
          {t('agentCameraFailed')} <code>{error}</code>
        </p>
      )}
    </div>
  );
}

/** Station and candidate names: from the server when online, else as last learnt. */
function useNames(scanned: ScannedResult): Names {
  const [names, setNames] = useState<Names>(() =>
    loadJson<Names>(NAMES, { stations: {}, candidates: {} }),
  );
  const { station, contest } = scanned.entry;
  useEffect(() => {
    let live = true;
    (async () => {
      const s = await fetch(`/api/v1/stations/${encodeURIComponent(station)}`);
      if (!s.ok) return;
      const answer = (await s.json()) as { station: { name: string; ward: string } };
      const c = await fetch(
        `/api/v1/candidates/${encodeURIComponent(contest)}/${encodeURIComponent(answer.station.ward)}`,
      );
      const cands = c.ok
        ? ((await c.json()) as { candidates: Array<{ id: string; name: string }> }).candidates
        : [];
      const kept = loadJson<Names>(NAMES, { stations: {}, candidates: {} });
      const next: Names = {
        stations: { ...kept.stations, [station]: answer.station.name },
        candidates: {
          ...kept.candidates,
          ...Object.fromEntries(cands.map((x) => [x.id, x.name])),
        },
      };
      localStorage.setItem(NAMES, JSON.stringify(next));
      if (live) setNames(next);
    })().catch(() => {
      // offline: the names kept will do
    });
    return () => {
      live = false;
    };
  }, [station, contest]);
  return names;
}

function ResultPanel(props: {
  scanned: ScannedResult;
  who: Identity;
  agentKey: AgentKey;
  onSigned: (w: AgentWord, photo?: { sha256: string; type: string; bytes: Uint8Array }) => void;
}) {
  const { t, lang } = useT();
  const election = useContext(ElectionContext);
  const names = useNames(props.scanned);
  const [disagree, setDisagree] = useState(false);
  const [busy, setBusy] = useState(false);
  const e = props.scanned.entry;
  const info = election?.contests.find((c) => c.id === e.contest);
  const title = info ? contestTitle(t, info) : e.contest;
  const stationName = names.stations[e.station];
  const ready = props.who.party !== '' && props.who.agent !== '';
  const who = { election: e.election, ...props.who };
  const agree = async () => {
    if (busy || !ready) return;
    setBusy(true);
    try {
      props.onSigned(await attestation(who, props.scanned, agentTimeNow(), props.agentKey.sign));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel" aria-labelledby="agent-result-h" data-testid="agent-result">
      <h2 id="agent-result-h">{t('agentDeviceResult')}</h2>
      <dl class="facts">
        <dt>{t('station')}</dt>
        <dd data-testid="agent-station">
          {stationName ?? ''} <span class="mono">{e.station}</span>
        </dd>
        <dt>{t('contest')}</dt>
        <dd data-testid="agent-contest">{title}</dd>
        <dt>{t('device')}</dt>
        <dd class="mono">{e.device}</dd>
        <dt>{t('agentResultHash')}</dt>
        <dd class="mono small wrap-anywhere" data-testid="agent-result-hash">
          {props.scanned.hash}
        </dd>
      </dl>
      <table class="results" data-testid="agent-figures">
        <caption class="sr-only">{t('agentDeviceResult')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('candidate')}</th>
            <th scope="col" class="num">
              {t('votes')}
            </th>
          </tr>
        </thead>
        <tbody>
          {Object.entries(e.votes).map(([id, n]) => (
            <tr>
              <th scope="row">{names.candidates[id] ?? id}</th>
              <td class="num" data-candidate={id}>
                {formatNumber(lang, n)}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">{t('validAsWritten')}</th>
            <td class="num">{formatNumber(lang, e.totalValid)}</td>
          </tr>
          <tr>
            <th scope="row">{t('rejected')}</th>
            <td class="num">{formatNumber(lang, e.rejected)}</td>
          </tr>
        </tfoot>
      </table>
      <p>{t('agentAgreeHint')}</p>
      <p class="agent-actions">
        <button
          type="button"
          class="button button-primary"
          onClick={agree}
          aria-disabled={busy || !ready}
          data-testid="agent-agree"
        >
          {t('agentAgree')}
        </button>{' '}
        <button
          type="button"
          class="button"
          aria-expanded={disagree}
          onClick={() => setDisagree(!disagree)}
          data-testid="agent-disagree"
        >
          {t('agentDisagree')}
        </button>
      </p>
      {disagree && (
        <DissentForm
          scanned={props.scanned}
          names={names}
          onSubmit={async (mine, photo) => {
            if (!ready) return;
            props.onSigned(
              await dissent(
                who,
                props.scanned,
                { ...mine, form: photo.sha256 },
                agentTimeNow(),
                props.agentKey.sign,
              ),
              photo,
            );
          }}
        />
      )}
    </section>
  );
}

const PHOTO_TYPES = ['image/jpeg', 'image/png'];

function DissentForm(props: {
  scanned: ScannedResult;
  names: Names;
  onSubmit: (
    mine: { votes: Record<string, number>; rejected: number; totalValid: number; reason: string },
    photo: { sha256: string; type: string; bytes: Uint8Array },
  ) => Promise<void>;
}) {
  const { t } = useT();
  const e = props.scanned.entry;
  const [figures, setFigures] = useState<Record<string, string>>(() => ({
    ...Object.fromEntries(Object.entries(e.votes).map(([id, n]) => [id, String(n)])),
    '@rejected': String(e.rejected),
    '@totalValid': String(e.totalValid),
  }));
  const [reason, setReason] = useState('');
  const [photo, setPhoto] = useState<{ sha256: string; type: string; bytes: Uint8Array } | null>(
    null,
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = (id: string, label: string) => (
    <p>
      <label for={`dissent-${id}`}>{label}</label>
      <br />
      <input
        id={`dissent-${id}`}
        inputMode="numeric"
        pattern="[0-9]*"
        value={figures[id]}
        onInput={(x) => setFigures({ ...figures, [id]: (x.target as HTMLInputElement).value })}
      />
    </p>
  );
  const submit = async (x: Event) => {
    x.preventDefault();
    if (busy) return;
    const n = (id: string) => {
      const s = (figures[id] ?? '').trim();
      return /^(0|[1-9][0-9]{0,8})$/.test(s) ? Number(s) : null;
    };
    const all = [...Object.keys(e.votes), '@rejected', '@totalValid'];
    if (all.some((id) => n(id) === null)) return setProblem(t('agentFigureBad'));
    if (!photo) return setProblem(t('agentPhotoNeeded'));
    setProblem(null);
    setBusy(true);
    try {
      await props.onSubmit(
        {
          votes: Object.fromEntries(Object.keys(e.votes).map((id) => [id, n(id) as number])),
          rejected: n('@rejected') as number,
          totalValid: n('@totalValid') as number,
          reason: reason.trim(),
        },
        photo,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} aria-labelledby="dissent-h" data-testid="dissent-form">
      <h3 id="dissent-h">{t('agentDissentTitle')}</h3>
      <p class="muted">{t('agentDissentHint')}</p>
      {Object.keys(e.votes).map((id) => field(id, props.names.candidates[id] ?? id))}
      {field('@totalValid', t('validAsWritten'))}
      {field('@rejected', t('rejected'))}
      <p>
        <label for="dissent-reason">{t('agentReason')}</label>
        <br />
        <textarea
          id="dissent-reason"
          rows={2}
          maxLength={500}
          value={reason}
          onInput={(x) => setReason((x.target as HTMLTextAreaElement).value)}
        />
      </p>
      <p>
        <label for="dissent-photo">{t('agentPhoto')}</label>
        <br />
        <input
          id="dissent-photo"
          type="file"
          accept="image/jpeg,image/png"
          capture="environment"
          onChange={async (x) => {
            const file = (x.target as HTMLInputElement).files?.[0];
            if (!file) return setPhoto(null);
            if (!PHOTO_TYPES.includes(file.type)) {
              setPhoto(null);
              return setProblem(t('agentPhotoType'));
            }
            const bytes = new Uint8Array(await file.arrayBuffer());
            setProblem(null);
            setPhoto({ sha256: toHex(sha256(bytes)), type: file.type, bytes });
          }}
        />
      </p>
      {photo && (
        <p class="mono small wrap-anywhere" data-testid="dissent-photo-hash">
          SHA-256 {photo.sha256}
        </p>
      )}
      {problem && (
        <p role="alert" class="badge badge-fail">
          {problem}
        </p>
      )}
      <button
        type="submit"
        class="button button-primary"
        aria-disabled={busy}
        data-testid="dissent-send"
      >
        {t('agentDissentSend')}
      </button>
    </form>
  );
}

function QueuePanel(props: { queue: QueuedWord[]; retry: () => void }) {
  const { t, lang } = useT();
  const waiting = props.queue.filter((w) => w.state === 'waiting').length;
  return (
    <section class="panel" aria-labelledby="queue-h" data-testid="agent-queue">
      <h2 id="queue-h" tabIndex={-1}>
        {t('agentQueueTitle')}
      </h2>
      <p aria-live="polite" data-testid="agent-waiting" data-waiting={waiting}>
        {waiting === 0 ? t('agentNothingWaiting') : `${t('agentWaiting')}: ${waiting}`}
      </p>
      {waiting > 0 && (
        <button type="button" class="button" onClick={props.retry}>
          {t('agentSendNow')}
        </button>
      )}
      {props.queue.length > 0 && (
        <ol class="agent-words">
          {[...props.queue].reverse().map((w) => (
            <li data-testid="agent-word" data-state={w.state} data-kind={w.word.type}>
              <strong>
                {w.word.type === 'attestation' ? t('agentAttestation') : t('agentDissent')}
              </strong>{' '}
              <a href={stationHref(stationOf(w))} class="mono">
                {stationOf(w)}
              </a>{' '}
              ·{' '}
              {w.state === 'sent' ? (
                <span class="badge badge-pass" data-testid="agent-word-index">
                  {t('agentSent')} #{w.index}
                </span>
              ) : w.state === 'refused' ? (
                <span class="badge badge-fail">
                  {t('agentRefused')}:{' '}
                  {apiErrorText(lang, w.refusal?.code ?? null, w.refusal?.status ?? 0)}{' '}
                  <code>{w.refusal?.code}</code>
                </span>
              ) : (
                <span class="badge badge-warn">
                  {t('agentQueued')}
                  {w.tries > 0 && ` · ${t('agentTries')} ${formatNumber(lang, w.tries)}`}
                </span>
              )}
              {w.photo?.refusal && (
                <span class="small warn-text">
                  {' '}
                  {t('agentPhotoRefused')}: <code>{w.photo.refusal.code}</code>
                </span>
              )}
              {w.receipt && (
                <details>
                  <summary>{t('agentReceipt')}</summary>
                  <pre class="mono small wrap-anywhere" data-testid="agent-receipt">
                    {w.receipt}
                  </pre>
                </details>
              )}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

/** A word's station: a dissent names it; an attestation's is its agent's, kept with the result. */
function stationOf(w: QueuedWord): string {
  return w.word.type === 'dissent' ? w.word.station : w.station;
}

/**
 * Registers the service worker that keeps this page for offline use. Its scope
 * is /agent: no other page of the portal is ever served from its cache.
 */
function registerAgentWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker
    .register('/agent-sw.js', { scope: '/agent' })
    .then(async () => {
      const ready = await navigator.serviceWorker.ready;
      // What this page loaded (its shell, scripts and styles): kept for the next visit offline.
      const urls = [
        location.pathname,
        ...performance
          .getEntriesByType('resource')
          .map((r) => new URL(r.name))
          .filter((u) => u.origin === location.origin && u.pathname.startsWith('/assets/'))
          .map((u) => u.pathname),
      ];
      ready.active?.postMessage({ keep: urls });
    })
    .catch(() => {
      // No service worker (plain HTTP, private mode): the page still works while online.
    });
}
