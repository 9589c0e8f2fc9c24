// The frame of every page: skip link, header with navigation and language
// switch, the log status line, and the footer.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { HttpError } from '../api';
import { type Lang, useT } from '../i18n';
import { useLive } from '../live';

function age(seconds: number, t: ReturnType<typeof useT>['t']): string {
  if (seconds < 5) return t('justNow');
  // The unit goes where the language puts it ("sekunde 30 zilizopita").
  const n = (key: 'ageSeconds' | 'ageMinutes' | 'ageHours', x: number) =>
    t(key).replace('{n}', String(Math.round(x)));
  if (seconds < 90) return n('ageSeconds', seconds);
  if (seconds < 5400) return n('ageMinutes', seconds / 60);
  return n('ageHours', seconds / 3600);
}

export function LogStatusBar() {
  const { t, lang } = useT();
  const live = useLive();
  const s = live.status;
  return (
    <section class="logbar" aria-label={t('logStatus')}>
      <span class={live.online ? 'dot dot-live' : 'dot dot-off'} aria-hidden="true" />
      <strong>{live.online ? t('live') : t('offline')}</strong>
      {s && (
        <>
          <span data-testid="tree-size">
            {s.size.toLocaleString(lang === 'sw' ? 'sw-KE' : 'en-KE')} {t('treeSize')}
          </span>
          {s.signedAt !== null && (
            <span>
              {t('signed')} {age(Math.max(0, live.now - s.signedAt), t)}
            </span>
          )}
          <span>
            {s.witnesses.length === 0
              ? t('noWitnesses')
              : `${t('witnesses')}: ${s.witnesses.map((w) => w.name).join(', ')}`}
          </span>
          <a href="/log/checkpoint" class="mono">
            {s.origin}
          </a>
        </>
      )}
    </section>
  );
}

export function Layout(props: { title: string; children: ComponentChildren }) {
  const { t, lang, setLang } = useT();
  const langs: Array<[Lang, string]> = [
    ['en', 'English'],
    ['sw', 'Kiswahili'],
  ];
  return (
    <>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="site">
        <div class="wrap header-row">
          <a href="/" class="brand">
            <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
              <rect width="32" height="32" rx="6" fill="#fff" />
              <path
                d="M9 17l5 5 9-11"
                fill="none"
                stroke="#0b3d2e"
                stroke-width="3.5"
                stroke-linecap="round"
                stroke-linejoin="round"
              />
            </svg>
            <span>
              <span class="brand-title">{props.title || t('siteTitle')}</span>
              <span class="brand-sub">{t('tagline')}</span>
            </span>
          </a>
          <nav aria-label={t('navMain')} class="site-nav">
            <a href="/">{t('navResults')}</a>
            <a href="/search">{t('navSearch')}</a>
            <a href="/data">{t('navData')}</a>
            <a href="/audit">{t('navAudit')}</a>
            <a href="/record">{t('navRecord')}</a>
            <a href="/admin">{t('navAdmin')}</a>
          </nav>
          <fieldset class="lang">
            <legend class="sr-only">{t('language')}</legend>
            {langs.map(([l, label]) => (
              <button
                type="button"
                lang={l}
                aria-pressed={lang === l}
                class={lang === l ? 'chip chip-on' : 'chip'}
                onClick={() => setLang(l)}
              >
                {label}
              </button>
            ))}
          </fieldset>
        </div>
        <div class="wrap">
          <LogStatusBar />
        </div>
      </header>
      <main id="main" tabIndex={-1} class="wrap">
        {props.children}
      </main>
      <footer class="site-footer">
        <div class="wrap">{t('footer')}</div>
      </footer>
    </>
  );
}

export function Loading() {
  const { t } = useT();
  return (
    <p class="loading" role="status">
      {t('loading')}
    </p>
  );
}

/** A page that could not load: why, in plain words, and the server's code once. */
export function Failure(props: { error: Error }) {
  const { t, lang } = useT();
  const e = props.error instanceof HttpError ? props.error : null;
  // The words for every code load only when a page fails: they are not part of the first load.
  const [why, setWhy] = useState('');
  useEffect(() => {
    let live = true;
    if (e)
      void import('../error-text').then(
        (m) => live && setWhy(m.apiErrorText(lang, e.code, e.status)),
      );
    return () => {
      live = false;
    };
  }, [e, lang]);
  return (
    <div class="error" role="alert">
      <h2>{t('error')}</h2>
      <p>{e ? why : t('unreachable')}</p>
      {e && (
        <p class="small muted">
          {t('errorCode')}: <code>{e.code ?? `HTTP ${e.status}`}</code>
        </p>
      )}
      <button type="button" class="button" onClick={() => location.reload()}>
        {t('retry')}
      </button>
    </div>
  );
}
