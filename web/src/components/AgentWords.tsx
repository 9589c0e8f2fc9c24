// The parties' agents' words on one station's result: which parties co-signed
// it, which disputed it, and each dissent's figures beside the device's (the
// figures that differ marked), with the photo of the agent's copy. A dissent
// never changes the count: the device's figures stay the station's.

import type { StationWord } from '../agent-views';
import type { StationResult } from '../api';
import { formatNumber, useT } from '../i18n';

export function AgentWords(props: {
  contest: string;
  result: StationResult;
  words: StationWord[];
  name: (candidate: string) => string;
}) {
  const { t, lang } = useT();
  const r = props.result;
  const headingId = `words-${props.contest}`;
  return (
    // A plain block under its heading, not a named section: every contest's result has one, and named
    // regions must be unique landmarks (axe landmark-unique).
    <div data-testid={`words-${props.contest}`}>
      <h3 id={headingId}>{t('wordsTitle')}</h3>
      {props.words.length === 0 ? (
        <p class="muted">{t('wordsNone')}</p>
      ) : (
        <ul class="agent-words">
          {props.words.map((w) => (
            <li data-testid="station-word" data-kind={w.kind} data-party={w.party}>
              <span class={w.kind === 'attestation' ? 'badge badge-pass' : 'badge badge-fail'}>
                {w.kind === 'attestation' ? t('wordsCosigned') : t('wordsDissented')}
              </span>{' '}
              <strong>{w.partyName || w.party}</strong> · {t('wordsAgent')}{' '}
              <span class="mono">{w.agent}</span> ·{' '}
              <a href={`/api/v1/entries/${w.entryIndex}`} class="mono">
                #{w.entryIndex}
              </a>
              {w.kind === 'dissent' && (
                <>
                  <table class="results compact" data-testid="dissent-figures">
                    <caption class="sr-only">
                      {t('wordsDissented')}: {w.partyName || w.party}
                    </caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('candidate')}</th>
                        <th scope="col" class="num">
                          {t('wordsDeviceFigures')}
                        </th>
                        <th scope="col" class="num">
                          {t('wordsAgentFigures')}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {Object.entries(r.votes).map(([id, n]) => (
                        <Row
                          label={props.name(id)}
                          device={n}
                          agent={w.votes[id] ?? 0}
                          figure={id}
                          lang={lang}
                        />
                      ))}
                      <Row
                        label={t('validAsWritten')}
                        device={r.totalValid}
                        agent={w.totalValid}
                        figure="valid"
                        lang={lang}
                      />
                      <Row
                        label={t('rejected')}
                        device={r.rejected}
                        agent={w.rejected}
                        figure="rejected"
                        lang={lang}
                      />
                    </tbody>
                  </table>
                  {w.reason && (
                    <p class="small">
                      {t('wordsReason')}: “{w.reason}”
                    </p>
                  )}
                  <p class="small">
                    <a href={`/api/v1/forms/${w.form}`}>{t('wordsAgentPhoto')}</a>{' '}
                    <span class="mono muted wrap-anywhere">SHA-256 {w.form}</span>
                  </p>
                </>
              )}
            </li>
          ))}
        </ul>
      )}
      <p class="small">
        <a href="/agent">{t('agentLink')}</a>
      </p>
    </div>
  );
}

function Row(props: {
  label: string;
  device: number;
  agent: number;
  figure: string;
  lang: 'en' | 'sw';
}) {
  const differs = props.device !== props.agent;
  return (
    <tr class={differs ? 'differs' : undefined} data-figure={props.figure} data-differs={differs}>
      <th scope="row">{props.label}</th>
      <td class="num">{formatNumber(props.lang, props.device)}</td>
      <td class="num" data-agent-figure={props.figure}>
        {differs ? (
          <strong>{formatNumber(props.lang, props.agent)}</strong>
        ) : (
          formatNumber(props.lang, props.agent)
        )}
      </td>
    </tr>
  );
}
