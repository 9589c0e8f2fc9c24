// Scanned forms, fetched once per page: the station page learns the type from
// this one GET and Verify hashes these same bytes; the image element then gets
// the scan from the HTTP cache (forms are immutable), so a scan is downloaded
// once, not HEAD then GET then GET again. (No blob: URL: the CSP allows images
// from this server only.)

export type FormFile =
  | { state: 'ok'; type: string; bytes: ArrayBuffer }
  | { state: 'missing' }
  | { state: 'error'; why: string };

const cache = new Map<string, Promise<FormFile>>();

export function loadForm(sha256: string): Promise<FormFile> {
  let p = cache.get(sha256);
  if (!p) {
    p = (async (): Promise<FormFile> => {
      try {
        const r = await fetch(`/api/v1/forms/${sha256}`);
        if (r.status === 404) return { state: 'missing' };
        if (!r.ok) return { state: 'error', why: `HTTP ${r.status}` };
        const type = r.headers.get('content-type') ?? 'application/octet-stream';
        const bytes = await r.arrayBuffer();
        return { state: 'ok', type, bytes };
      } catch (e) {
        cache.delete(sha256);
        return { state: 'error', why: (e as Error).message };
      }
    })();
    cache.set(sha256, p);
  }
  return p;
}
