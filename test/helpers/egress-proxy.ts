/**
 * A small egress proxy on loopback, as a cluster's forward proxy behaves:
 * absolute-form requests for `http://` targets (RFC 9112 §3.2.2) are sent on
 * by the proxy itself, `CONNECT host:port` opens a tunnel for `https://`
 * ones. Every target name is reached on 127.0.0.1 (the proxy, not the
 * gateway, resolves names: `fixture.test` works only through it). It records
 * what it was asked, and can refuse everything with a status. For tests only.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';

export interface ProxiedRequest {
  /** `GET` … for a forwarded request, `CONNECT` for a tunnel. */
  method: string;
  /** The request target as the proxy received it: an absolute URL, or `host:port` for CONNECT. */
  target: string;
  headers: IncomingHttpHeaders;
}

export interface EgressProxyServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  requests: ProxiedRequest[];
  close(): Promise<void>;
}

export interface EgressProxyOptions {
  /** Answer every request and tunnel with this status instead of carrying it (403: the proxy's rules refuse it). */
  refuse?: number;
}

/** Headers a proxy consumes itself (RFC 9110 §7.6.1) and never passes on. */
const HOP_BY_HOP = new Set(['proxy-authorization', 'proxy-connection', 'connection', 'keep-alive']);

export async function startEgressProxy(options: EgressProxyOptions = {}): Promise<EgressProxyServer> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', target: req.url ?? '', headers: req.headers });
    if (options.refuse) {
      res.writeHead(options.refuse).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('absolute-form request target expected');
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
    const upstream = http.request({ host: '127.0.0.1', port: Number(target.port || 80), method: req.method, path: target.pathname + target.search, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  server.on('connect', (req, client: Socket) => {
    requests.push({ method: 'CONNECT', target: req.url ?? '', headers: req.headers });
    if (options.refuse) {
      client.end(`HTTP/1.1 ${options.refuse} Refused\r\ncontent-length: 0\r\n\r\n`);
      return;
    }
    const port = Number(/:(\d+)$/.exec(req.url ?? '')?.[1] ?? 443);
    const upstream = net.connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
