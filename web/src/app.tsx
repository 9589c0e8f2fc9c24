// The portal: routes, language, the live feed and the election, provided to every page.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type ContestsAnswer, useJson } from './api';
import { Failure, Layout, Loading } from './components/Layout';
import { lazy } from './components/Lazy';
import { ElectionContext } from './election';
import { initialLang, type Lang, LangContext, translator } from './i18n';
import { LiveContext, useLiveFeed } from './live';
import { AdminPage } from './pages/AdminPage';
import { DataPage } from './pages/DataPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { RecordPage } from './pages/RecordPage';
import { SearchPage } from './pages/SearchPage';
import { StationPage } from './pages/StationPage';
import { UnitPage } from './pages/UnitPage';
import { interceptLinks, navigate, useRoute } from './router';

// The audit pages load when opened: their code and words are not in the first load.
const AuditListPage = lazy(() => import('./pages/audit-pages').then((m) => m.AuditListPage));
const AuditPage = lazy(() => import('./pages/audit-pages').then((m) => m.AuditPage));
// Party agents (issue 15): the agent's page and a party's tally load when opened.
const AgentPage = lazy(() => import('./pages/AgentPage').then((m) => m.AgentPage));
const PartyPage = lazy(() => import('./pages/PartyPage').then((m) => m.PartyPage));

export function App() {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = (l: Lang) => {
    setLangState(l);
    try {
      localStorage.setItem('kura.lang', l);
    } catch {
      // ignore
    }
  };
  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);
  const langValue = useMemo(() => ({ lang, t: translator(lang), setLang }), [lang]);
  const live = useLiveFeed();
  const route = useRoute();
  const election = useJson<ContestsAnswer>('/api/v1/contests');

  useEffect(() => {
    document.addEventListener('click', interceptLinks);
    return () => document.removeEventListener('click', interceptLinks);
  }, []);
  // After a client navigation, move the focus to the new page's content (screen readers
  // announce it) when it would otherwise be lost: on <body> because the link followed is gone
  // (a search result), or in the header. A control still on the page (a search box, a tab)
  // keeps it. The first page load leaves the focus to the browser.
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    const main = document.getElementById('main');
    const at = document.activeElement;
    if (main && (!at || at === document.body || !main.contains(at)))
      main.focus({ preventScroll: true });
  }, [route]);

  const title = election.state === 'ready' ? election.data.title : '';
  useEffect(() => {
    if (title) document.title = title;
  }, [title]);

  let page = <Loading />;
  // The agent's page works without the server (offline at the station): it does not wait for the election.
  if (route.page === 'agent') page = <AgentPage />;
  else if (election.state === 'error') page = <Failure error={election.error} />;
  else if (election.state === 'ready') {
    const first = election.data.contests[0]?.id ?? 'president';
    switch (route.page) {
      case 'home':
        page = <UnitPage contest={first} unit="" />;
        break;
      case 'unit':
        page = <UnitPage contest={route.contest} unit={route.unit} />;
        break;
      case 'station':
        page = <StationPage code={route.code} />;
        break;
      case 'search':
        page = <SearchPage q={route.q} />;
        break;
      case 'data':
        page = <DataPage />;
        break;
      case 'record':
        page = <RecordPage />;
        break;
      case 'admin':
        page = <AdminPage />;
        break;
      case 'audits':
        page = <AuditListPage />;
        break;
      case 'audit':
        page = <AuditPage id={route.id} />;
        break;
      case 'party':
        page = <PartyPage party={route.party} contest={route.contest || first} unit={route.unit} />;
        break;
      case 'missing':
        page = <NotFoundPage path={route.path} />;
        break;
    }
  }
  return (
    <LangContext.Provider value={langValue}>
      <LiveContext.Provider value={live}>
        <ElectionContext.Provider value={election.state === 'ready' ? election.data : null}>
          <Layout title={title}>{page}</Layout>
        </ElectionContext.Provider>
      </LiveContext.Provider>
    </LangContext.Provider>
  );
}

export { navigate };
