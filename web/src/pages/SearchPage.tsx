// Search by polling station name or code, or by the name of a place.
import { useState } from 'preact/hooks';
import type { SearchAnswer } from '../api';
import { useJson } from '../api';
import { Failure, Loading } from '../components/Layout';
import { useElection } from '../election';
import { type MessageKey, useT } from '../i18n';
import { navigate, stationHref, unitHref } from '../router';

export function SearchPage(props: { q: string }) {
  const { t } = useT();
  const election = useElection();
  const [text, setText] = useState(props.q);
  const q = props.q.trim();
  const results = useJson<SearchAnswer>(
    q.length >= 2 ? `/api/v1/search?q=${encodeURIComponent(q)}` : null,
  );
  const first = election.contests[0]?.id ?? 'president';
  return (
    <article>
      <header class="page-head">
        <h1>{t('navSearch')}</h1>
      </header>
      <form
        class="search"
        onSubmit={(e) => {
          e.preventDefault();
          navigate(`/search?q=${encodeURIComponent(text.trim())}`);
        }}
      >
        <label for="q">{t('searchLabel')}</label>
        <div class="search-row">
          <input
            id="q"
            name="q"
            type="search"
            value={text}
            minLength={2}
            maxLength={100}
            placeholder={t('searchPlaceholder')}
            autoComplete="off"
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
          />
          <button type="submit" class="button button-primary">
            {t('searchButton')}
          </button>
        </div>
      </form>
      {q.length >= 2 &&
        (results.state === 'loading' ? (
          <Loading />
        ) : results.state === 'error' ? (
          <Failure error={results.error} />
        ) : (
          <div aria-live="polite">
            {results.data.stations.length === 0 && results.data.units.length === 0 && (
              <p>{t('searchNone')}</p>
            )}
            {results.data.units.length > 0 && (
              <section aria-labelledby="places-h">
                <h2 id="places-h">{t('places')}</h2>
                <ul class="hits">
                  {results.data.units.map((u) => (
                    <li>
                      <a href={unitHref(first, u.code)}>{u.name}</a>{' '}
                      <span class="muted">
                        {t(u.level as MessageKey)}
                        {u.parent ? ` · ${u.parent.name}` : ''}
                      </span>
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {results.data.stations.length > 0 && (
              <section aria-labelledby="stations-h">
                <h2 id="stations-h">{t('stations')}</h2>
                <ul class="hits" data-testid="search-stations">
                  {results.data.stations.map((s) => (
                    <li>
                      <a href={stationHref(s.code)}>{s.name}</a>{' '}
                      <span class="mono muted">{s.code}</span>{' '}
                      <span class="muted">
                        {[s.ward?.name, s.county?.name].filter(Boolean).join(' · ')}
                      </span>
                    </li>
                  ))}
                </ul>
                {results.data.more && <p class="muted">{t('searchMore')}</p>}
              </section>
            )}
          </div>
        ))}
    </article>
  );
}
