// The parts of an official's form: a labelled field, the call that logs an act
// and its outcome, and a refusal in plain words. Shared by the officials' pages.
import { useState } from 'preact/hooks';
import { type Lang, useT } from '../i18n';
import { ApiRefusal, call } from '../officials';

export type Outcome = { ok: boolean; text: string } | null;

/** A refusal in plain words, with the server's code (and the field at fault) once. */
export async function refusalText(lang: Lang, e: unknown): Promise<string> {
  const { apiErrorText } = await import('../error-text');
  if (!(e instanceof ApiRefusal)) return apiErrorText(lang, null, 0);
  return `${apiErrorText(lang, e.code, e.status)} — ${e.code}${e.field ? ` (${e.field})` : ''}`;
}

export function useAction(token: string | null) {
  const { lang } = useT();
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [busy, setBusy] = useState(false);
  /** Posts `body` (or what `body()` gives: an upload may come first) to `url`. */
  const run = async <R extends { index: number }>(
    url: string,
    body: unknown,
    done: (r: R) => string,
  ): Promise<void> => {
    setBusy(true);
    try {
      const sent = typeof body === 'function' ? await (body as () => Promise<unknown>)() : body;
      const r = await call<R>('POST', url, token, sent);
      setOutcome({ ok: true, text: done(r) });
    } catch (e) {
      setOutcome({ ok: false, text: await refusalText(lang, e) });
    } finally {
      setBusy(false);
    }
  };
  return { outcome, busy, run };
}

export function Result(props: { outcome: Outcome; testid: string }) {
  if (!props.outcome) return null;
  return (
    <p
      role="status"
      data-testid={props.testid}
      class={props.outcome.ok ? 'badge badge-pass' : 'badge badge-fail'}
    >
      {props.outcome.text}
    </p>
  );
}

export function Field(props: {
  id: string;
  label: string;
  value: string;
  set: (v: string) => void;
  type?: string;
  hint?: string;
}) {
  return (
    <p>
      <label for={props.id}>{props.label}</label>
      <br />
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value}
        onInput={(e) => props.set((e.target as HTMLInputElement).value)}
        autoComplete={props.type === 'password' ? 'current-password' : 'off'}
      />
      {props.hint && <span class="small muted"> {props.hint}</span>}
    </p>
  );
}
