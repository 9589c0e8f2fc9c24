// A path the portal has no page for (the server answers it with 404 and this
// page): says so, names the path, and offers the way back.
import { useT } from '../i18n';

export function NotFoundPage(props: { path: string }) {
  const { t } = useT();
  return (
    <article data-testid="not-found">
      <header class="page-head">
        <h1>{t('notFound')}</h1>
        <p>
          {t('notFoundText')} <code class="wrap-anywhere">{props.path}</code>
        </p>
      </header>
      <p>
        <a class="button button-primary" href="/">
          {t('notFoundHome')}
        </a>{' '}
        <a class="button" href="/search">
          {t('navSearch')}
        </a>
      </p>
    </article>
  );
}
