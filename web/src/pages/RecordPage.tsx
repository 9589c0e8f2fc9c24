// On the record: who did what on this server (every login and every official
// act, from the log), the corrections with their approvals, and the
// declarations beside any difference from the log's sums.
import { useJson } from '../api';
import { useT } from '../i18n';
import { useLive } from '../live';
import { type ActRecord, type Correction, type Declaration, formatVotes } from '../officials';
import { stationHref } from '../router';

const entry = (i: number) => (
  <a href={`/api/v1/entries/${i}`} class="mono">
    #{i}
  </a>
);

export function RecordPage() {
  const { t } = useT();
  const { version } = useLive();
  const acts = useJson<{ acts: ActRecord[] }>('/api/v1/officials/acts', version);
  const corrections = useJson<{ corrections: Correction[] }>('/api/v1/corrections', version);
  const declarations = useJson<{ declarations: Declaration[] }>('/api/v1/declarations', version);
  return (
    <article>
      <header class="page-head">
        <h1>{t('recordTitle')}</h1>
        <p class="muted">{t('recordIntro')}</p>
      </header>
      <section class="panel" aria-labelledby="corr-h">
        <h2 id="corr-h">{t('corrections')}</h2>
        {corrections.state === 'ready' && corrections.data.corrections.length === 0 && (
          <p>{t('noneYet')}</p>
        )}
        {corrections.state === 'ready' && corrections.data.corrections.length > 0 && (
          <div class="table-wrap">
            <table data-testid="corrections">
              <thead>
                <tr>
                  <th scope="col">{t('entryIndex')}</th>
                  <th scope="col">{t('station')}</th>
                  <th scope="col">{t('reason')}</th>
                  <th scope="col">{t('correctedFigures')}</th>
                  <th scope="col">{t('status')}</th>
                </tr>
              </thead>
              <tbody>
                {corrections.data.corrections.map((c) => (
                  <tr>
                    <td>{entry(c.entryIndex)}</td>
                    <td>
                      <a href={stationHref(c.station)}>{c.station}</a> · {c.contest}
                      <div class="small muted">
                        {t('corrects')} {entry(c.original)} · {t('proposedBy')} {c.proposedBy}
                      </div>
                    </td>
                    <td>{c.reason}</td>
                    <td class="mono small">{formatVotes(c.votes)}</td>
                    <td>
                      <span
                        class={c.status === 'in-force' ? 'badge badge-pass' : 'badge badge-warn'}
                      >
                        {t(`status.${c.status}`)}
                      </span>
                      {c.approvals.map((a) => (
                        <div class="small">
                          {t('approvedBy')} {a.account} ({a.role}) {entry(a.entryIndex)}
                        </div>
                      ))}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="panel" aria-labelledby="decl-h">
        <h2 id="decl-h">{t('declarations')}</h2>
        {declarations.state === 'ready' && declarations.data.declarations.length === 0 && (
          <p>{t('noneYet')}</p>
        )}
        {declarations.state === 'ready' && declarations.data.declarations.length > 0 && (
          <div class="table-wrap">
            <table data-testid="declarations">
              <thead>
                <tr>
                  <th scope="col">{t('entryIndex')}</th>
                  <th scope="col">{t('unit')}</th>
                  <th scope="col">{t('declaredBy')}</th>
                  <th scope="col">{t('againstTheLog')}</th>
                </tr>
              </thead>
              <tbody>
                {declarations.data.declarations.map((d) => (
                  <tr>
                    <td>{entry(d.entryIndex)}</td>
                    <td>
                      {d.contest} · {d.unit || t('nation')}
                    </td>
                    <td>
                      {d.account} ({d.role})
                    </td>
                    <td>
                      {d.differences.length === 0 ? (
                        <span class="badge badge-pass">{t('matchesLog')}</span>
                      ) : (
                        <>
                          <span class="badge badge-fail">{t('override')}</span> {d.override}
                          <ul class="small">
                            {d.differences.map((x) => (
                              <li>
                                {x.field}: {t('declared')} {x.declared}, {t('logged')} {x.logged}
                              </li>
                            ))}
                          </ul>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="panel" aria-labelledby="acts-h">
        <h2 id="acts-h">{t('whoDidWhat')}</h2>
        {acts.state === 'ready' && (
          <div class="table-wrap">
            <table data-testid="acts">
              <thead>
                <tr>
                  <th scope="col">{t('entryIndex')}</th>
                  <th scope="col">{t('time')}</th>
                  <th scope="col">{t('account')}</th>
                  <th scope="col">{t('act')}</th>
                  <th scope="col">{t('onWhat')}</th>
                </tr>
              </thead>
              <tbody>
                {[...acts.data.acts].reverse().map((a) => (
                  <tr>
                    <td>{entry(a.entryIndex)}</td>
                    <td class="small">{a.at.replace('T', ' ').replace('Z', ' UTC')}</td>
                    <td>
                      {a.account || t('console')}{' '}
                      {a.role && <span class="small muted">({a.role})</span>}
                    </td>
                    <td>
                      {a.kind}
                      {a.outcome && (
                        <span
                          class={a.outcome === 'success' ? 'badge badge-pass' : 'badge badge-fail'}
                        >
                          {a.outcome}
                        </span>
                      )}
                    </td>
                    <td class="mono small">{a.object}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </article>
  );
}
