// Verify's detail lines in English and Swahili. A line is a code and its
// values (verify.ts); {name} is replaced by the value, in the reader's words
// where it is one of ours (a contest, a figure, a pinned field). A line's
// reason fills its {why}; an error code of the log code appears once, in the
// step's line, beside plain words for it (error-text.ts).
import { apiErrorText, logErrorText } from './error-text';
import type { Lang } from './i18n';

const en = {
  noTrustRoot:
    'this page carries no trust root (it was not built or served for an election), so nothing can be verified',
  noTrustedCheckpoint: 'not checked: there is no trusted checkpoint',
  trustRoot:
    'built for election {election}: log {origin}, log key {key}, commission key {commission}',
  pinChanged:
    'WARNING: this site now presents a different {field} for this election. Pinned in this browser: "{pinned}"; presented now: "{now}" ({why}). Do not trust this site; if the commission announced a new key, clear this site’s data to pin again',
  pinnedNow:
    'first Verify of this election on this site: its trust root is now pinned in this browser',
  otherElectionsPinned:
    'this browser had pinned other elections on this site ({elections}), not this one: compare its keys with the commission’s',
  pinSame: 'the same trust root this browser pinned before',
  servedOriginDiffers:
    'WARNING: the server names the log "{served}", not "{expected}" ({why}): a look-alike log',
  servedKeyDiffers: 'WARNING: the server names the log key {served}, not {expected}',
  badRootKey: 'the trust root’s log key does not parse: {why}',
  checkpointOrigin: 'the checkpoint is for the log "{served}", not "{expected}" ({why})',
  checkpointUnsigned:
    'the checkpoint is not signed by the log key {key} (signed by: {signers}): {why}',
  checkpointSigned: 'tree size {size}, root {root}…, signed by {key}',
  firstCheckpoint:
    'the first checkpoint this browser verified for this election (size {size}): kept, later ones must extend it',
  lastUnreadable: 'the checkpoint kept in this browser is unreadable: not compared',
  rollback:
    'ROLLBACK: this browser verified a tree of {was} entries; the server now shows {now}. A log never shrinks: both signed checkpoints are below',
  sameCheckpoint: 'the same checkpoint as last time (size {size})',
  fork: 'FORK: the tree of {now} entries does not extend the tree of {was} this browser verified ({why}); both signed checkpoints are below',
  consistent:
    'extends the tree of {was} entries verified last time to {now} ({hashes}-hash consistency proof)',
  consistencyUnreachable: 'the consistency proof could not be fetched: {why}',
  noWitnesses: 'no witness is configured or pinned for this log: nobody independent has cosigned',
  noCosignature: 'no pinned witness has cosigned this checkpoint',
  witnessOtherKey: '{name}: signed with a key other than the one pinned for it',
  witnessUnknown: '{name}: key not known to this browser, not checked',
  cosigned: '{name} at {at}: cosignature verified',
  witnessBad: '{name}: {why}',
  entry0Unproven: 'entry 0 (the election) is not proven: {why}',
  definitionMissing: 'the election definition could not be fetched: {why}',
  definitionDiffers:
    'the definition served hashes to {got}…; this portal was built for {expected}…',
  entry0NotElection: 'entry 0 is not an election entry',
  entry0Unsigned: 'entry 0 is not signed by the commission key {key}',
  entry0Differs: 'entry 0 names {field} "{served}", not "{expected}"',
  definitionProven: 'definition {sha}… is the one entry 0 commits to, signed by the commission key',
  deviceNotInDefinition:
    'the page lists device {device}, which is neither in the definition nor enrolled by an official entry',
  deviceKeyDiffers:
    'the page gives device {device} the key {shown}; the definition (entry 0) says {proven}',
  deviceFromDefinition: '{device}: in the definition',
  deviceEnrolled: '{device}: enrolled by official entry {index}',
  enrolmentUnproven:
    '{device}: entry {index} is not a commission-signed enrolment of this device at this station',
  deviceRevokedAt: '{device}: revoked at entry {index}',
  revocationUnproven: '{device}: entry {index} does not revoke this device',
  deviceNotListed: 'device {device} of the definition is missing from the page',
  notIncluded: 'entry {index}: {why}',
  included: 'entry {index}: {hashes}-hash proof verified against the tree of {size}',
  noProvenEntry: '{contest}: entry {index} is not proven',
  notAResult: '{contest}: entry {index} is a {type} entry, not a result',
  entryElsewhere: '{contest}: entry {index} is a result for {entry}',
  deviceUnproven: '{contest}: device {device} is not proven to serve this station',
  deviceLater: '{contest}: device {device} was enrolled only at entry {at}',
  deviceRevoked: '{contest}: device {device} had been revoked at entry {at}',
  badSignature: '{contest}: the signature of {device} on entry {index} does not verify',
  signedBy: '{contest}: entry {index} signed by {device}',
  awaiting:
    '{contest}: no result shown (awaiting). Absence of a result cannot be proven in a browser; run `kura verify`',
  correctionBad: '{contest}: the correction shown (entry {index}) is not proven: {why}',
  // Reasons, rendered into a line's {why}.
  rCharacter: 'character {pos} is "{ch}" {cp} where "{exp}" was expected',
  rShorter: 'it ends at character {pos}',
  rBeyond: 'not covered by the checkpoint (size {size})',
  rNotEntry: 'included, but not a well-formed entry',
  rUnproven: 'entry {at} is not proven in the log',
  rNotCorrection: 'entry {at} is a {kind} entry, not a correction signed by the commission',
  rCorrectsElsewhere: 'it corrects {contest} at station {station}',
  rCorrectsOther: 'it corrects entry {original}, not entry {result}',
  rInForceNotLast: 'the approval in force (entry {at}) is not the last one listed',
  rNotApproval: 'entry {at} is not a commission-signed approval of it',
  rApprovalEarly: 'approval {at} comes before the proposal',
  rSelfApproval: 'approval {at} is by its proposer {account}',
  rNotCommission: 'the approval in force (entry {at}) is not the commission’s',
  rNoReturningOfficer: 'no returning officer approved it',
  approvalsNotListed:
    '{contest}: the server lists no approvals before entry {index} (a reader): the returning officer’s approval was not checked',
  correctionProven:
    '{contest}: correction {index} signed by the commission, approved at entries {approvals}, in force at the checkpoint (size {size})',
  noCorrectionShown: 'no correction is shown for this station',
  formMissing: '{contest}: the scan {sha}… has not been uploaded, so it could not be checked',
  formError: '{contest}: the scan could not be fetched: {why}',
  formMatches: '{contest}: SHA-256 {sha}… matches',
  formDiffers: '{contest}: the file hashes to {got}…, the entry says {expected}…',
  correctionUnproven:
    '{contest}: the corrected figures on screen are not backed by a proven correction (entry {index})',
  correctedEqual:
    '{contest}: the corrected figures equal correction {index}; the original figures equal entry {original}',
  figuresEqual: '{contest}: all figures equal entry {index}',
  figureDiffers: '{contest}{which}: {what} is {shown} on screen, {proven} in entry {index}',
  rLog: '{text}{codeNote}',
  rHttp: 'the server answered HTTP {status}: {text}',
  rUnreachable: 'the server could not be reached',
  rMalformed: 'the server’s answer is malformed',
  rOtherRoot: 'the same size, another root hash',
};

export type LineCode = keyof typeof en;

const sw: Record<LineCode, string> = {
  noTrustRoot:
    'ukurasa huu hauna mzizi wa uaminifu (haukujengwa wala kutolewa kwa uchaguzi), kwa hiyo hakuna kinachoweza kuthibitishwa',
  noTrustedCheckpoint: 'haikukaguliwa: hakuna kituo cha ukaguzi kinachoaminika',
  trustRoot:
    'umejengwa kwa uchaguzi {election}: kumbukumbu {origin}, ufunguo wa kumbukumbu {key}, ufunguo wa tume {commission}',
  pinChanged:
    'ONYO: tovuti hii sasa inaonyesha {field} tofauti kwa uchaguzi huu. Uliobanwa kwenye kivinjari hiki: "{pinned}"; unaoonyeshwa sasa: "{now}" ({why}). Usiiamini tovuti hii; ikiwa tume ilitangaza ufunguo mpya, futa data ya tovuti hii ili kubana upya',
  pinnedNow:
    'Uthibitisho wa kwanza wa uchaguzi huu kwenye tovuti hii: mzizi wake wa uaminifu sasa umebanwa kwenye kivinjari hiki',
  otherElectionsPinned:
    'kivinjari hiki kilibana chaguzi nyingine kwenye tovuti hii ({elections}), si huu: linganisha funguo zake na za tume',
  pinSame: 'mzizi uleule wa uaminifu ambao kivinjari hiki kilibana awali',
  servedOriginDiffers:
    'ONYO: seva inaiita kumbukumbu "{served}", si "{expected}" ({why}): kumbukumbu inayofanana na halisi',
  servedKeyDiffers: 'ONYO: seva inataja ufunguo wa kumbukumbu {served}, si {expected}',
  badRootKey: 'ufunguo wa kumbukumbu wa mzizi wa uaminifu hausomeki: {why}',
  checkpointOrigin: 'kituo cha ukaguzi ni cha kumbukumbu "{served}", si "{expected}" ({why})',
  checkpointUnsigned:
    'kituo cha ukaguzi hakijasainiwa kwa ufunguo wa kumbukumbu {key} (kimesainiwa na: {signers}): {why}',
  checkpointSigned: 'ukubwa wa mti {size}, mzizi {root}…, umesainiwa na {key}',
  firstCheckpoint:
    'kituo cha kwanza cha ukaguzi ambacho kivinjari hiki kilithibitisha kwa uchaguzi huu (ukubwa {size}): kimehifadhiwa, vijavyo lazima viendeleze',
  lastUnreadable:
    'kituo cha ukaguzi kilichohifadhiwa kwenye kivinjari hiki hakisomeki: hakikulinganishwa',
  rollback:
    'KURUDISHWA NYUMA: kivinjari hiki kilithibitisha mti wa maingizo {was}; seva sasa inaonyesha {now}. Kumbukumbu haipungui kamwe: vituo vyote viwili vilivyosainiwa viko hapa chini',
  sameCheckpoint: 'kituo kilekile cha ukaguzi kama mara iliyopita (ukubwa {size})',
  fork: 'MGAWANYIKO: mti wa maingizo {now} haundelezi mti wa {was} ambao kivinjari hiki kilithibitisha ({why}); vituo vyote viwili vilivyosainiwa viko hapa chini',
  consistent:
    'unaendeleza mti wa maingizo {was} uliothibitishwa mara iliyopita hadi {now} (uthibitisho wa uthabiti wa hashi {hashes})',
  consistencyUnreachable: 'uthibitisho wa uthabiti haukupatikana: {why}',
  noWitnesses:
    'hakuna shahidi aliyewekwa au kubanwa kwa kumbukumbu hii: hakuna mtu huru aliyesaini pamoja',
  noCosignature: 'hakuna shahidi aliyebanwa aliyesaini kituo hiki cha ukaguzi',
  witnessOtherKey: '{name}: imesainiwa kwa ufunguo tofauti na ule uliobanwa kwake',
  witnessUnknown: '{name}: ufunguo haujulikani kwa kivinjari hiki, haukukaguliwa',
  cosigned: '{name} saa {at}: sahihi ya pamoja imethibitishwa',
  witnessBad: '{name}: {why}',
  entry0Unproven: 'ingizo 0 (uchaguzi) halijathibitishwa: {why}',
  definitionMissing: 'maelezo ya uchaguzi hayakupatikana: {why}',
  definitionDiffers: 'maelezo yaliyotolewa yana hashi {got}…; tovuti hii ilijengwa kwa {expected}…',
  entry0NotElection: 'ingizo 0 si ingizo la uchaguzi',
  entry0Unsigned: 'ingizo 0 halijasainiwa kwa ufunguo wa tume {key}',
  entry0Differs: 'ingizo 0 linataja {field} "{served}", si "{expected}"',
  definitionProven:
    'maelezo {sha}… ndiyo yale ambayo ingizo 0 linayathibitisha, yamesainiwa kwa ufunguo wa tume',
  deviceNotInDefinition:
    'ukurasa unataja kifaa {device}, ambacho hakimo kwenye maelezo wala hakijasajiliwa kwa ingizo rasmi',
  deviceKeyDiffers:
    'ukurasa unakipa kifaa {device} ufunguo {shown}; maelezo (ingizo 0) yanasema {proven}',
  deviceFromDefinition: '{device}: kimo kwenye maelezo',
  deviceEnrolled: '{device}: kimesajiliwa kwa ingizo rasmi {index}',
  enrolmentUnproven:
    '{device}: ingizo {index} si usajili wa kifaa hiki kwenye kituo hiki uliosainiwa na tume',
  deviceRevokedAt: '{device}: kimebatilishwa kwenye ingizo {index}',
  revocationUnproven: '{device}: ingizo {index} halibatilishi kifaa hiki',
  deviceNotListed: 'kifaa {device} cha maelezo hakimo kwenye ukurasa',
  notIncluded: 'ingizo {index}: {why}',
  included: 'ingizo {index}: uthibitisho wa hashi {hashes} umethibitishwa dhidi ya mti wa {size}',
  noProvenEntry: '{contest}: ingizo {index} halijathibitishwa',
  notAResult: '{contest}: ingizo {index} ni ingizo la aina {type}, si matokeo',
  entryElsewhere: '{contest}: ingizo {index} ni matokeo ya {entry}',
  deviceUnproven: '{contest}: haijathibitishwa kwamba kifaa {device} kinahudumia kituo hiki',
  deviceLater: '{contest}: kifaa {device} kilisajiliwa tu kwenye ingizo {at}',
  deviceRevoked: '{contest}: kifaa {device} kilikuwa kimebatilishwa kwenye ingizo {at}',
  badSignature: '{contest}: sahihi ya {device} kwenye ingizo {index} si halali',
  signedBy: '{contest}: ingizo {index} limesainiwa na {device}',
  awaiting:
    '{contest}: hakuna matokeo yanayoonyeshwa (yanasubiriwa). Kutokuwepo kwa matokeo hakuwezi kuthibitishwa kwenye kivinjari; endesha `kura verify`',
  correctionBad: '{contest}: marekebisho yanayoonyeshwa (ingizo {index}) hayajathibitishwa: {why}',
  rCharacter: 'herufi ya {pos} ni "{ch}" {cp} badala ya "{exp}"',
  rShorter: 'linaishia kwenye herufi ya {pos}',
  rBeyond: 'halimo kwenye kituo cha ukaguzi (ukubwa {size})',
  rNotEntry: 'limejumuishwa, lakini si ingizo lililoundwa ipasavyo',
  rUnproven: 'ingizo {at} halijathibitishwa kwenye kumbukumbu',
  rNotCorrection: 'ingizo {at} ni ingizo la aina {kind}, si marekebisho yaliyosainiwa na tume',
  rCorrectsElsewhere: 'linarekebisha {contest} kwenye kituo {station}',
  rCorrectsOther: 'linarekebisha ingizo {original}, si ingizo {result}',
  rInForceNotLast: 'idhini inayotumika (ingizo {at}) si ya mwisho iliyotajwa',
  rNotApproval: 'ingizo {at} si idhini yake iliyosainiwa na tume',
  rApprovalEarly: 'idhini {at} inakuja kabla ya pendekezo',
  rSelfApproval: 'idhini {at} imetolewa na aliyeyapendekeza, {account}',
  rNotCommission: 'idhini inayotumika (ingizo {at}) si ya tume',
  rNoReturningOfficer: 'hakuna afisa msimamizi aliyeyaidhinisha',
  approvalsNotListed:
    '{contest}: seva haitaji idhini kabla ya ingizo {index} (msomaji): idhini ya afisa msimamizi haikukaguliwa',
  correctionProven:
    '{contest}: marekebisho {index} yamesainiwa na tume, yameidhinishwa kwenye maingizo {approvals}, yanatumika kwenye kituo cha ukaguzi (ukubwa {size})',
  noCorrectionShown: 'hakuna marekebisho yanayoonyeshwa kwa kituo hiki',
  formMissing: '{contest}: fomu iliyochanganuliwa {sha}… haijapakiwa, kwa hiyo haikukaguliwa',
  formError: '{contest}: fomu iliyochanganuliwa haikupatikana: {why}',
  formMatches: '{contest}: SHA-256 {sha}… inalingana',
  formDiffers: '{contest}: faili lina hashi {got}…, ingizo linasema {expected}…',
  correctionUnproven:
    '{contest}: takwimu zilizorekebishwa kwenye skrini hazina marekebisho yaliyothibitishwa (ingizo {index})',
  correctedEqual:
    '{contest}: takwimu zilizorekebishwa ni sawa na marekebisho {index}; takwimu za awali ni sawa na ingizo {original}',
  figuresEqual: '{contest}: takwimu zote ni sawa na ingizo {index}',
  figureDiffers:
    '{contest}{which}: {what} ni {shown} kwenye skrini, {proven} kwenye ingizo {index}',
  rLog: '{text}{codeNote}',
  rHttp: 'seva ilijibu HTTP {status}: {text}',
  rUnreachable: 'seva haikuweza kufikiwa',
  rMalformed: 'jibu la seva lina kasoro',
  rOtherRoot: 'ukubwa uleule, hashi nyingine ya mzizi',
};

/** Values of ours that a line names: a figure ({what}), a pinned field ({field}), a part ({which}). */
const valuesEn = {
  rejected: 'the number of rejected ballots',
  totalValid: 'the total of valid votes',
  form: 'the form’s SHA-256',
  flags: 'the list of flags',
  device: 'the device',
  electionId: 'election',
  logOrigin: 'log name',
  logKey: 'log key',
  commissionKey: 'commission key',
  definitionSha256: 'definition hash',
  original: ' (as the device signed it)',
};
type Value = keyof typeof valuesEn;
const valuesSw: Record<Value, string> = {
  rejected: 'idadi ya kura zilizokataliwa',
  totalValid: 'jumla ya kura halali',
  form: 'SHA-256 ya fomu',
  flags: 'orodha ya alama za tahadhari',
  device: 'kifaa',
  electionId: 'uchaguzi',
  logOrigin: 'jina la kumbukumbu',
  logKey: 'ufunguo wa kumbukumbu',
  commissionKey: 'ufunguo wa tume',
  definitionSha256: 'hashi ya maelezo',
  original: ' (kama kifaa kilivyosaini)',
};

/** The tables, for the test that every line has its Swahili. */
export const LINE_TEXTS: Record<Lang, Record<LineCode, string>> = { en, sw };
export const VALUE_TEXTS: Record<Lang, Record<Value, string>> = { en: valuesEn, sw: valuesSw };

type Params = Record<string, string | number>;

function fill(lang: Lang, code: LineCode, p: Params): string {
  return LINE_TEXTS[lang][code].replace(/\{(\w+)\}/g, (m, k: string) =>
    Object.hasOwn(p, k) ? String(p[k]) : m,
  );
}

/** How a page names what a line refers to. */
export interface LineWords {
  /** A contest's title in the reader's language, from its id. */
  contestTitle: (id: string) => string;
  /** Show an error code beside its words (once per page: in the step, not again under the verdict). */
  codes: boolean;
}

function ours(lang: Lang, v: string | number | undefined): string | number | undefined {
  return typeof v === 'string' && Object.hasOwn(valuesEn, v) ? VALUE_TEXTS[lang][v as Value] : v;
}

function words(lang: Lang, code: LineCode, p: Params, w: LineWords): Params {
  const out: Params = { ...p };
  if (typeof p.contest === 'string') out.contest = w.contestTitle(p.contest);
  for (const k of ['what', 'field', 'which'] as const) {
    const v = ours(lang, p[k]);
    if (v !== undefined) out[k] = v;
  }
  if (code === 'rLog') {
    const c = String(p.code);
    out.text = logErrorText(lang, c) ?? c;
    out.codeNote = w.codes && logErrorText(lang, c) ? ` (${c})` : '';
  }
  if (code === 'rHttp') out.text = apiErrorText(lang, null, Number(p.status));
  return out;
}

/** A detail line, with its reason in {why}, in the reader's language. */
export function lineText(
  lang: Lang,
  line: { code: LineCode; p: Params; why?: { code: LineCode; p: Params } },
  w: LineWords,
): string {
  const p = words(lang, line.code, line.p, w);
  if (line.why) p.why = fill(lang, line.why.code, words(lang, line.why.code, line.why.p, w));
  return fill(lang, line.code, p);
}
