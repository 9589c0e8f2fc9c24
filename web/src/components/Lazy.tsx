// A component whose code loads only when it is first shown: pages and panels
// most readers never open stay out of the first-load JavaScript (the budget in
// test/portal/portal.test.ts). Loading shows the usual "Loading…"; a failed
// load, the usual failure with its retry.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Failure, Loading } from './Layout';

export function lazy<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> {
  let loaded: ComponentType<P> | null = null;
  let loading: Promise<ComponentType<P>> | null = null;
  return function Lazy(props: P) {
    const [component, setComponent] = useState<ComponentType<P> | null>(() => loaded);
    const [error, setError] = useState<Error | null>(null);
    useEffect(() => {
      if (component) return;
      let live = true;
      loading ??= load().then((c) => {
        loaded = c;
        return c;
      });
      loading.then(
        (c) => live && setComponent(() => c),
        (e: Error) => {
          loading = null;
          if (live) setError(e);
        },
      );
      return () => {
        live = false;
      };
    }, [component]);
    if (error) return <Failure error={error} />;
    if (!component) return <Loading />;
    const Component = component;
    return <Component {...props} />;
  };
}
