// On a unit's page: the enrolled parties, each a link to its parallel tally of
// this contest in this unit (nothing when no party is enrolled).
import type { PartiesAnswer } from '../agent-views';
import { useJson } from '../api';
import { formatNumber, useT } from '../i18n';
import { partyHref } from '../router';

export function PartyLinks(props: { contest: string; unit: string }) {
  const { t, lang } = useT();
  const parties = useJson<PartiesAnswer>('/api/v1/parties');
  if (parties.state !== 'ready' || parties.data.parties.length === 0) return null;
  return (
    <section aria-labelledby="party-tallies-h" data-testid="party-tallies">
      <h2 id="party-tallies-h">{t('partyTallies')}</h2>
      <p class="muted">{t('partyTalliesHint')}</p>
      <ul>
        {parties.data.parties.map((p) => (
          <li>
            <a href={partyHref(p.party, props.contest, props.unit)}>{p.name}</a>{' '}
            <span class="small muted">
              ({formatNumber(lang, p.agents)} {t('partyAgents')})
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
