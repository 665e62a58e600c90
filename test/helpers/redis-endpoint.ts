/**
 * A managed Redis's endpoint name, for tests: a loopback TCP front that sends
 * each new connection to the server it names now, while connections opened
 * before stay with the server they reached, as a DNS name moved by a failover
 * does (ElastiCache, Memorystore, Azure Cache). For tests only.
 */
import net, { type AddressInfo, type Socket } from 'node:net';

export interface RedisEndpoint {
  /** `redis://127.0.0.1:<port>` of the front. */
  url: string;
  /** Sends the connections opened from now on to the server on `port`. */
  pointAt(port: number): void;
  /**
   * From now on the connections already open carry nothing, either way, and stay open: the path to a node
   * whose address went away, where packets are dropped and nobody resets the connection. New ones work.
   */
  freeze(): void;
  /** Ends the connections open now, as a server going away does (new ones go to the server it names). */
  drop(): void;
  close(): Promise<void>;
}

interface Link {
  frozen: boolean;
  sockets: [Socket, Socket];
}

/** Starts a front on a free loopback port naming the server on `port`. */
export async function startRedisEndpoint(port: number): Promise<RedisEndpoint> {
  let target = port;
  const links = new Set<Link>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    const link: Link = { frozen: false, sockets: [client, upstream] };
    links.add(link);
    client.on('data', (chunk) => link.frozen || upstream.write(chunk));
    upstream.on('data', (chunk) => link.frozen || client.write(chunk));
    // One side gone: the other goes too, as the server's own socket would.
    const end = () => {
      links.delete(link);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of link.sockets) socket.once('error', end).once('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pointAt(next) {
      target = next;
    },
    freeze() {
      for (const link of links) link.frozen = true;
    },
    drop() {
      for (const link of links) for (const socket of link.sockets) socket.destroy();
    },
    async close() {
      for (const link of links) for (const socket of link.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
