// The nginx front of a kura cluster, as text: writes (every method but GET
// and HEAD, and the session check only a writer answers) go to the writer,
// with the standby as its backup, so a failover needs no reconfiguration;
// reads go to the stateless readers and are served from nginx's cache as the
// log's own rules allow (docs/DEPLOY.md explains each rule). Everything nginx
// writes (pid, logs, cache, temporary bodies) is under one prefix directory,
// so it runs as any user: `nginx -p PREFIX -c nginx.conf -e stderr`.

export interface HostPort {
  host: string;
  port: number;
}

export interface FrontConfig {
  /** Where the public connects. */
  listen: HostPort;
  /** The writer, and its standby (the backup: it listens only once it holds the lease). */
  writer: HostPort;
  standby: HostPort;
  /** The stateless readers (`kura serve --read-only`). */
  readers: readonly HostPort[];
  /** The prefix directory: nginx.pid, logs/, cache/, temp/ (absolute). */
  prefix: string;
  /** nginx worker processes (default: auto, one per core). */
  workers?: number | 'auto';
  /** The cache's size on disk (default 2g). */
  cacheSize?: string;
}

const at = (a: HostPort) => `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;

/** The nginx.conf of the front: a whole file, for `nginx -p PREFIX -c FILE`. */
export function renderFrontConfig(c: FrontConfig): string {
  if (c.readers.length === 0) throw new Error('the front needs at least one reader');
  const p = c.prefix.replace(/\/+$/, '');
  const readers = c.readers.map((r) => `    server ${at(r)};`).join('\n');
  return `# The nginx front of a kura cluster, rendered from src/cluster/nginx-front.ts
# (kura cluster renders one per run; docs/DEPLOY.md explains every rule).
# Run it as any user that owns ${p}:
#   nginx -p ${p} -c THIS_FILE -e stderr -g 'daemon off;'
# Keep X-Cache-Status and the access log's upstream= field: they say where
# each answer came from.
worker_processes ${c.workers ?? 'auto'};
pid ${p}/nginx.pid;
error_log stderr warn;

events {
    worker_connections 8192;
}

http {
    default_type application/octet-stream;
    server_tokens off;
    # The readers gzip once per version and keep it; nginx never compresses.
    gzip off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 30s;
    # A form scan is at most 10 MiB; nginx takes slow uploads off the writer.
    client_max_body_size 11m;
    client_body_timeout 120s;

    client_body_temp_path ${p}/temp/client_body;
    proxy_temp_path ${p}/temp/proxy;
    fastcgi_temp_path ${p}/temp/fastcgi;
    uwsgi_temp_path ${p}/temp/uwsgi;
    scgi_temp_path ${p}/temp/scgi;

    log_format kura '$remote_addr "$request" $status $body_bytes_sent '
                    'cache=$upstream_cache_status upstream=$upstream_addr '
                    'upstream_status=$upstream_status time=$request_time';
    access_log ${p}/logs/access.log kura;

    # Full tiles stay until evicted for space: they never change.
    proxy_cache_path ${p}/cache levels=1:2 keys_zone=kura:64m max_size=${c.cacheSize ?? '2g'}
                     inactive=30d use_temp_path=off;

    # The writer, and the standby behind it: while the writer lives the
    # standby does not even listen. max_fails=0 on the standby: it is tried
    # every time the writer is down, never skipped for having refused earlier.
    upstream kura_writer {
        server ${at(c.writer)} max_fails=1 fail_timeout=2s;
        server ${at(c.standby)} backup max_fails=0;
        keepalive 32;
    }

    upstream kura_readers {
${readers}
        keepalive 64;
    }

    # Reads go to the readers; every other method writes.
    map $request_method $kura_route {
        GET kura_readers;
        HEAD kura_readers;
        default kura_writer;
    }

    # One cache entry per version and encoding, not per Accept-Encoding
    # string a browser sends: "gzip" or "" (q=0 refuses gzip).
    map $http_accept_encoding $kura_encoding {
        "~*(^|,)\\s*(gzip|\\*)\\s*;\\s*q=0(\\.0*)?\\s*(,|$)" "";
        "~*(^|,)\\s*(gzip|\\*)\\s*(;|,|$)" gzip;
        default "";
    }

    server {
        listen ${at(c.listen)} reuseport backlog=4096;

        # The readers and the writer see the client's address (kura serve
        # --trust-proxy), for the per-address limits on logins and uploads.
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto $scheme;
        proxy_set_header Host $host;
        proxy_set_header Accept-Encoding $kura_encoding;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_connect_timeout 2s;
        proxy_read_timeout 130s;
        proxy_send_timeout 130s;

        proxy_cache kura;
        proxy_cache_key "$request_uri|$kura_encoding";
        # Expired entries are revalidated with the ETag (a 304 costs a reader little);
        # one request per entry goes to the readers, the others wait for it.
        proxy_cache_revalidate on;
        proxy_cache_lock on;
        proxy_cache_lock_timeout 5s;
        proxy_cache_use_stale updating error timeout http_502 http_503 http_504;
        # Officials' requests carry their token: never from or into the cache.
        proxy_cache_bypass $http_authorization;
        proxy_no_cache $http_authorization;
        # The cache key holds the encoding, so Vary needs no variants (clients
        # still get it). A response that sets a cookie is never cached.
        proxy_ignore_headers Vary;

        # Reads retry on another reader; a write that reached the writer is
        # never sent twice (nginx does not retry POST once it was sent).
        proxy_next_upstream error timeout http_502 http_503 http_504;
        proxy_next_upstream_tries 3;

        add_header X-Cache-Status $upstream_cache_status always;

        location / {
            proxy_pass http://$kura_route;
        }

        # A result is idempotent by design (the same signed bytes get the same
        # index and receipt), and so is a device's batch of them (all or
        # nothing): the writes sent again to the standby when the connection
        # to the writer breaks mid-request.
        location ~ ^/api/v1/results(/batch)?$ {
            proxy_pass http://$kura_route;
            proxy_next_upstream error non_idempotent;
        }

        # Only the writer knows the sessions.
        location = /api/v1/session {
            proxy_pass http://kura_writer;
            proxy_next_upstream error;
        }

        # Live updates (server-sent events): one long stream per client,
        # passed through as it comes (never buffered, never cached), kept open
        # by the readers' heartbeat. A reader at its cap answers 503: the next
        # reader is tried, and when all are full the client polls instead.
        location = /log/events {
            proxy_pass http://$kura_route;
            proxy_buffering off;
            proxy_cache off;
            proxy_read_timeout 1h;
            proxy_send_timeout 1h;
        }

        # The checkpoint changes with every batch: the front holds it one
        # second, so a crowd costs the readers one request a second; clients
        # get the server's short max-age and ETag (a CDN may hold it as long).
        location = /log/checkpoint {
            proxy_pass http://$kura_route;
            proxy_ignore_headers Vary Cache-Control Expires;
            proxy_cache_valid 200 1s;
        }

        # A partial tile (.p/N) is held briefly: the full tile replaces it soon.
        # A reader a moment behind the checkpoint a client holds has no such
        # tile yet (404): another reader may (the tile locations only, so a
        # 404 elsewhere costs one reader, not all).
        location ~ "^/log/tile/.*\\.p/[0-9]+$" {
            proxy_pass http://$kura_route;
            proxy_next_upstream error timeout http_404 http_502 http_503 http_504;
            proxy_ignore_headers Vary Cache-Control Expires;
            proxy_cache_valid 200 60s;
        }

        # A full tile never changes: kept until the cache needs the space.
        location /log/tile/ {
            proxy_pass http://$kura_route;
            proxy_next_upstream error timeout http_404 http_502 http_503 http_504;
            proxy_ignore_headers Vary Cache-Control Expires;
            proxy_cache_valid 200 365d;
        }
    }
}
`;
}

/** The directories the front writes to, under the prefix (made before nginx starts). */
export const FRONT_DIRS: readonly string[] = [
  'logs',
  'cache',
  'temp/client_body',
  'temp/proxy',
  'temp/fastcgi',
  'temp/uwsgi',
  'temp/scgi',
];

/**
 * The layout docs/DEPLOY.md describes (one machine per role on a private
 * network), rendered into deploy/nginx/kura-front.conf by
 * scripts/render-deploy.ts; a test keeps the two equal.
 */
export const EXAMPLE_FRONT: FrontConfig = {
  listen: { host: '0.0.0.0', port: 80 },
  writer: { host: '10.0.0.11', port: 8080 },
  standby: { host: '10.0.0.12', port: 8080 },
  readers: [
    { host: '10.0.0.21', port: 8080 },
    { host: '10.0.0.22', port: 8080 },
  ],
  prefix: '/var/lib/kura-front',
};
