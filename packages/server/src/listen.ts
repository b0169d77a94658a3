import { serve, type ServerType } from '@hono/node-server';
import { createApp, type AppOptions, type ServedEngine } from './app.js';

/** Options of {@link listen}. */
export interface ListenOptions extends Omit<AppOptions, 'hosts'> {
  /** Address to bind (default `127.0.0.1`: loopback only). */
  readonly host?: string;
  /** Port (default 8080; 0 picks a free one). */
  readonly port?: number;
}

/** A running server. */
export interface RunningServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /**
   * Stops: no new connections, requests in flight get `graceMs` (default
   * 5000) to finish, then their generations are aborted; resolves once every
   * connection is closed.
   */
  close(graceMs?: number): Promise<void>;
}

/** Serves {@link createApp} over HTTP on Node. */
export async function listen(engine: ServedEngine, options: ListenOptions = {}): Promise<RunningServer> {
  const hostname = options.host ?? '127.0.0.1';
  const served = createApp(engine, { ...options, hosts: [hostname.includes(':') ? `[${hostname}]` : hostname] });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: served.app.fetch, hostname, port: options.port ?? 8080 }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? 8080);
  const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${shown}:${port}`,
    close: async (graceMs = 5000) => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      while (served.inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      served.abortAll();
      if ('closeAllConnections' in server) server.closeAllConnections();
      await closed;
    },
  };
}
