// Officials' pages: log in (password, and a TOTP code for administrators),
// then enroll and revoke devices, approve corrections awaiting you, propose a
// correction, and declare a unit's result. Every action is a call the server
// checks against the log's rules and, if accepted, logs as a signed entry; a
// refusal is shown as the server worded it, naming the field.
import { useState } from 'preact/hooks';
import { useJson } from '../api';
import { Loading } from '../components/Layout';
import { lazy } from '../components/Lazy';
import { Field, Result, refusalText, useAction } from '../components/OfficialForm';
import { useT } from '../i18n';
import { useLive } from '../live';
import {
  type Correction,
  call,
  formatVotes,
  loadSession,
  type OfficialsStatusAnswer,
  parseVotes,
  roleName,
  type Session,
  saveSession,
} from '../officials';

// The audits' desk loads only for those who run audits: it is not in the first load.
const AuditDesk = lazy(() => import('./audit-pages').then((m) => m.AuditDesk));

export function AdminPage() {
  const { t } = useT();
  const [session, setSession] = useState<Session | null>(loadSession);
  // Asked first, so a server that takes no logins says so before anyone types a password.
  const status = useJson<OfficialsStatusAnswer>('/api/v1/officials/status');
  const off = status.state === 'ready' && !status.data.logins ? status.data.refusal : null;
  return (
    <article>
      <header class="page-head">
        <h1>{t('adminTitle')}</h1>
        <p class="muted">{t('adminIntro')}</p>
      </header>
      {status.state === 'loading' ? (
        <Loading />
      ) : off ? (
        <section class="panel" data-testid="officials-off" aria-labelledby="off-h">
          <h2 id="off-h">{t('adminOff')}</h2>
          <p>{t(`adminOff.${off}`)}</p>
          <p>
            <a href="/record">{t('adminOffRecord')}</a>
          </p>
        </section>
      ) : session ? (
        <Desk
          session={session}
          logout={() => {
            void call('POST', '/api/v1/logout', session.token, {}).catch(() => {});
            saveSession(null);
            setSession(null);
          }}
        />
      ) : (
        <Login
          onLogin={(s) => {
            saveSession(s);
            setSession(s);
          }}
        />
      )}
    </article>
  );
}

function Login(props: { onLogin: (s: Session) => void }) {
  const { t, lang } = useT();
  const [account, setAccount] = useState('');
  const [password, setPassword] = useState('');
  const [totp, setTotp] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      props.onLogin(
        await call<Session>('POST', '/api/v1/login', null, { account, password, totp }),
      );
    } catch (x) {
      setError(await refusalText(lang, x));
    }
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="login-h">
      <h2 id="login-h">{t('login')}</h2>
      <Field id="login-account" label={t('account')} value={account} set={setAccount} />
      <Field
        id="login-password"
        label={t('password')}
        value={password}
        set={setPassword}
        type="password"
      />
      <Field
        id="login-totp"
        label={t('totpCode')}
        value={totp}
        set={setTotp}
        hint={t('totpHint')}
      />
      <button class="button button-primary" type="submit">
        {t('login')}
      </button>
      {error && (
        <p role="alert" class="badge badge-fail" data-testid="login-error">
          {error}
        </p>
      )}
    </form>
  );
}

function Desk(props: { session: Session; logout: () => void }) {
  const { t } = useT();
  const s = props.session;
  const admin = s.role === 'commission-admin';
  const official = admin || s.role === 'returning-officer';
  // Audit boards say what the paper says (FORMATS.md §15): their desk is the audits'.
  const auditBoard = !official && s.role !== 'observer';
  return (
    <>
      <section class="panel" aria-label={t('session')}>
        <p data-testid="whoami">
          {t('loggedInAs')} <strong>{s.account}</strong> ({roleName(t, s.role)}
          {s.scope ? `, ${s.scope}` : ''}) ·{' '}
          <button class="button" type="button" onClick={props.logout}>
            {t('logout')}
          </button>
        </p>
      </section>
      {!auditBoard && <Approvals session={s} />}
      {official && <ProposeCorrection session={s} />}
      {official && <Declare session={s} />}
      {admin && <Devices session={s} />}
      {(admin || auditBoard) && <AuditDesk session={s} />}
    </>
  );
}

function Approvals(props: { session: Session }) {
  const { t } = useT();
  const { version } = useLive();
  const [tick, setTick] = useState(0);
  const list = useJson<{ corrections: Correction[] }>('/api/v1/corrections', version + tick);
  const { outcome, busy, run } = useAction(props.session.token);
  const waiting =
    list.state === 'ready' ? list.data.corrections.filter((c) => c.status !== 'in-force') : [];
  return (
    <section class="panel" aria-labelledby="appr-h">
      <h2 id="appr-h">{t('awaitingApproval')}</h2>
      {waiting.length === 0 && <p>{t('noneYet')}</p>}
      <ul class="hits" data-testid="awaiting">
        {waiting.map((c) => (
          <li>
            #{c.entryIndex} · {c.station} · {c.contest}: {formatVotes(c.votes)} · “{c.reason}” ·{' '}
            {t(`status.${c.status}` as never)}{' '}
            <button
              class="button"
              type="button"
              disabled={busy}
              onClick={() =>
                run(`/api/v1/corrections/${c.entryIndex}/approve`, {}, (r) => {
                  setTick((x) => x + 1);
                  return `${t('approved')} #${c.entryIndex} (${t('entryIndex')} ${r.index})`;
                })
              }
            >
              {t('approve')} #{c.entryIndex}
            </button>
          </li>
        ))}
      </ul>
      <Result outcome={outcome} testid="approve-result" />
    </section>
  );
}

function ProposeCorrection(props: { session: Session }) {
  const { t } = useT();
  const [station, setStation] = useState('');
  const [contest, setContest] = useState('president');
  const [votes, setVotes] = useState('');
  const [rejected, setRejected] = useState('0');
  const [totalValid, setTotalValid] = useState('');
  const [form, setForm] = useState('');
  const [reason, setReason] = useState('');
  const { outcome, busy, run } = useAction(props.session.token);
  const submit = (e: Event) => {
    e.preventDefault();
    const v = parseVotes(votes);
    void run(
      '/api/v1/corrections',
      {
        contest,
        station,
        reason,
        form,
        votes: v ?? votes,
        rejected: Number(rejected),
        totalValid: Number(totalValid),
      },
      (r) => `${t('proposed')} (${t('entryIndex')} ${r.index})`,
    );
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="prop-h">
      <h2 id="prop-h">{t('proposeCorrection')}</h2>
      <Field id="c-station" label={t('station')} value={station} set={setStation} />
      <Field id="c-contest" label={t('contest')} value={contest} set={setContest} />
      <Field
        id="c-votes"
        label={t('votes')}
        value={votes}
        set={setVotes}
        hint="alpha=120, beta=50"
      />
      <Field id="c-rejected" label={t('rejected')} value={rejected} set={setRejected} />
      <Field id="c-total" label={t('validAsWritten')} value={totalValid} set={setTotalValid} />
      <Field id="c-form" label={t('formSha')} value={form} set={setForm} />
      <Field id="c-reason" label={t('reason')} value={reason} set={setReason} />
      <button class="button button-primary" type="submit" disabled={busy}>
        {t('proposeCorrection')}
      </button>
      <Result outcome={outcome} testid="propose-result" />
    </form>
  );
}

function Declare(props: { session: Session }) {
  const { t } = useT();
  const [contest, setContest] = useState('president');
  const [unit, setUnit] = useState(
    props.session.role === 'returning-officer' ? props.session.scope : '',
  );
  const [votes, setVotes] = useState('');
  const [rejected, setRejected] = useState('');
  const [totalValid, setTotalValid] = useState('');
  const [override, setOverride] = useState('');
  const { outcome, busy, run } = useAction(props.session.token);
  const load = async () => {
    const path = unit
      ? `/api/v1/tally/${encodeURIComponent(contest)}/${encodeURIComponent(unit)}`
      : `/api/v1/tally/${encodeURIComponent(contest)}`;
    const r = await call<{
      tally: { votes?: Record<string, number>; rejected: number; totalValid: number };
    }>('GET', path, null);
    setVotes(formatVotes(r.tally.votes ?? {}));
    setRejected(String(r.tally.rejected));
    setTotalValid(String(r.tally.totalValid));
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      '/api/v1/declarations',
      {
        contest,
        unit,
        votes: parseVotes(votes) ?? votes,
        rejected: Number(rejected),
        totalValid: Number(totalValid),
        override,
      },
      (r) => `${t('declared')} (${t('entryIndex')} ${r.index})`,
    );
  };
  return (
    <form class="panel" onSubmit={submit} aria-labelledby="decl-form-h">
      <h2 id="decl-form-h">{t('declare')}</h2>
      <Field id="d-contest" label={t('contest')} value={contest} set={setContest} />
      <Field id="d-unit" label={t('unit')} value={unit} set={setUnit} hint={t('unitHint')} />
      <p>
        <button class="button" type="button" onClick={() => void load()}>
          {t('loadLogged')}
        </button>
      </p>
      <Field id="d-votes" label={t('votes')} value={votes} set={setVotes} />
      <Field id="d-rejected" label={t('rejected')} value={rejected} set={setRejected} />
      <Field id="d-total" label={t('validAsWritten')} value={totalValid} set={setTotalValid} />
      <Field
        id="d-override"
        label={t('override')}
        value={override}
        set={setOverride}
        hint={t('overrideHint')}
      />
      <button class="button button-primary" type="submit" disabled={busy}>
        {t('declare')}
      </button>
      <Result outcome={outcome} testid="declare-result" />
    </form>
  );
}

function Devices(props: { session: Session }) {
  const { t } = useT();
  const [device, setDevice] = useState('');
  const [reason, setReason] = useState('');
  const [newId, setNewId] = useState('');
  const [station, setStation] = useState('');
  const [publicKey, setPublicKey] = useState('');
  const [replaces, setReplaces] = useState('');
  const revoke = useAction(props.session.token);
  const enroll = useAction(props.session.token);
  return (
    <>
      <form
        class="panel"
        aria-labelledby="rev-h"
        onSubmit={(e) => {
          e.preventDefault();
          void revoke.run(
            `/api/v1/devices/${encodeURIComponent(device)}/revoke`,
            { reason },
            (r) => `${t('revoked')} (${t('entryIndex')} ${r.index})`,
          );
        }}
      >
        <h2 id="rev-h">{t('revokeDevice')}</h2>
        <Field id="r-device" label={t('device')} value={device} set={setDevice} />
        <Field id="r-reason" label={t('reason')} value={reason} set={setReason} />
        <button class="button button-primary" type="submit" disabled={revoke.busy}>
          {t('revokeDevice')}
        </button>
        <Result outcome={revoke.outcome} testid="revoke-result" />
      </form>
      <form
        class="panel"
        aria-labelledby="enr-h"
        onSubmit={(e) => {
          e.preventDefault();
          void enroll.run(
            '/api/v1/devices',
            { device: newId, station, publicKey, replaces },
            (r) => `${t('enrolled')} (${t('entryIndex')} ${r.index})`,
          );
        }}
      >
        <h2 id="enr-h">{t('enrollDevice')}</h2>
        <Field id="e-device" label={t('device')} value={newId} set={setNewId} />
        <Field id="e-station" label={t('station')} value={station} set={setStation} />
        <Field id="e-key" label={t('publicKey')} value={publicKey} set={setPublicKey} />
        <Field id="e-replaces" label={t('replaces')} value={replaces} set={setReplaces} />
        <button class="button button-primary" type="submit" disabled={enroll.busy}>
          {t('enrollDevice')}
        </button>
        <Result outcome={enroll.outcome} testid="enroll-result" />
      </form>
    </>
  );
}
