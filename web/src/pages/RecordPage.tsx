// On the record: who did what on this server (every login and every official
// act, from the log), the corrections with their approvals, and the
// declarations beside any difference from the log's sums.
import type { JSX } from 'preact';
import { useJson } from '../api';
import { TableFrame } from '../components/TableFrame';
import { useT } from '../i18n';
import { useLive } from '../live';
import type { CorrectionsAnswer, DeclarationsAnswer, OfficialActsAnswer } from '../officials';
import { formatVotes } from '../officials';
import { stationHref } from '../router';

const entry = (i: number) => (
  <a href={`/api/v1/entries/${i}`} class="mono">
    #{i}
  </a>
);

/** A panel with a table of rows, "None yet." when there are none, nothing while loading. */
function Listing<T>(props: {
  id: string;
  title: string;
  testid: string;
  rows: T[] | null;
  head: string[];
  row: (x: T) => JSX.Element;
}) {
  const { t } = useT();
  return (
    <section class="panel" aria-labelledby={props.id}>
      <h2 id={props.id}>{props.title}</h2>
      {props.rows?.length === 0 && <p>{t('noneYet')}</p>}
      {props.rows && props.rows.length > 0 && (
        <TableFrame label={props.title} stack>
          <table data-testid={props.testid}>
            <thead>
              <tr>
                {props.head.map((h) => (
                  <th scope="col">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>{props.rows.map(props.row)}</tbody>
          </table>
        </TableFrame>
      )}
    </section>
  );
}

export function RecordPage() {
  const { t } = useT();
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
      <Listing
        id="corr-h"
        title={t('corrections')}
        testid="corrections"
        rows={corrections.state === 'ready' ? corrections.data.corrections : null}
        head={[t('entryIndex'), t('station'), t('reason'), t('correctedFigures'), t('status')]}
        row={(c) => (
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
              <span class={c.status === 'in-force' ? 'badge badge-pass' : 'badge badge-warn'}>
                {t(`status.${c.status}`)}
              </span>
              {c.approvals.map((a) => (
                <div class="small">
                  {t('approvedBy')} {a.account} ({a.role}) {entry(a.entryIndex)}
                </div>
              ))}
            </td>
          </tr>
        )}
      />
      <Listing
        id="decl-h"
        title={t('declarations')}
        testid="declarations"
        rows={declarations.state === 'ready' ? declarations.data.declarations : null}
        head={[t('entryIndex'), t('unit'), t('declaredBy'), t('againstTheLog')]}
        row={(d) => (
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
        )}
      />
      <Listing
        id="acts-h"
        title={t('whoDidWhat')}
        testid="acts"
        rows={acts.state === 'ready' ? [...acts.data.acts].reverse() : null}
        head={[t('entryIndex'), t('time'), t('account'), t('act'), t('onWhat')]}
        row={(a) => (
          <tr>
            <td>{entry(a.entryIndex)}</td>
            <td class="small">{a.at.replace('T', ' ').replace('Z', ' UTC')}</td>
            <td>
              {a.account || t('console')} {a.role && <span class="small muted">({a.role})</span>}
            </td>
            <td>
              {a.kind}
              {a.outcome && (
                <span class={a.outcome === 'success' ? 'badge badge-pass' : 'badge badge-fail'}>
                  {a.outcome}
                </span>
              )}
            </td>
            <td class="mono small">{a.object}</td>
          </tr>
        )}
      />
      <Listing
        id="failed-h"
        title={t('failedLogins')}
        testid="failed-logins"
        rows={acts.state === 'ready' ? [...acts.data.failedLogins].reverse() : null}
        head={[t('hour'), t('account'), t('attempts'), t('entries')]}
        row={(f) => (
          <tr>
            <td class="small">{f.hour.replace('T', ' ').replace('Z', ' UTC')}</td>
            <td>{f.account}</td>
            <td class="num">{f.count}</td>
            <td>
              {entry(f.firstEntry)}
              {f.lastEntry !== f.firstEntry && <> … {entry(f.lastEntry)}</>}
            </td>
          </tr>
        )}
      />
      <p class="small muted">{t('failedLoginsIntro')}</p>
    </article>
  );
}
