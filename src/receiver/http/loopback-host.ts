import type { IncomingMessage } from 'node:http';

/**
 * DNS rebinding defence for a loopback listener without API keys: a web page whose name an
 * attacker re-points at 127.0.0.1 reaches oct with its own name in `Host`, so only loopback
 * names (and the address oct listens on), with or without a port, are answered.
 */
export function loopbackHost(listenHost: string): (req: IncomingMessage) => boolean {
  const names = new Set([
    'localhost',
    '127.0.0.1',
    '[::1]',
    listenHost.includes(':') ? `[${listenHost.replace(/^\[|\]$/g, '')}]` : listenHost,
  ]);
  return (req) => {
    const host = req.headers.host;
    // HTTP/1.0 may omit Host; browsers never do, so the request cannot be a rebinding page's.
    if (host === undefined) return true;
    return names.has(host.toLowerCase().replace(/:\d+$/, ''));
  };
}
