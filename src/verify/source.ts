// Where the verifier reads a log from: a server over HTTP (HttpSource), or a
// preservation bundle (src/bundle/source.ts). Paths are the server's
// ("log/tile/entries/000", "api/v1/forms/<sha256>"); a source that has nothing
// at a path answers 404, as a server would.

export interface SourceResponse {
  status: number;
  body: Buffer;
}

export interface LogSource {
  get(path: string): Promise<SourceResponse>;
  /** Where a path is read from, for messages (a URL, or the bundle's member). */
  url(path: string): string;
}
