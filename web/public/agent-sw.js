// The party agent's page offline: this worker keeps /agent (the portal's
// shell as served there) and the hashed scripts and styles it loaded, and
// nothing else. It is registered with the scope /agent, so it controls only
// that page; even there it answers from its cache only the page itself (the
// network first, the kept copy without one) and /assets/ files (immutable:
// their names are their hashes). Every other request, the API above all,
// goes to the network untouched: no figures are ever served stale from here.
const CACHE = 'kura-agent-v1';
const PAGE = '/agent';

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((c) => c.add(PAGE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page names what it loaded (its lazy chunks included): keep those, and
// drop the files of older builds, so the cache holds one build's page only.
self.addEventListener('message', (event) => {
  const keep = event.data?.keep;
  if (!Array.isArray(keep)) return;
  const wanted = keep.filter(
    (p) => typeof p === 'string' && (p === PAGE || p.startsWith('/assets/')),
  );
  event.waitUntil(
    caches.open(CACHE).then(async (c) => {
      await c.addAll(wanted);
      for (const request of await c.keys()) {
        const path = new URL(request.url).pathname;
        if (path !== PAGE && !wanted.includes(path)) await c.delete(request);
      }
    }),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === PAGE) {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            void caches.open(CACHE).then((c) => c.put(PAGE, copy));
          }
          return response;
        })
        .catch(() => caches.match(PAGE).then((kept) => kept ?? Response.error())),
    );
    return;
  }
  if (url.pathname.startsWith('/assets/')) {
    event.respondWith(
      caches.match(request).then(
        (kept) =>
          kept ??
          fetch(request).then((response) => {
            if (response.ok) {
              const copy = response.clone();
              void caches.open(CACHE).then((c) => c.put(request, copy));
            }
            return response;
          }),
      ),
    );
  }
});
