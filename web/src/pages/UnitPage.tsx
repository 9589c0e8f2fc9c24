// Results for one contest in one unit: the nation (the national summary),
// a county, a constituency or a ward. Figures, a bar chart of shares, the
// county map (nation-wide contests) or a county's constituency map, the constitutional tests (presidency),
// and a table of the units or polling stations one level down. Above a
// contest's races (governors nation-wide, MCAs in a county) the tally counts
// per party: the page shows the parties and how many races, and links down.

import type { WordCounts } from '../agent-views';
import type { Candidate, TallyAnswer, UnitAnswer, UnitTally, WardStationsAnswer } from '../api';
import { useJson } from '../api';
import { Failure, Loading } from '../components/Layout';
import { MapSlot, mayHaveMap } from '../components/MapSlot';
import { PartyLinks } from '../components/PartyLinks';
import { SharesChart } from '../components/SharesChart';
import { TableFrame } from '../components/TableFrame';
import { aggregates, contestTitle, useElection } from '../election';
import { formatNumber, formatPercent, type MessageKey, useT } from '../i18n';
import { useLive } from '../live';
import { stationHref, unitHref } from '../router';
import {
  colourFor,
  constitutionalTests,
  leader,
  type Share,
  shares,
  turnout,
  validVotes,
} from '../tally';

const enc = encodeURIComponent;
const BELOW = {
  nation: 'county',
  county: 'constituency',
  constituency: 'ward',
  ward: 'ward',
} as const;

export function UnitPage(props: { contest: string; unit: string }) {
  const { t, lang } = useT();
  const election = useElection();
  const { version } = useLive();
  const { contest, unit } = props;
  const info = election.contests.find((c) => c.id === contest);
  const tally = useJson<TallyAnswer>(
    info ? `/api/v1/tally/${enc(contest)}${unit ? `/${enc(unit)}` : ''}` : null,
    version,
  );
  const place = useJson<UnitAnswer>(unit ? `/api/v1/units/${enc(unit)}` : '/api/v1/units');
  // Candidates are named on this page and in the table below it only where
  // those units lie within one race: no list of every ward's candidates nation-wide.
  const level = place.state === 'ready' ? place.data.unit.level : null;
  const needCandidates = info && level !== null && !aggregates(BELOW[level], info.scope);
  const cands = useJson<{ candidates: Candidate[] }>(
    needCandidates ? `/api/v1/candidates/${enc(contest)}${unit ? `/${enc(unit)}` : ''}` : null,
  );
  if (!info) return <Failure error={new Error(`${t('notFound')}: ${contest}`)} />;
  if (tally.state === 'error') return <Failure error={tally.error} />;
  if (place.state === 'error') return <Failure error={place.error} />;
  if (needCandidates && cands.state === 'error') return <Failure error={cands.error} />;
  if (
    tally.state === 'loading' ||
    place.state === 'loading' ||
    (needCandidates && cands.state === 'loading')
  )
    return <Loading />;

  const answer = tally.data;
  const where = place.data;
  const listed = cands.state === 'ready' && needCandidates ? cands.data.candidates : [];
  const candidates = new Map(listed.map((c) => [c.id, c]));
  const order = listed.map((c) => c.id);
  const colour = (id: string) => colourFor(order, id);
  const name = (id: string) => candidates.get(id)?.name ?? id;
  // Per party (several races) or per candidate (one race): as the tally itself counts.
  const byParty = answer.tally.partyVotes !== undefined;
  const list = shares(answer.tally, candidates);
  const partyOrder = Object.keys(answer.tally.partyVotes ?? {});
  const partyColour = (party: string) => colourFor(partyOrder, party);
  const counties = answer.children.filter((c) => c.level === 'county');
  const showMap =
    answer.level === 'nation' &&
    info.scope === 'nation' &&
    mayHaveMap({ level: 'county', units: counties });
  const levelName =
    answer.level === 'nation' ? t('nationalSummary') : t(answer.level as MessageKey);

  return (
    <article aria-busy={tally.refreshing}>
      {where.ancestors.length > 0 && (
        <nav aria-label={t('breadcrumb')} class="crumbs">
          <ol>
            {where.ancestors.map((a) => (
              <li>
                <a href={unitHref(contest, a.code)}>{a.code === '' ? t('nation') : a.name}</a>
              </li>
            ))}
            <li aria-current="page">{answer.name}</li>
          </ol>
        </nav>
      )}
      <header class="page-head">
        <p class="eyebrow">{levelName}</p>
        <h1>
          {answer.level === 'nation'
            ? contestTitle(t, info)
            : `${answer.name}: ${contestTitle(t, info)}`}
        </h1>
      </header>
      <ContestTabs contest={contest} unit={unit} />
      <Figures tally={answer.tally} />
      {byParty ? (
        <>
          <p class="hint" data-testid="races">
            {formatNumber(lang, answer.tally.races ?? 0)} {t('races')}. {t('racesHint')}
          </p>
          <div class="grid-2">
            <section aria-labelledby="votes-h">
              <h2 id="votes-h">{t('votesByParty')}</h2>
              <CandidateTable shares={list} colour={partyColour} byParty />
              <p class="muted">{t('partyHint')}</p>
            </section>
            <section aria-labelledby="shares-h">
              <h2 id="shares-h">{t('partySharesChart')}</h2>
              {validVotes(answer.tally) === 0 ? (
                <p class="muted">{t('noResults')}</p>
              ) : (
                <SharesChart shares={list} colour={partyColour} />
              )}
            </section>
          </div>
        </>
      ) : (
        <div class="grid-2">
          {/* Numbers first: the votes before the chart (above the fold on a laptop, first on a phone). */}
          {!showMap && (
            <section aria-labelledby="votes-h">
              <h2 id="votes-h">{t('votes')}</h2>
              <CandidateTable shares={list} colour={colour} />
            </section>
          )}
          <section aria-labelledby="shares-h">
            <h2 id="shares-h">{t('sharesChart')}</h2>
            {showMap && <CandidateTable shares={list} colour={colour} />}
            {validVotes(answer.tally) === 0 ? (
              <p class="muted">{t('noResults')}</p>
            ) : (
              <SharesChart shares={list} colour={colour} />
            )}
          </section>
          {showMap && (
            <MapSlot
              contest={contest}
              level="county"
              units={counties}
              colour={colour}
              leaderName={name}
            />
          )}
        </div>
      )}
      {answer.level === 'county' && (
        <MapSlot
          contest={contest}
          level="constituency"
          county={unit}
          units={answer.children}
          colour={byParty ? partyColour : colour}
          leaderName={byParty ? (party) => party : name}
        />
      )}
      {info.kind === 'president' && answer.level === 'nation' && (
        <ConstitutionalPanel answer={answer} name={name} />
      )}
      {answer.level === 'ward' ? (
        <WardStations
          contest={contest}
          ward={unit}
          candidates={order}
          name={name}
          colour={colour}
        />
      ) : (
        <ChildrenTable
          answer={answer}
          scope={info.scope}
          contest={contest}
          name={name}
          colour={colour}
          order={order}
        />
      )}
      {/* Parties' parallel tallies, once agents have signed words here (no request before). */}
      {!!((answer.tally as WordCounts).cosigned || (answer.tally as WordCounts).disputed) && (
        <PartyLinks contest={contest} unit={unit} />
      )}
      <Downloads contest={contest} unit={unit} />
    </article>
  );
}

function ContestTabs(props: { contest: string; unit: string }) {
  const { t } = useT();
  const election = useElection();
  return (
    <nav aria-label={t('contests')} class="tabs">
      {election.contests.map((c) => (
        <a
          href={unitHref(c.id, props.unit)}
          aria-current={c.id === props.contest ? 'page' : undefined}
        >
          {contestTitle(t, c)}
        </a>
      ))}
    </nav>
  );
}

function Figures(props: { tally: UnitTally }) {
  const { t, lang } = useT();
  const s: UnitTally & WordCounts = props.tally;
  const flagged = Object.values(s.flagged).reduce((a, n) => a + n, 0);
  const progress = s.stationsExpected > 0 ? s.stationsReported / s.stationsExpected : 0;
  return (
    <dl class="figures">
      <div>
        <dt>{t('stationsReported')}</dt>
        <dd>
          <span class="big" data-testid="stations-reported">
            {formatNumber(lang, s.stationsReported)}
          </span>{' '}
          {t('of')} {formatNumber(lang, s.stationsExpected)}
          <span class="bar" aria-hidden="true">
            <span style={{ width: `${Math.round(progress * 1000) / 10}%` }} />
          </span>
          {/* Party agents' words (issue 15): present once a station has one. */}
          {(s.cosigned !== undefined || s.disputed !== undefined) && (
            <span class="small" data-testid="agent-counts">
              {t('cosignedStations')}:{' '}
              <span data-testid="cosigned">{formatNumber(lang, s.cosigned ?? 0)}</span> ·{' '}
              {t('disputedStations')}:{' '}
              <span data-testid="disputed">{formatNumber(lang, s.disputed ?? 0)}</span>
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>{t('turnout')}</dt>
        <dd>
          <span class="big">{formatPercent(lang, turnout(s))}</span>
          <span class="small">
            {formatNumber(lang, s.registeredReported)} {t('registeredReported')}
          </span>
        </dd>
      </div>
      <div>
        <dt>{t('validVotes')}</dt>
        <dd>
          <span class="big">{formatNumber(lang, validVotes(s))}</span>
          <span class="small">
            {t('validAsWritten')}: {formatNumber(lang, s.totalValid)}
          </span>
        </dd>
      </div>
      <div>
        <dt>{t('rejected')}</dt>
        <dd>
          <span class="big">{formatNumber(lang, s.rejected)}</span>
          {flagged > 0 && (
            <span class="small warn-text">
              {t('flagged')}: {formatNumber(lang, flagged)}
            </span>
          )}
        </dd>
      </div>
    </dl>
  );
}

/** Candidates and their parties; or, `byParty`, parties alone (shares of several races summed). */
function CandidateTable(props: {
  shares: Share[];
  colour: (id: string) => string;
  byParty?: boolean;
}) {
  const { t, lang } = useT();
  return (
    <TableFrame label={props.byParty ? t('votesByParty') : t('votes')}>
      <table class="results" data-testid={props.byParty ? 'party-table' : 'candidate-table'}>
        <thead>
          <tr>
            <th scope="col">{props.byParty ? t('party') : `${t('candidate')} · ${t('party')}`}</th>
            <th scope="col" class="num">
              {t('votes')}
            </th>
            <th scope="col" class="num">
              {t('share')}
            </th>
          </tr>
        </thead>
        <tbody>
          {props.shares.map((s) => (
            <tr>
              <th scope="row">
                <span
                  class="swatch"
                  style={{ background: props.colour(s.id) }}
                  aria-hidden="true"
                />
                {s.name}
                {/* The party under the name: two columns fewer to fit a phone. */}
                {!props.byParty && s.party && <span class="sub">{s.party}</span>}
              </th>
              <td class="num" data-figure="votes">
                {formatNumber(lang, s.votes)}
              </td>
              <td class="num" data-figure="share">
                {formatPercent(lang, s.share)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableFrame>
  );
}

function ConstitutionalPanel(props: { answer: TallyAnswer; name: (id: string) => string }) {
  const { t, lang } = useT();
  const election = useElection();
  // Counties for Article 138(4): those with their own county races (Kenya's 47;
  // not the diaspora and prisons pseudo-counties). Without county contests, all.
  const countyContest = election.contests.find((c) => c.scope === 'county');
  const countyRaces = useJson<TallyAnswer>(
    countyContest ? `/api/v1/tally/${enc(countyContest.id)}` : null,
  );
  if (countyContest && countyRaces.state !== 'ready') return null;
  const real =
    countyContest && countyRaces.state === 'ready'
      ? new Set(countyRaces.data.children.map((c) => c.unit))
      : null;
  const counties = props.answer.children.filter(
    (c) => c.level === 'county' && (!real || real.has(c.unit)),
  );
  const tests = constitutionalTests(
    props.answer.tally,
    counties.map((c) => c.tally),
  ).slice(0, 2);
  const complete = props.answer.tally.stationsReported === props.answer.tally.stationsExpected;
  const verdict = (ok: boolean) => (
    <span class={ok ? 'badge badge-pass' : 'badge badge-fail'}>{ok ? t('met') : t('notMet')}</span>
  );
  return (
    <section aria-labelledby="const-h" class="panel">
      <h2 id="const-h">{t('constitutionalTests')}</h2>
      {!complete && <p class="muted">{t('provisional')}</p>}
      <TableFrame label={t('constitutionalTests')} stack>
        <table class="results">
          <thead>
            <tr>
              <th scope="col">{t('candidate')}</th>
              <th scope="col">{t('testMajority')}</th>
              <th scope="col">{t('testCounties')}</th>
            </tr>
          </thead>
          <tbody>
            {tests.map((x) => (
              <tr data-testid={`test-${x.candidate}`}>
                <th scope="row">{props.name(x.candidate)}</th>
                <td data-label={t('testMajority')} data-figure="share">
                  {verdict(x.majority)} {formatPercent(lang, x.share, 2)}
                </td>
                <td data-label={t('testCounties')} data-figure="counties">
                  {verdict(x.counties)} {x.countiesAt25} / {x.countiesTotal} {t('countiesAt25')} (
                  {x.countiesNeeded} {t('needed')})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableFrame>
    </section>
  );
}

function ChildrenTable(props: {
  answer: TallyAnswer;
  scope: TallyAnswer['level'];
  contest: string;
  name: (id: string) => string;
  colour: (id: string) => string;
  order: string[];
}) {
  const { t, lang } = useT();
  const children = props.answer.children;
  if (children.length === 0) return null;
  const level = children[0]?.level ?? 'county';
  const heading = t(
    ({ county: 'counties', constituency: 'constituencies', ward: 'wards' } as const)[
      level as 'county'
    ] ?? 'counties',
  );
  const showLeader = !aggregates(level, props.scope);
  // Children that hold several races each: how many, and a link down to them.
  const showRaces = !showLeader;
  const perCandidate = showLeader && props.order.length <= 5 ? props.order : [];
  return (
    <section aria-labelledby="children-h">
      <h2 id="children-h">{heading}</h2>
      <TableFrame label={heading} stack more>
        <table class="results" data-testid="children-table">
          <thead>
            <tr>
              <th scope="col">{t('name')}</th>
              <th scope="col" class="num secondary">
                {t('reported')}
              </th>
              <th scope="col" class="num">
                {t('turnout')}
              </th>
              {showRaces && (
                <th scope="col" class="num">
                  {t('racesColumn')}
                </th>
              )}
              {showLeader && <th scope="col">{t('leading')}</th>}
              {perCandidate.map((id) => (
                <th scope="col" class="num">
                  {props.name(id)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {children.map((c) => {
              const lead = leader(c.tally);
              return (
                <tr>
                  <th scope="row">
                    <a href={unitHref(props.contest, c.unit)}>{c.name}</a>
                  </th>
                  <td class="num secondary" data-label={t('reported')}>
                    {formatNumber(lang, c.tally.stationsReported)} /{' '}
                    {formatNumber(lang, c.tally.stationsExpected)}
                  </td>
                  <td class="num" data-label={t('turnout')}>
                    {formatPercent(lang, turnout(c.tally))}
                  </td>
                  {showRaces && (
                    <td class="num" data-label={t('racesColumn')}>
                      {formatNumber(lang, c.tally.races ?? 1)}
                    </td>
                  )}
                  {showLeader && (
                    <td class="leading" data-label={t('leading')} data-figure="share">
                      {lead ? (
                        <>
                          <span
                            class="swatch"
                            style={{ background: props.colour(lead.id) }}
                            aria-hidden="true"
                          />
                          {props.name(lead.id)} {formatPercent(lang, lead.share)}
                        </>
                      ) : (
                        <span class="muted">{t('noResults')}</span>
                      )}
                    </td>
                  )}
                  {perCandidate.map((id) => (
                    <td class="num" data-label={props.name(id)} data-figure="votes">
                      {formatNumber(lang, c.tally.votes?.[id] ?? 0)}
                    </td>
                  ))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableFrame>
    </section>
  );
}

function WardStations(props: {
  contest: string;
  ward: string;
  candidates: string[];
  name: (id: string) => string;
  colour: (id: string) => string;
}) {
  const { t, lang } = useT();
  const { version } = useLive();
  const data = useJson<WardStationsAnswer>(
    `/api/v1/stations?ward=${enc(props.ward)}&contest=${enc(props.contest)}`,
    version,
  );
  if (data.state === 'loading') return <Loading />;
  if (data.state === 'error') return <Failure error={data.error} />;
  const cols = props.candidates.slice(0, 6);
  return (
    <section aria-labelledby="stations-h">
      <h2 id="stations-h">{t('stations')}</h2>
      <TableFrame label={t('stations')} stack more>
        <table class="results" data-testid="stations-table">
          <thead>
            <tr>
              <th scope="col" class="place">
                {t('station')} · {t('code')}
              </th>
              <th scope="col" class="num secondary">
                {t('registered')}
              </th>
              {cols.map((id) => (
                <th scope="col" class="num">
                  {props.name(id)}
                </th>
              ))}
              <th scope="col" class="num">
                {t('rejected')}
              </th>
              <th scope="col">{t('flags')}</th>
            </tr>
          </thead>
          <tbody>
            {data.data.stations.map((s) => (
              <tr>
                <th scope="row" class="place">
                  <a href={stationHref(s.code)}>{s.name}</a>
                  {/* The code under the name: a column fewer, and the name keeps its width. */}
                  <span class="sub mono">{s.code}</span>
                </th>
                <td class="num secondary" data-label={t('registered')}>
                  {formatNumber(lang, s.registeredVoters)}
                </td>
                {s.result ? (
                  <>
                    {cols.map((id) => (
                      <td class="num" data-label={props.name(id)} data-figure="votes">
                        {formatNumber(lang, s.result?.votes[id] ?? 0)}
                      </td>
                    ))}
                    <td class="num" data-label={t('rejected')} data-figure="rejected">
                      {formatNumber(lang, s.result.rejected)}
                    </td>
                    <td class="flags" data-label={t('flags')} data-figure="flags">
                      {s.result.flags.length === 0 ? (
                        <span class="muted">–</span>
                      ) : (
                        s.result.flags.map((f) => (
                          <span class="badge badge-warn">{t(`flag.${f}` as MessageKey) ?? f}</span>
                        ))
                      )}
                    </td>
                  </>
                ) : (
                  <td colSpan={cols.length + 2} class="muted wide">
                    {s.takesPart ? t('notReported') : t('notInContest')}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </TableFrame>
    </section>
  );
}

function Downloads(props: { contest: string; unit: string }) {
  const { t } = useT();
  const base = `/api/v1/data/${enc(props.contest)}${props.unit ? `/${enc(props.unit)}` : ''}`;
  return (
    <p class="downloads">
      {t('download')}:{' '}
      <a href={`${base}?format=csv`} download>
        CSV
      </a>{' '}
      ·{' '}
      <a href={`${base}?format=json`} download>
        JSON
      </a>
    </p>
  );
}
