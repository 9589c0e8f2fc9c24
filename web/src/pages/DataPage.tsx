// Open data: the NIST SP 1500-100 report of the whole election, the national
// tables per contest, and the log itself.
import { contestTitle, useElection } from '../election';
import { useT } from '../i18n';

export function DataPage() {
  const { t } = useT();
  const election = useElection();
  return (
    <article>
      <header class="page-head">
        <h1>{t('dataTitle')}</h1>
        <p class="muted">{t('dataIntro')}</p>
      </header>
      <section class="panel" aria-labelledby="nist-h">
        <h2 id="nist-h">{t('nistTitle')}</h2>
        <p>{t('nistNote')}</p>
        <p>
          <a class="button" href="/api/v1/export/nist-err.json" download>
            nist-err.json
          </a>
        </p>
      </section>
      <section class="panel" aria-labelledby="level-h">
        <h2 id="level-h">{t('perLevel')}</h2>
        <ul class="hits">
          {election.contests.map((c) => (
            <li>
              {contestTitle(t, c)}:{' '}
              <a href={`/api/v1/data/${encodeURIComponent(c.id)}?format=csv`} download>
                CSV
              </a>{' '}
              ·{' '}
              <a href={`/api/v1/data/${encodeURIComponent(c.id)}?format=json`} download>
                JSON
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section class="panel" aria-labelledby="log-h">
        <h2 id="log-h">{t('theLog')}</h2>
        <ul class="hits mono">
          <li>
            <a href="/log/checkpoint">/log/checkpoint</a>
          </li>
          <li>
            <a href="/log/key">/log/key</a>
          </li>
          <li>/log/tile/…</li>
          <li>
            <a href="/api/v1/election">/api/v1/election</a>
          </li>
        </ul>
      </section>
    </article>
  );
}
