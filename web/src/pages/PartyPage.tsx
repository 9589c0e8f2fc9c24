// /party/<party>?contest=&unit=: a party's parallel tally of a contest in a
// unit, beside the official one: the tally its agents' signed words give
// (co-signed stations at the device's figures, disputed ones at the agent's;
// stations without its word left out and counted), and the stations where its
// figures differ from the official ones. The server computes it with the code
// the fold and `kura verify` use (src/election/agents.ts).
import type { Figures, PartyTallyAnswer } from '../agent-views';
import type { Candidate, UnitAnswer } from '../api';
import { useJson } from '../api';
import { Failure, Loading } from '../components/Layout';
import { TableFrame } from '../components/TableFrame';
import { aggregates, contestTitle, useElection } from '../election';
import { formatNumber, useT } from '../i18n';
import { useLive } from '../live';
import { partyHref, stationHref } from '../router';

const enc = encodeURIComponent;

export function PartyPage(props: { party: string; contest: string; unit: string }) {
  const { t, lang } = useT();
  const election = useElection();
  const { version } = useLive();
  const info = election.contests.find((c) => c.id === props.contest);
  const answer = useJson<PartyTallyAnswer>(
    `/api/v1/parties/${enc(props.party)}/tally/${enc(props.contest)}/${enc(props.unit || 'nation')}`,
    version,
  );
  // The unit's name and level, as the unit page takes them (the tally does not carry them below the nation).
  const place = useJson<UnitAnswer>(props.unit ? `/api/v1/units/${enc(props.unit)}` : null);
  const unit = place.state === 'ready' ? place.data.unit : null;
  // Candidates are named where the unit lies within one race (as the unit page does).
  const level = !props.unit ? 'nation' : (unit?.level ?? null);
  const oneRace = info && level !== null && !aggregates(level, info.scope);
  const cands = useJson<{ candidates: Candidate[] }>(
    oneRace
      ? `/api/v1/candidates/${enc(props.contest)}${props.unit ? `/${enc(props.unit)}` : ''}`
      : null,
  );
  if (answer.state === 'loading') return <Loading />;
  if (answer.state === 'error') return <Failure error={answer.error} />;
  const a = answer.data;
  const names = new Map(
    (cands.state === 'ready' ? cands.data.candidates : []).map((c) => [c.id, c.name]),
  );
  const name = (id: string) => names.get(id) ?? id;
  const official = (a.official.partyVotes ?? a.official.votes ?? {}) as Record<string, number>;
  const party = (a.tally.partyVotes ?? a.tally.votes ?? {}) as Record<string, number>;
  const ids = [...new Set([...Object.keys(official), ...Object.keys(party)])].sort(
    (x, y) => (official[y] ?? 0) - (official[x] ?? 0),
  );
  const title = info ? contestTitle(t, info) : props.contest;
  return (
    <article>
      <header class="page-head">
        <p class="eyebrow">{t('partyEyebrow')}</p>
        <h1>{t('partyTallyTitle').replace('{party}', a.name)}</h1>
        <p class="muted">
          {title} · {a.unit === '' ? t('nation') : (unit?.name ?? a.unit)}
        </p>
      </header>
      <nav aria-label={t('contests')} class="tabs">
        {election.contests.map((c) => (
          <a
            href={partyHref(props.party, c.id, c.scope === 'nation' ? props.unit : '')}
            aria-current={c.id === props.contest ? 'page' : undefined}
          >
            {contestTitle(t, c)}
          </a>
        ))}
      </nav>
      <p class="muted">{t('partyTalliesHint')}</p>
      <dl class="figures">
        <div>
          <dt>{t('partyAttested')}</dt>
          <dd class="big" data-testid="party-attested">
            {formatNumber(lang, a.tally.stationsAttested)}
          </dd>
        </div>
        <div>
          <dt>{t('partyDissented')}</dt>
          <dd class="big" data-testid="party-dissented">
            {formatNumber(lang, a.tally.stationsDissented)}
          </dd>
        </div>
        <div>
          <dt>{t('partyUncovered')}</dt>
          <dd class="big" data-testid="party-uncovered">
            {formatNumber(lang, a.tally.stationsUncovered)}
          </dd>
        </div>
      </dl>
      <TableFrame label={title}>
        <table class="results" data-testid="party-vs-official">
          <thead>
            <tr>
              <th scope="col">{a.official.partyVotes ? t('party') : t('candidate')}</th>
              <th scope="col" class="num">
                {t('partyOfficial')}
              </th>
              <th scope="col" class="num">
                {t('partyFigures')}
              </th>
              <th scope="col" class="num">
                {t('partyDifference')}
              </th>
            </tr>
          </thead>
          <tbody>
            {ids.map((id) => (
              <Compare
                label={a.official.partyVotes ? id : name(id)}
                official={official[id] ?? 0}
                party={party[id] ?? 0}
                figure={id}
              />
            ))}
            <Compare
              label={t('validAsWritten')}
              official={a.official.totalValid}
              party={a.tally.totalValid}
              figure="valid"
            />
            <Compare
              label={t('rejected')}
              official={a.official.rejected}
              party={a.tally.rejected}
              figure="rejected"
            />
          </tbody>
        </table>
      </TableFrame>
      <section aria-labelledby="differing-h">
        <h2 id="differing-h">{t('partyDiffering')}</h2>
        {a.tally.differing.length === 0 ? (
          <p class="muted" data-testid="party-no-differing">
            {t('partyNoDiffering')}
          </p>
        ) : (
          <ul class="agent-words" data-testid="party-differing">
            {a.tally.differing.map((d) => (
              <li data-station={d.station}>
                <a href={stationHref(d.station)} class="mono">
                  {d.station}
                </a>
                <Differences official={d.official} party={d.party} name={name} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </article>
  );
}

function Compare(props: { label: string; official: number; party: number; figure: string }) {
  const { lang } = useT();
  const diff = props.party - props.official;
  return (
    <tr data-figure={props.figure} data-differs={diff !== 0}>
      <th scope="row">{props.label}</th>
      <td class="num">{formatNumber(lang, props.official)}</td>
      <td class="num" data-party-figure={props.figure}>
        {formatNumber(lang, props.party)}
      </td>
      <td class="num">
        {diff === 0 ? '0' : `${diff > 0 ? '+' : '−'}${formatNumber(lang, Math.abs(diff))}`}
      </td>
    </tr>
  );
}

/** Only the figures that differ: "name official → party". */
function Differences(props: { official: Figures; party: Figures; name: (id: string) => string }) {
  const { t, lang } = useT();
  const o = props.official;
  const p = props.party;
  const all: Array<[string, number, number]> = [
    ...Object.keys({ ...o.votes, ...p.votes }).map((id): [string, number, number] => [
      props.name(id),
      o.votes[id] ?? 0,
      p.votes[id] ?? 0,
    ]),
    [t('validAsWritten'), o.totalValid, p.totalValid],
    [t('rejected'), o.rejected, p.rejected],
  ];
  const lines = all.filter(([, x, y]) => x !== y);
  return (
    <ul class="small">
      {lines.map(([label, x, y]) => (
        <li>
          {label}: {t('partyOfficial')} {formatNumber(lang, x)} · {t('partyFigures')}{' '}
          <strong>{formatNumber(lang, y)}</strong>
        </li>
      ))}
    </ul>
  );
}
