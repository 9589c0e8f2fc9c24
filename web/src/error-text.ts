// Plain words, in English and Swahili, for every error code the portal can
// show: the server's refusals (src/server/error-catalogue.json; a test checks
// that every code there has a text here) and the log code's errors that reach
// Verify (src/log/errors.ts, checked by the compiler). The code itself is shown
// once, beside the text, so it can be quoted to the commission.
import type { LogErrorCode } from '../../src/log/errors.js';
import type { Lang } from './i18n';

const apiEn = {
  MALFORMED_BODY: 'What was sent is not readable: it is not valid JSON.',
  INVALID_FIELD: 'A field is missing or not filled in as it should be.',
  BODY_TOO_LARGE: 'What was sent is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The server does not take this kind of file.',
  WRONG_ELECTION: 'This result belongs to another election.',
  UNKNOWN_CONTEST: 'There is no such contest in this election.',
  UNKNOWN_STATION: 'There is no such polling station.',
  STATION_NOT_IN_CONTEST: 'This polling station takes no part in that contest.',
  UNKNOWN_DEVICE: 'This device is not registered for the election.',
  DEVICE_NOT_ENROLLED_AT_STATION: 'This device is not registered at that polling station.',
  DEVICE_REVOKED: 'This device has been withdrawn and may no longer send results.',
  UNKNOWN_CANDIDATE: 'That name is not a candidate in this race.',
  MISSING_CANDIDATE: 'A candidate of this race is missing from the figures.',
  BAD_SIGNATURE: 'The signature does not match: the data was changed or signed with another key.',
  ALREADY_REPORTED: 'A different result for this station and contest is already in the log.',
  FORM_HASH_MISMATCH: 'The uploaded form is not the one its fingerprint (SHA-256) names.',
  FORM_NOT_RECOGNISED: 'A form must be a photo (JPEG or PNG) or a PDF.',
  FORM_NOT_SIGNED: 'A form upload must be signed by the polling station’s device.',
  FORM_QUOTA_EXCEEDED: 'This device has uploaded as many forms as it may.',
  FORM_STORAGE_FULL: 'The server has no room left for more forms.',
  NOT_FOUND: 'Nothing was found at this address.',
  BAD_QUERY: 'The question asked of the server is incomplete or malformed.',
  BAD_CURSOR: 'This list has moved on: start again from the beginning.',
  BAD_URL: 'The address is not valid.',
  PATH_TOO_LONG: 'The address is too long.',
  MALFORMED_REQUEST: 'The request could not be read.',
  REQUEST_TIMEOUT: 'The request took too long to arrive. Try again.',
  HEADERS_TOO_LARGE: 'The request is too large.',
  BEYOND_TREE: 'That entry is not in the log yet.',
  SEQUENCER_UNAVAILABLE: 'The log is not taking results at this moment. Try again shortly.',
  WRITER_DEPOSED: 'Another server now keeps this log; results go to it.',
  READ_ONLY: 'This server is a read-only copy: nothing can be changed here.',
  NOT_LOGGED_IN: 'Log in first.',
  SESSION_EXPIRED: 'Your session has ended. Log in again.',
  LOGIN_FAILED: 'Wrong account name, password or authenticator code.',
  ACCOUNT_LOCKED: 'Too many failed logins: this account is locked for a while.',
  RATE_LIMITED: 'Too many attempts from this address. Wait a while and try again.',
  OFFICIALS_DISABLED:
    'This server was started without the commission’s key: officials cannot log in or act here.',
  BAD_COMMISSION_SIGNATURE: 'The commission’s signature failed on the server.',
  UNKNOWN_ACCOUNT: 'There is no such account.',
  ACCOUNT_DISABLED: 'This account has been disabled.',
  ROLE_MISMATCH: 'That is not this account’s role.',
  NOT_PERMITTED: 'Your role may not do this.',
  ACCOUNT_EXISTS: 'That account already exists.',
  TWO_PERSON_RULE:
    'An account that can approve must be proposed by one administrator and approved by another.',
  UNKNOWN_PROPOSAL: 'There is no such account proposal.',
  NOT_INDEPENDENT:
    'The approver helped create the other official, or the reverse: not independent.',
  ACTIVATION_FAILED: 'The activation codes do not match this account.',
  BAD_SCOPE: 'The area of this account does not suit its role.',
  UNKNOWN_UNIT: 'There is no such area.',
  DEVICE_EXISTS: 'This device is already on the record.',
  WEAK_DEVICE_KEY: 'The device’s public key is not usable.',
  NO_SUCH_RESULT: 'There is no such result to correct.',
  CORRECTION_PENDING: 'A correction of this result is already waiting for approval.',
  UNKNOWN_CORRECTION: 'There is no such correction.',
  CORRECTION_NOT_PENDING: 'This correction is already in force.',
  SELF_APPROVAL: 'An official may not approve a correction they proposed or approved.',
  WRONG_APPROVER: 'This correction needs another approver.',
  NOT_A_RACE_UNIT: 'There is no single race to declare in that area.',
  ALREADY_DECLARED: 'This result has already been declared.',
  DECLARATION_MISMATCH: 'The declared figures differ from the sums in the log.',
  // Risk-limiting audits (FORMATS.md §15).
  UNKNOWN_AUDIT: 'There is no such audit.',
  AUDIT_EXISTS: 'This audit already exists, or is already approved.',
  BAD_METHOD: 'That audit method does not suit this contest or this round.',
  BAD_TREE_SIZE: 'The audited checkpoint must come before the audit is proposed.',
  AUDIT_NOT_FROZEN:
    'The results of this contest changed after the audited checkpoint: propose the audit again.',
  RESULTS_INCOMPLETE: 'Some polling stations of this contest have no counted result yet.',
  NO_MARGIN: 'The reported outcome is a tie or a loss: sampling cannot confirm it; count in full.',
  AUDIT_NOT_APPROVED: "This audit still awaits a second administrator's approval.",
  SEED_EXISTS: "This audit's seed is already on the record.",
  SEED_MISSING: 'This audit has no seed yet: roll the dice in public first.',
  ROUND_OUT_OF_ORDER: "That is not this audit's next round, or not its open round.",
  ROUND_OPEN: 'The current round of this audit is not closed yet.',
  AUDIT_FINISHED: 'This audit has finished.',
  TOO_MANY_DRAWS: 'More draws than the contest has stations or ballots: count them all instead.',
  SAMPLE_MISMATCH: 'This sample differs from the one anyone can recompute from the seed.',
  NOT_IN_SAMPLE: "This polling station is not in this round's sample.",
  PAPER_EXISTS: "This station's paper is already entered and confirmed.",
  BAD_PAPER:
    'A paper that was not found has every figure 0 and no photo; a counted paper needs its photo.',
  DRAWS_MISMATCH: 'The ballots read do not add up to the ballots drawn at this station.',
  UNKNOWN_PAPER: 'There is no such audit entry to confirm.',
  ALREADY_CONFIRMED: 'This audit entry is already confirmed.',
  ROUND_INCOMPLETE: 'Some sampled stations have no confirmed entry yet.',
  RISK_MISMATCH: 'This risk or outcome differs from what the confirmed papers give.',
  UNAUDITABLE: 'The audit’s figures cannot be measured as they stand.',
  // Party agents (issue 15).
  PARTY_EXISTS: 'This party, or its key, is already on the record.',
  WEAK_PARTY_KEY: 'The party’s public key is not usable.',
  UNKNOWN_PARTY: 'No such party is enrolled for this election.',
  BAD_PARTY_SIGNATURE: 'The roster is not signed with the party’s key.',
  AGENT_EXISTS: 'This agent, or its key, is already on the party’s roster.',
  WEAK_AGENT_KEY: 'The agent’s public key is not usable.',
  UNKNOWN_AGENT: 'The party has no such agent on its roster.',
  AGENT_REVOKED: 'This agent has been withdrawn by the party and may no longer sign.',
  AGENT_NOT_AT_STATION: 'This agent is enrolled at another polling station.',
  UNKNOWN_RESULT: 'No counted result matches the one shown: scan the device’s code again.',
  DISSENT_MISMATCH: 'The contest or polling station differs from the result’s.',
  BAD_AGENT_SIGNATURE: 'The signature does not match the agent’s key.',
  ALREADY_SIGNED: 'The party has already agreed or disagreed with this result.',
  DISSENT_NOT_CITED:
    'An agent disagreed with this result: the correction must cite the disagreement.',
  NOT_A_DISSENT: 'The entry cited is not an agent’s disagreement with this result.',
  INTERNAL: 'Something went wrong on the server.',
  LIVE_STREAMS_FULL:
    'Too many people follow live updates right now; the page checks for new figures itself.',
} as const;

export type ApiErrorCode = keyof typeof apiEn;

const apiSw: Record<ApiErrorCode, string> = {
  MALFORMED_BODY: 'Kilichotumwa hakisomeki: si JSON halali.',
  INVALID_FIELD: 'Sehemu fulani haipo au haijajazwa ipasavyo.',
  BODY_TOO_LARGE: 'Kilichotumwa ni kikubwa mno.',
  UNSUPPORTED_MEDIA_TYPE: 'Seva haipokei aina hii ya faili.',
  WRONG_ELECTION: 'Matokeo haya ni ya uchaguzi mwingine.',
  UNKNOWN_CONTEST: 'Hakuna kinyang’anyiro kama hicho katika uchaguzi huu.',
  UNKNOWN_STATION: 'Hakuna kituo cha kupigia kura kama hicho.',
  STATION_NOT_IN_CONTEST: 'Kituo hiki hakishiriki katika kinyang’anyiro hicho.',
  UNKNOWN_DEVICE: 'Kifaa hiki hakijasajiliwa kwa uchaguzi huu.',
  DEVICE_NOT_ENROLLED_AT_STATION: 'Kifaa hiki hakijasajiliwa kwenye kituo hicho.',
  DEVICE_REVOKED: 'Kifaa hiki kimeondolewa na hakiwezi tena kutuma matokeo.',
  UNKNOWN_CANDIDATE: 'Jina hilo si la mgombea katika uchaguzi huu.',
  MISSING_CANDIDATE: 'Mgombea mmoja wa uchaguzi huu hayupo kwenye takwimu.',
  BAD_SIGNATURE: 'Sahihi hailingani: data imebadilishwa au imesainiwa kwa ufunguo mwingine.',
  ALREADY_REPORTED:
    'Matokeo tofauti ya kituo hiki na kinyang’anyiro hiki tayari yamo kwenye kumbukumbu.',
  FORM_HASH_MISMATCH: 'Fomu iliyopakiwa si ile inayotajwa na alama yake ya kidijitali (SHA-256).',
  FORM_NOT_RECOGNISED: 'Fomu lazima iwe picha (JPEG au PNG) au PDF.',
  FORM_NOT_SIGNED: 'Upakiaji wa fomu lazima usainiwe na kifaa cha kituo.',
  FORM_QUOTA_EXCEEDED: 'Kifaa hiki kimepakia fomu nyingi kadiri kinavyoruhusiwa.',
  FORM_STORAGE_FULL: 'Seva haina nafasi tena ya fomu zaidi.',
  NOT_FOUND: 'Hakuna kilichopatikana kwenye anwani hii.',
  BAD_QUERY: 'Swali lililoulizwa seva halijakamilika au lina kasoro.',
  BAD_CURSOR: 'Orodha hii imebadilika: anza tena mwanzoni.',
  BAD_URL: 'Anwani si halali.',
  PATH_TOO_LONG: 'Anwani ni ndefu mno.',
  MALFORMED_REQUEST: 'Ombi halikuweza kusomwa.',
  REQUEST_TIMEOUT: 'Ombi lilichelewa kufika. Jaribu tena.',
  HEADERS_TOO_LARGE: 'Ombi ni kubwa mno.',
  BEYOND_TREE: 'Ingizo hilo bado halimo kwenye kumbukumbu.',
  SEQUENCER_UNAVAILABLE: 'Kumbukumbu haipokei matokeo kwa sasa. Jaribu tena baada ya muda mfupi.',
  WRITER_DEPOSED: 'Seva nyingine sasa ndiyo inatunza kumbukumbu hii; matokeo yaende huko.',
  READ_ONLY: 'Seva hii ni nakala ya kusoma tu: hakuna kinachoweza kubadilishwa hapa.',
  NOT_LOGGED_IN: 'Ingia kwanza.',
  SESSION_EXPIRED: 'Kikao chako kimekwisha. Ingia tena.',
  LOGIN_FAILED: 'Jina la akaunti, nenosiri au nambari ya uthibitishaji si sahihi.',
  ACCOUNT_LOCKED: 'Majaribio mengi ya kuingia yameshindwa: akaunti hii imefungwa kwa muda.',
  RATE_LIMITED: 'Majaribio mengi mno kutoka anwani hii. Subiri kidogo kisha ujaribu tena.',
  OFFICIALS_DISABLED:
    'Seva hii ilianzishwa bila ufunguo wa tume: maafisa hawawezi kuingia wala kutenda hapa.',
  BAD_COMMISSION_SIGNATURE: 'Sahihi ya tume imeshindikana kwenye seva.',
  UNKNOWN_ACCOUNT: 'Hakuna akaunti kama hiyo.',
  ACCOUNT_DISABLED: 'Akaunti hii imezimwa.',
  ROLE_MISMATCH: 'Hilo si jukumu la akaunti hii.',
  NOT_PERMITTED: 'Jukumu lako haliruhusu hili.',
  ACCOUNT_EXISTS: 'Akaunti hiyo tayari ipo.',
  TWO_PERSON_RULE:
    'Akaunti inayoweza kuidhinisha lazima ipendekezwe na msimamizi mmoja na kuidhinishwa na mwingine.',
  UNKNOWN_PROPOSAL: 'Hakuna pendekezo la akaunti kama hilo.',
  NOT_INDEPENDENT: 'Anayeidhinisha alishiriki kumuunda afisa mwingine, au kinyume chake: si huru.',
  ACTIVATION_FAILED: 'Nambari za kuwezesha hazilingani na akaunti hii.',
  BAD_SCOPE: 'Eneo la akaunti hii haliendani na jukumu lake.',
  UNKNOWN_UNIT: 'Hakuna eneo kama hilo.',
  DEVICE_EXISTS: 'Kifaa hiki tayari kimo kwenye kumbukumbu.',
  WEAK_DEVICE_KEY: 'Ufunguo wa umma wa kifaa hautumiki.',
  NO_SUCH_RESULT: 'Hakuna matokeo kama hayo ya kurekebisha.',
  CORRECTION_PENDING: 'Marekebisho ya matokeo haya tayari yanasubiri idhini.',
  UNKNOWN_CORRECTION: 'Hakuna marekebisho kama hayo.',
  CORRECTION_NOT_PENDING: 'Marekebisho haya tayari yanatumika.',
  SELF_APPROVAL: 'Afisa hawezi kuidhinisha marekebisho aliyoyapendekeza au kuyaidhinisha.',
  WRONG_APPROVER: 'Marekebisho haya yanahitaji mwidhinishaji mwingine.',
  NOT_A_RACE_UNIT: 'Hakuna uchaguzi mmoja wa kutangaza katika eneo hilo.',
  ALREADY_DECLARED: 'Matokeo haya tayari yametangazwa.',
  DECLARATION_MISMATCH: 'Takwimu zilizotangazwa zinatofautiana na jumla zilizo kwenye kumbukumbu.',
  // Ukaguzi unaopunguza hatari (FORMATS.md §15).
  UNKNOWN_AUDIT: 'Hakuna ukaguzi kama huo.',
  AUDIT_EXISTS: 'Ukaguzi huu tayari upo, au tayari umeidhinishwa.',
  BAD_METHOD: "Mbinu hiyo ya ukaguzi haifai kinyang'anyiro hiki au duru hii.",
  BAD_TREE_SIZE: 'Kituo cha kumbukumbu kinachokaguliwa lazima kiwe kabla ya pendekezo la ukaguzi.',
  AUDIT_NOT_FROZEN:
    "Matokeo ya kinyang'anyiro hiki yalibadilika baada ya kituo kinachokaguliwa: pendekeza ukaguzi upya.",
  RESULTS_INCOMPLETE:
    "Baadhi ya vituo vya kupigia kura vya kinyang'anyiro hiki bado havina matokeo yaliyohesabiwa.",
  NO_MARGIN:
    'Matokeo yaliyotangazwa ni sare au kushindwa: sampuli haiwezi kuyathibitisha; hesabu yote.',
  AUDIT_NOT_APPROVED: 'Ukaguzi huu bado unasubiri idhini ya msimamizi wa pili.',
  SEED_EXISTS: 'Mbegu ya ukaguzi huu tayari imo kwenye kumbukumbu.',
  SEED_MISSING: 'Ukaguzi huu bado hauna mbegu: rusha dadu hadharani kwanza.',
  ROUND_OUT_OF_ORDER: 'Hiyo si duru inayofuata ya ukaguzi huu, wala duru iliyo wazi.',
  ROUND_OPEN: 'Duru ya sasa ya ukaguzi huu bado haijafungwa.',
  AUDIT_FINISHED: 'Ukaguzi huu umekamilika.',
  TOO_MANY_DRAWS: "Droo nyingi kuliko vituo au kura za kinyang'anyiro: hesabu zote badala yake.",
  SAMPLE_MISMATCH:
    'Sampuli hii inatofautiana na ile ambayo yeyote anaweza kuikokotoa upya kutoka kwa mbegu.',
  NOT_IN_SAMPLE: 'Kituo hiki cha kupigia kura hakimo kwenye sampuli ya duru hii.',
  PAPER_EXISTS: 'Karatasi ya kituo hiki tayari imeingizwa na kuthibitishwa.',
  BAD_PAPER:
    'Karatasi isiyopatikana ina takwimu zote 0 na haina picha; karatasi iliyohesabiwa inahitaji picha yake.',
  DRAWS_MISMATCH: 'Kura zilizosomwa hazilingani na kura zilizochaguliwa katika kituo hiki.',
  UNKNOWN_PAPER: 'Hakuna ingizo kama hilo la ukaguzi la kuthibitisha.',
  ALREADY_CONFIRMED: 'Ingizo hili la ukaguzi tayari limethibitishwa.',
  ROUND_INCOMPLETE: 'Baadhi ya vituo vilivyochaguliwa bado havina ingizo lililothibitishwa.',
  RISK_MISMATCH:
    'Hatari hii au matokeo haya yanatofautiana na yale yanayotokana na karatasi zilizothibitishwa.',
  UNAUDITABLE: 'Takwimu za ukaguzi haziwezi kupimwa jinsi zilivyo.',
  // Party agents (issue 15).
  PARTY_EXISTS: 'Chama hiki, au ufunguo wake, tayari kimo kwenye kumbukumbu.',
  WEAK_PARTY_KEY: 'Ufunguo wa umma wa chama hautumiki.',
  UNKNOWN_PARTY: 'Hakuna chama kama hicho kilichosajiliwa kwa uchaguzi huu.',
  BAD_PARTY_SIGNATURE: 'Orodha haijasainiwa kwa ufunguo wa chama.',
  AGENT_EXISTS: 'Wakala huyu, au ufunguo wake, tayari yumo kwenye orodha ya chama.',
  WEAK_AGENT_KEY: 'Ufunguo wa umma wa wakala hautumiki.',
  UNKNOWN_AGENT: 'Chama hakina wakala kama huyo kwenye orodha yake.',
  AGENT_REVOKED: 'Wakala huyu ameondolewa na chama na hawezi tena kusaini.',
  AGENT_NOT_AT_STATION: 'Wakala huyu amesajiliwa katika kituo kingine cha kupigia kura.',
  UNKNOWN_RESULT:
    'Hakuna matokeo yaliyohesabiwa yanayolingana na yaliyoonyeshwa: changanua msimbo wa kifaa tena.',
  DISSENT_MISMATCH: 'Kinyang’anyiro au kituo cha kupigia kura ni tofauti na vya matokeo.',
  BAD_AGENT_SIGNATURE: 'Sahihi hailingani na ufunguo wa wakala.',
  ALREADY_SIGNED: 'Chama tayari kimekubali au kukataa matokeo haya.',
  DISSENT_NOT_CITED: 'Wakala alikataa matokeo haya: marekebisho lazima yataje ukataaji huo.',
  NOT_A_DISSENT: 'Ingizo lililotajwa si ukataaji wa wakala wa matokeo haya.',
  INTERNAL: 'Hitilafu imetokea kwenye seva.',
  LIVE_STREAMS_FULL:
    'Watu wengi mno wanafuatilia matokeo moja kwa moja sasa hivi; ukurasa unajiangalia wenyewe kama kuna takwimu mpya.',
};

const logEn: Record<LogErrorCode, string> = {
  INCLUSION_PROOF_INVALID: 'the proof that the entry is in the log does not add up',
  CONSISTENCY_PROOF_INVALID: 'the proof that the log only grew does not add up',
  NOTE_MALFORMED: 'the signed note is malformed',
  NOTE_UNVERIFIED: 'no signature by a known key',
  NOTE_SIGNATURE_INVALID: 'a signature on the note is false',
  KEY_MALFORMED: 'the key is malformed',
  CHECKPOINT_MALFORMED: 'the checkpoint is malformed',
  CHECKPOINT_ORIGIN_MISMATCH: 'the checkpoint names another log',
  CHECKPOINT_NOT_SIGNED_BY_LOG: 'not signed by the log’s key',
  COSIGNATURE_MALFORMED: 'the witness cosignature is malformed',
  WITNESS_POLICY_UNSATISFIED: 'too few witnesses have cosigned',
  TILE_PATH_MALFORMED: 'a tile address is malformed',
  TILE_MALFORMED: 'a tile of the log is malformed',
  ENTRY_BUNDLE_MALFORMED: 'a bundle of entries is malformed',
  TREE_STATE_INVALID: 'the state of the log’s tree is invalid',
  RECEIPT_MALFORMED: 'the receipt is malformed',
};

const logSw: Record<LogErrorCode, string> = {
  INCLUSION_PROOF_INVALID: 'uthibitisho kwamba ingizo limo kwenye kumbukumbu haulingani',
  CONSISTENCY_PROOF_INVALID: 'uthibitisho kwamba kumbukumbu imeongezeka tu haulingani',
  NOTE_MALFORMED: 'ujumbe uliosainiwa una kasoro',
  NOTE_UNVERIFIED: 'hakuna sahihi ya ufunguo unaojulikana',
  NOTE_SIGNATURE_INVALID: 'sahihi moja kwenye ujumbe ni ya uongo',
  KEY_MALFORMED: 'ufunguo una kasoro',
  CHECKPOINT_MALFORMED: 'kituo cha ukaguzi kina kasoro',
  CHECKPOINT_ORIGIN_MISMATCH: 'kituo cha ukaguzi kinataja kumbukumbu nyingine',
  CHECKPOINT_NOT_SIGNED_BY_LOG: 'hakijasainiwa kwa ufunguo wa kumbukumbu',
  COSIGNATURE_MALFORMED: 'sahihi ya pamoja ya shahidi ina kasoro',
  WITNESS_POLICY_UNSATISFIED: 'mashahidi wachache mno wamesaini pamoja',
  TILE_PATH_MALFORMED: 'anwani ya kigae ina kasoro',
  TILE_MALFORMED: 'kigae cha kumbukumbu kina kasoro',
  ENTRY_BUNDLE_MALFORMED: 'kifurushi cha maingizo kina kasoro',
  TREE_STATE_INVALID: 'hali ya mti wa kumbukumbu si halali',
  RECEIPT_MALFORMED: 'risiti ina kasoro',
};

/** An HTTP status without a code of ours (a proxy's, say), by its class. */
const httpEn = {
  0: 'the server could not be reached',
  404: 'the server has no such thing',
  429: 'the server is busy: too many requests',
  client: 'the server refused the request',
  server: 'the server failed to answer',
} as const;
const httpSw: Record<keyof typeof httpEn, string> = {
  0: 'seva haikuweza kufikiwa',
  404: 'seva haina kitu kama hicho',
  429: 'seva ina shughuli nyingi: maombi mengi mno',
  client: 'seva ilikataa ombi',
  server: 'seva ilishindwa kujibu',
};

const api: Record<Lang, Record<ApiErrorCode, string>> = { en: apiEn, sw: apiSw };
const log: Record<Lang, Record<LogErrorCode, string>> = { en: logEn, sw: logSw };
const http: Record<Lang, Record<keyof typeof httpEn, string>> = { en: httpEn, sw: httpSw };

/** The tables, for the test that every code has its words in both languages. */
export const ERROR_TEXTS = { api, log, http };

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(apiEn, code);
}

/** A refusal of the server (its code, or null for a bare HTTP status; 0: no answer) in plain words. */
export function apiErrorText(lang: Lang, code: string | null, status: number): string {
  if (code && isApiErrorCode(code)) return api[lang][code];
  const h = http[lang];
  if (status === 0 || status === 404 || status === 429) return h[status];
  return status >= 500 ? h.server : h.client;
}

/** What the log code found wrong, in plain words; the code is shown beside it. */
export function logErrorText(lang: Lang, code: string): string | null {
  return Object.hasOwn(logEn, code) ? log[lang][code as LogErrorCode] : null;
}
