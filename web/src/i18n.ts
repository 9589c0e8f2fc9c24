// Labels in English and Swahili. Names of people, places and parties come from
// the election definition and are not translated; contest titles are, by kind.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export type Lang = 'en' | 'sw';

const en = {
  skip: 'Skip to content',
  siteTitle: 'Election results',
  tagline: 'Every figure comes from a signed form in a public log. Check it yourself.',
  navResults: 'Results',
  navSearch: 'Search',
  navData: 'Open data',
  language: 'Language',
  loading: 'Loading…',
  error: 'Could not load this page',
  retry: 'Try again',
  notFound: 'Not found',
  // log status
  logStatus: 'Log status',
  treeSize: 'entries in the log',
  signed: 'signed',
  ago: 'ago',
  justNow: 'just now',
  witnesses: 'witnesses',
  noWitnesses: 'no witness cosignatures',
  live: 'Live',
  offline: 'Offline: retrying',
  updated: 'Figures updated',
  // summary
  nationalSummary: 'National summary',
  contests: 'Contests',
  candidate: 'Candidate',
  party: 'Party',
  votes: 'Votes',
  share: 'Share',
  turnout: 'Turnout',
  stationsReported: 'Polling stations reported',
  of: 'of',
  validVotes: 'Valid votes',
  validAsWritten: 'Total valid (as written on forms)',
  rejected: 'Rejected ballots',
  registered: 'Registered voters',
  registeredReported: 'registered at reporting stations',
  leading: 'Leading',
  margin: 'Margin',
  noResults: 'No results yet',
  flagged: 'Flagged results',
  sharesChart: 'Share of valid votes by candidate',
  constitutionalTests: 'Constitutional tests for the presidency',
  testMajority: 'More than half of all valid votes',
  testCounties: 'At least 25% of the votes in more than half of the counties',
  countiesAt25: 'counties at 25% or more',
  needed: 'needed',
  met: 'Met',
  notMet: 'Not met',
  provisional: 'Provisional: not all stations have reported.',
  map: 'Map of counties',
  mapLeader: 'Leading candidate',
  mapMargin: 'Margin of the lead',
  mapColour: 'Colour the map by',
  mapApproximate:
    'Grey-outlined boxes: the boundary data has only an approximate rectangle for these counties.',
  mapNoData: 'no results yet',
  races: 'separate races',
  racesColumn: 'Races',
  votesByParty: 'Votes by party',
  partySharesChart: 'Share of valid votes by party',
  partyHint:
    'Each party’s votes summed over the races of this unit (its candidates’ votes; independents under the name they stood as).',
  racesHint: 'This contest is decided in each unit separately. Choose a unit to see its race.',
  // levels
  nation: 'Nation',
  county: 'County',
  constituency: 'Constituency',
  ward: 'Ward',
  station: 'Polling station',
  counties: 'Counties',
  constituencies: 'Constituencies',
  wards: 'Wards',
  stations: 'Polling stations',
  name: 'Name',
  code: 'Code',
  reported: 'Reported',
  notReported: 'Not reported',
  notInContest: 'Takes no part',
  download: 'Download this table',
  // station
  resultFor: 'Result',
  entryIndex: 'Log entry',
  device: 'Device',
  deviceTime: 'Signed on the device at',
  flags: 'Flags',
  noFlags: 'None',
  scannedForm: 'Scanned form',
  formMissing: 'The scan of this form has not been uploaded.',
  openForm: 'Open the scanned form',
  history: 'History in the log',
  historyNote: 'Each result is logged once; the log order is authoritative.',
  logged: 'logged',
  awaiting: 'Awaiting result',
  verify: 'Verify',
  verifyTitle: 'Verify this station in your browser',
  verifyIntro:
    'Your browser checks the signed checkpoint, the proofs and the form itself, with the same code the auditors use. Nothing here trusts this website.',
  verifying: 'Checking…',
  verifyAgain: 'Verify again',
  verifyAllPassed: 'Every check passed.',
  verifySomeFailed: 'A check failed: do not trust these figures.',
  pinnedKey: 'Pinned log key',
  pinnedWitnessKeys: 'Pinned witness keys',
  pinnedNote:
    'Pinned in this browser the first time you visited. Compare it with the key the commission publishes.',
  stepPass: 'passed',
  stepFail: 'FAILED',
  stepWarn: 'note',
  stepCheckpoint: 'Checkpoint signed by the pinned log key',
  stepWitness: 'Witness cosignatures',
  stepInclusion: 'Entry included in the signed log (inclusion proof)',
  stepSignature: 'Entry signed by the station’s enrolled device',
  stepForm: 'Scanned form matches the SHA-256 in the entry',
  stepNumbers: 'Numbers on screen equal the numbers in the entry',
  // flags
  'flag.over-registered': 'More ballots than registered voters',
  'flag.over-cap': 'More ballots than a station may have',
  'flag.sum-mismatch': 'Candidate votes do not add up to the total valid',
  // search
  searchLabel: 'Search by polling station name or code, or a place',
  searchPlaceholder: 'e.g. primary school, 047281',
  searchButton: 'Search',
  searchNone: 'Nothing found.',
  searchMore: 'More matches: refine the search.',
  places: 'Places',
  // data
  dataTitle: 'Open data',
  dataIntro:
    'All figures are free to reuse. Each table is also offered on its own page. The log itself can be mirrored and checked with any tlog client.',
  nistTitle: 'Whole election, NIST SP 1500-100 format (JSON)',
  nistNote:
    'Election Results Reporting common data format: counts for every race down to the ward.',
  perLevel: 'Per level, CSV and JSON',
  theLog: 'The log',
  footer:
    'kura: open election-results servers. Figures are derived from the public log by one deterministic fold.',
  'contest.president': 'President',
  'contest.governor': 'Governor',
  'contest.senator': 'Senator',
  'contest.woman-representative': 'Woman Representative',
  'contest.member-of-parliament': 'Member of Parliament',
  'contest.member-of-county-assembly': 'Member of County Assembly',
} as const;

export type MessageKey = keyof typeof en;

const sw: Record<MessageKey, string> = {
  skip: 'Ruka hadi maudhui',
  siteTitle: 'Matokeo ya uchaguzi',
  tagline:
    'Kila takwimu inatoka kwenye fomu iliyotiwa sahihi katika kumbukumbu ya umma. Ithibitishe mwenyewe.',
  navResults: 'Matokeo',
  navSearch: 'Tafuta',
  navData: 'Data huria',
  language: 'Lugha',
  loading: 'Inapakia…',
  error: 'Ukurasa huu haukuweza kupakiwa',
  retry: 'Jaribu tena',
  notFound: 'Haikupatikana',
  logStatus: 'Hali ya kumbukumbu',
  treeSize: 'maingizo kwenye kumbukumbu',
  signed: 'imesainiwa',
  ago: 'iliyopita',
  justNow: 'sasa hivi',
  witnesses: 'mashahidi',
  noWitnesses: 'hakuna sahihi za mashahidi',
  live: 'Moja kwa moja',
  offline: 'Nje ya mtandao: inajaribu tena',
  updated: 'Takwimu zimesasishwa',
  nationalSummary: 'Muhtasari wa kitaifa',
  contests: 'Nyadhifa',
  candidate: 'Mgombea',
  party: 'Chama',
  votes: 'Kura',
  share: 'Asilimia',
  turnout: 'Waliojitokeza',
  stationsReported: 'Vituo vya kupigia kura vilivyoripoti',
  of: 'kati ya',
  validVotes: 'Kura halali',
  validAsWritten: 'Jumla ya kura halali (kama ilivyoandikwa kwenye fomu)',
  rejected: 'Kura zilizokataliwa',
  registered: 'Wapiga kura waliosajiliwa',
  registeredReported: 'waliosajiliwa katika vituo vilivyoripoti',
  leading: 'Anayeongoza',
  margin: 'Tofauti',
  noResults: 'Bado hakuna matokeo',
  flagged: 'Matokeo yaliyowekewa alama',
  sharesChart: 'Asilimia ya kura halali kwa kila mgombea',
  constitutionalTests: 'Masharti ya katiba kwa urais',
  testMajority: 'Zaidi ya nusu ya kura zote halali',
  testCounties: 'Angalau asilimia 25 ya kura katika zaidi ya nusu ya kaunti',
  countiesAt25: 'kaunti zenye asilimia 25 au zaidi',
  needed: 'zinahitajika',
  met: 'Limetimizwa',
  notMet: 'Halijatimizwa',
  provisional: 'Ya muda: si vituo vyote vimeripoti.',
  map: 'Ramani ya kaunti',
  mapLeader: 'Mgombea anayeongoza',
  mapMargin: 'Tofauti ya uongozi',
  mapColour: 'Paka ramani rangi kwa',
  mapApproximate:
    'Visanduku vyenye mpaka wa kijivu: data ya mipaka ina mstatili wa kukadiria tu kwa kaunti hizi.',
  mapNoData: 'bado hakuna matokeo',
  races: 'chaguzi tofauti',
  racesColumn: 'Chaguzi',
  votesByParty: 'Kura kwa chama',
  partySharesChart: 'Asilimia ya kura halali kwa kila chama',
  partyHint:
    'Kura za kila chama zimejumlishwa katika chaguzi zote za eneo hili (kura za wagombea wake; wagombea huru chini ya jina walilosimamia).',
  racesHint: 'Wadhifa huu huamuliwa katika kila eneo kivyake. Chagua eneo kuona uchaguzi wake.',
  nation: 'Taifa',
  county: 'Kaunti',
  constituency: 'Eneo bunge',
  ward: 'Wadi',
  station: 'Kituo cha kupigia kura',
  counties: 'Kaunti',
  constituencies: 'Maeneo bunge',
  wards: 'Wadi',
  stations: 'Vituo vya kupigia kura',
  name: 'Jina',
  code: 'Msimbo',
  reported: 'Kimeripoti',
  notReported: 'Hakijaripoti',
  notInContest: 'Hakishiriki',
  download: 'Pakua jedwali hili',
  resultFor: 'Matokeo',
  entryIndex: 'Ingizo la kumbukumbu',
  device: 'Kifaa',
  deviceTime: 'Ilisainiwa kwenye kifaa saa',
  flags: 'Alama za tahadhari',
  noFlags: 'Hakuna',
  scannedForm: 'Fomu iliyochanganuliwa',
  formMissing: 'Nakala ya fomu hii bado haijapakiwa.',
  openForm: 'Fungua fomu iliyochanganuliwa',
  history: 'Historia kwenye kumbukumbu',
  historyNote: 'Kila tokeo huandikwa mara moja; mpangilio wa kumbukumbu ndio wenye mamlaka.',
  logged: 'imeandikwa',
  awaiting: 'Inasubiri matokeo',
  verify: 'Thibitisha',
  verifyTitle: 'Thibitisha kituo hiki kwenye kivinjari chako',
  verifyIntro:
    'Kivinjari chako kinakagua kituo cha ukaguzi kilichosainiwa, uthibitisho na fomu yenyewe, kwa msimbo uleule wanaotumia wakaguzi. Hakuna kinachoiamini tovuti hii.',
  verifying: 'Inakagua…',
  verifyAgain: 'Thibitisha tena',
  verifyAllPassed: 'Ukaguzi wote umefaulu.',
  verifySomeFailed: 'Ukaguzi mmoja umeshindwa: usiziamini takwimu hizi.',
  pinnedKey: 'Ufunguo wa kumbukumbu uliobanwa',
  pinnedWitnessKeys: 'Funguo za mashahidi zilizobanwa',
  pinnedNote:
    'Ulibanwa kwenye kivinjari hiki ulipotembelea mara ya kwanza. Ulinganishe na ufunguo unaochapishwa na tume.',
  stepPass: 'imefaulu',
  stepFail: 'IMESHINDWA',
  stepWarn: 'kumbuka',
  stepCheckpoint: 'Kituo cha ukaguzi kimesainiwa kwa ufunguo uliobanwa',
  stepWitness: 'Sahihi za mashahidi',
  stepInclusion: 'Ingizo limo kwenye kumbukumbu iliyosainiwa (uthibitisho wa ujumuishaji)',
  stepSignature: 'Ingizo limesainiwa na kifaa kilichosajiliwa cha kituo',
  stepForm: 'Fomu iliyochanganuliwa inalingana na SHA-256 iliyo kwenye ingizo',
  stepNumbers: 'Takwimu zilizo kwenye skrini ni sawa na zile za ingizo',
  'flag.over-registered': 'Kura nyingi kuliko wapiga kura waliosajiliwa',
  'flag.over-cap': 'Kura nyingi kuliko kikomo cha kituo',
  'flag.sum-mismatch': 'Kura za wagombea hazilingani na jumla ya kura halali',
  searchLabel: 'Tafuta kwa jina au msimbo wa kituo, au mahali',
  searchPlaceholder: 'mf. shule ya msingi, 047281',
  searchButton: 'Tafuta',
  searchNone: 'Hakuna kilichopatikana.',
  searchMore: 'Kuna zaidi: boresha utafutaji.',
  places: 'Maeneo',
  dataTitle: 'Data huria',
  dataIntro:
    'Takwimu zote ni huru kutumika tena. Kila jedwali linapatikana pia kwenye ukurasa wake. Kumbukumbu yenyewe inaweza kunakiliwa na kukaguliwa kwa programu yoyote ya tlog.',
  nistTitle: 'Uchaguzi wote, muundo wa NIST SP 1500-100 (JSON)',
  nistNote: 'Muundo wa pamoja wa kuripoti matokeo: hesabu za kila uchaguzi hadi ngazi ya wadi.',
  perLevel: 'Kwa kila ngazi, CSV na JSON',
  theLog: 'Kumbukumbu',
  footer:
    'kura: seva huria za matokeo ya uchaguzi. Takwimu zinatokana na kumbukumbu ya umma kwa hesabu moja isiyobadilika.',
  'contest.president': 'Rais',
  'contest.governor': 'Gavana',
  'contest.senator': 'Seneta',
  'contest.woman-representative': 'Mwakilishi wa Wanawake',
  'contest.member-of-parliament': 'Mbunge',
  'contest.member-of-county-assembly': 'Mwakilishi wa Wadi',
};

const dictionaries: Record<Lang, Record<MessageKey, string>> = { en, sw };

export type Translate = (key: MessageKey) => string;

export function translator(lang: Lang): Translate {
  const d = dictionaries[lang];
  return (key) => d[key];
}

export const LangContext = createContext<{ lang: Lang; t: Translate; setLang: (l: Lang) => void }>({
  lang: 'en',
  t: translator('en'),
  setLang: () => {},
});

export function useT() {
  return useContext(LangContext);
}

export function initialLang(): Lang {
  try {
    const saved = localStorage.getItem('kura.lang');
    if (saved === 'en' || saved === 'sw') return saved;
  } catch {
    // Storage may be unavailable (private mode); fall through.
  }
  return navigator.language?.toLowerCase().startsWith('sw') ? 'sw' : 'en';
}

/** Number formatting follows the language (en-KE / sw-KE group digits the same way). */
export function formatNumber(lang: Lang, n: number): string {
  return n.toLocaleString(lang === 'sw' ? 'sw-KE' : 'en-KE');
}

export function formatPercent(lang: Lang, x: number, digits = 1): string {
  if (!Number.isFinite(x)) return '–';
  return `${(x * 100).toLocaleString(lang === 'sw' ? 'sw-KE' : 'en-KE', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  })}%`;
}
