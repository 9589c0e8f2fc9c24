// The whole election as a NIST SP 1500-100 (version 2) Election Results
// Reporting common data format document, JSON flavour
// (usnistgov/ElectionResultsReporting, NIST_V2_election_results_reporting.json).
//
// Mapping: the nation, counties, constituencies and wards are ReportingUnits
// (GpUnit); each race of a contest (the presidency, one governorship per
// county, …) is a CandidateContest whose ElectoralDistrictId is the race's
// unit; every candidate has a CandidateSelection with VoteCounts (Type
// "total") for the race's unit and every unit below it down to the ward, and
// each contest has SummaryCounts (ballots cast and rejected) for the same
// units. Per-station figures are not included (277,000 results would make the
// file hundreds of megabytes): they are in the per-ward CSV and JSON.
import type { ContestKind } from '../../election/definition.js';
import { type ElectionIndex, NATION } from '../../election/election-index.js';
import type { UnitTally } from '../../election/fold.js';

export interface NistErrInput {
  index: ElectionIndex;
  /** A published tally, or undefined where the contest has no race in the unit. */
  tally: (contest: string, unit: string) => UnitTally | undefined;
  /** Date of the election (YYYY-MM-DD). */
  electionDate: string;
  generatedAt: Date;
  /** The signed checkpoint the figures were read beside, for the report's notes. */
  checkpoint: { origin: string; size: number } | null;
  vendor: string;
}

type Json = Record<string, unknown>;

const text = (s: string): Json => ({
  '@type': 'ElectionResults.InternationalizedText',
  Text: [{ '@type': 'ElectionResults.LanguageString', Content: s, Language: 'en' }],
});

const gpId = (unit: string) => (unit === NATION ? 'gp-nation' : `gp-${unit}`);

/** NIST ids are free strings, but keep them to one safe alphabet. */
const safe = (s: string) =>
  s.replace(/[^A-Za-z0-9._-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);

function voteVariation(kind: ContestKind): Json {
  // Kenya's presidency needs more than half of the votes and 25% in more than half of the counties.
  return kind === 'president'
    ? {
        VoteVariation: 'other',
        OtherVoteVariation:
          'majority of valid votes and at least 25% in more than half of the counties',
      }
    : { VoteVariation: 'plurality' };
}

export function buildNistErr(input: NistErrInput): Json {
  const { index } = input;
  const def = index.definition;
  const units = def.units;

  // Units below each unit (all depths), so a race can list its VoteCounts.
  const below = new Map<string, string[]>();
  const collect = (u: string): string[] => {
    const known = below.get(u);
    if (known) return known;
    const all: string[] = [];
    for (const c of index.childrenOf(u)) all.push(c, ...collect(c));
    below.set(u, all);
    return all;
  };

  const registered = new Map<string, number>();
  for (const s of def.stations)
    for (const u of index.rollup(s.code))
      registered.set(u, (registered.get(u) ?? 0) + s.registeredVoters);

  const gpUnits: Json[] = [
    {
      '@type': 'ElectionResults.ReportingUnit',
      '@id': gpId(NATION),
      Type: 'country',
      Name: def.title,
      ComposingGpUnitIds: index.childrenOf(NATION).map(gpId),
      VotersRegistered: registered.get(NATION) ?? 0,
    },
    ...units.map((u) => ({
      '@type': 'ElectionResults.ReportingUnit',
      '@id': gpId(u.code),
      ...(u.level === 'constituency'
        ? { Type: 'other', OtherType: 'constituency' }
        : { Type: u.level }),
      Name: u.name,
      ExternalIdentifier: [
        { '@type': 'ElectionResults.ExternalIdentifier', Type: 'national-level', Value: u.code },
      ],
      ...(index.childrenOf(u.code).length
        ? { ComposingGpUnitIds: index.childrenOf(u.code).map(gpId) }
        : {}),
      VotersRegistered: registered.get(u.code) ?? 0,
    })),
  ];

  const partyIds = new Map<string, string>();
  for (const c of def.contests)
    for (const cand of c.candidates)
      if (!partyIds.has(cand.party)) partyIds.set(cand.party, `party-${partyIds.size + 1}`);
  const parties = [...partyIds].map(([name, id]) => ({
    '@type': 'ElectionResults.Party',
    '@id': id,
    Name: text(name),
  }));

  const candidates: Json[] = [];
  const contests: Json[] = [];
  let complete = true;
  let sequence = 0;
  for (const contest of def.contests) {
    const byId = new Map(contest.candidates.map((c) => [c.id, c]));
    for (const cand of contest.candidates)
      candidates.push({
        '@type': 'ElectionResults.Candidate',
        '@id': `cand-${safe(contest.id)}-${safe(cand.id)}`,
        BallotName: text(cand.name),
        PartyId: partyIds.get(cand.party),
      });
    for (const race of index.racesOf(contest.id).values()) {
      const raceTally = input.tally(contest.id, race.unit);
      const reportUnits = [race.unit, ...collect(race.unit)].filter(
        (u) => input.tally(contest.id, u) !== undefined,
      );
      if (raceTally && raceTally.stationsReported < raceTally.stationsExpected) complete = false;
      const raceName = index.units.get(race.unit)?.name;
      contests.push({
        '@type': 'ElectionResults.CandidateContest',
        '@id': `contest-${safe(contest.id)}-${race.unit === NATION ? 'nation' : safe(race.unit)}`,
        Name: raceName ? `${contest.title}, ${raceName}` : contest.title,
        ElectoralDistrictId: gpId(race.unit),
        VotesAllowed: 1,
        NumberElected: 1,
        SequenceOrder: ++sequence,
        ...voteVariation(contest.kind),
        ...(raceTally
          ? {
              SubUnitsReported: raceTally.stationsReported,
              TotalSubUnits: raceTally.stationsExpected,
            }
          : {}),
        SummaryCounts: reportUnits.map((u) => {
          const t = input.tally(contest.id, u) as UnitTally;
          return {
            '@type': 'ElectionResults.SummaryCounts',
            GpUnitId: gpId(u),
            Type: 'total',
            BallotsCast: t.totalValid + t.rejected,
            BallotsRejected: t.rejected,
          };
        }),
        BallotSelection: race.candidates.map((id, i) => ({
          '@type': 'ElectionResults.CandidateSelection',
          '@id': `sel-${safe(contest.id)}-${safe(id)}`,
          SequenceOrder: i + 1,
          CandidateIds: [`cand-${safe(contest.id)}-${safe(byId.get(id)?.id ?? id)}`],
          VoteCounts: reportUnits.map((u) => ({
            '@type': 'ElectionResults.VoteCounts',
            GpUnitId: gpId(u),
            Type: 'total',
            // The race's unit and those below it: race tallies, per candidate.
            Count: input.tally(contest.id, u)?.votes?.[id] ?? 0,
          })),
        })),
      });
    }
  }

  const cp = input.checkpoint;
  return {
    '@type': 'ElectionResults.ElectionReport',
    Format: 'summary-contest',
    GeneratedDate: input.generatedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    Issuer: def.title,
    IssuerAbbreviation: def.electionId,
    Notes: `Derived from the public kura log ${def.logOrigin}${
      cp ? ` (signed checkpoint at tree size ${cp.size})` : ''
    }: every count here can be recomputed from the log's entries (docs/FORMATS.md section 8). Unofficial.`,
    SequenceStart: 1,
    SequenceEnd: 1,
    Status: complete ? 'unofficial-complete' : 'unofficial-partial',
    VendorApplicationId: input.vendor,
    Election: [
      {
        '@type': 'ElectionResults.Election',
        ElectionScopeId: gpId(NATION),
        Name: text(def.title),
        StartDate: input.electionDate,
        EndDate: input.electionDate,
        Type: 'general',
        Candidate: candidates,
        Contest: contests,
      },
    ],
    GpUnit: gpUnits,
    Party: parties,
  };
}
