// A user-space impairment proxy for slow and flaky links (issue #10, item 5). This kernel has
// no sch_netem (`tc qdisc add ... netem` fails: "Specified qdisc kind is unknown"), so delay,
// bandwidth, stalls and dropped connections are made here, between a pusher and a daemon:
//  - every chunk is delivered `latencyMs` after it arrived (order kept), no faster than
//    `bytesPerSecond`: latency and a thin pipe, as netem's delay and rate would;
//  - `stallChance`: a chunk is held a further 200–600 ms now and then (a lossy link's
//    retransmission pauses, which is what 1 % loss looks like to TCP above it);
//  - dropAfter(n): the connection carrying the n-th upstream byte is torn down (both sockets
//    destroyed), as a link that goes away mid-transfer.
// Counters say how many bytes went each way, so a test can tell a resumed transfer from a
// restarted one.

import { connect, createServer, type Server, type Socket } from "node:net";
import { seeded } from "./faults.js";

export interface LinkProxyOptions {
  readonly targetPort: number;
  readonly targetHost?: string;
  /** @default 100 */
  readonly latencyMs?: number;
  /** @default unlimited */
  readonly bytesPerSecond?: number;
  /** Probability per chunk of an extra 200–600 ms stall. @default 0 */
  readonly stallChance?: number;
  readonly seed?: number;
}

export class LinkProxy {
  readonly #server: Server;
  readonly #options: LinkProxyOptions;
  readonly #random: () => number;
  readonly #sockets = new Set<Socket>();
  #dropAt: number | undefined;
  /** Bytes forwarded client → server, server → client, and connections accepted, since reset(). */
  bytesUp = 0;
  bytesDown = 0;
  /** Upstream bytes handed on to the target (bytesUp counts them as they arrive, before the link's delay). */
  bytesUpDelivered = 0;
  connections = 0;
  drops = 0;
  port = 0;

  private constructor(options: LinkProxyOptions) {
    this.#options = options;
    this.#random = seeded(options.seed ?? 4242);
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(options: LinkProxyOptions): Promise<LinkProxy> {
    const proxy = new LinkProxy(options);
    await new Promise<void>((res) => proxy.#server.listen(0, "127.0.0.1", res));
    proxy.port = (proxy.#server.address() as { port: number }).port;
    return proxy;
  }

  /** Tears down the connection that carries upstream byte number `bytes` (counted from now). */
  dropAfter(bytes: number | undefined): void {
    this.#dropAt = bytes === undefined ? undefined : this.bytesUp + bytes;
  }

  reset(): void {
    this.bytesUp = this.bytesDown = this.bytesUpDelivered = this.connections = this.drops = 0;
    this.#dropAt = undefined;
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((res) => this.#server.close(() => res()));
  }

  #accept(client: Socket): void {
    this.connections++;
    const upstream = connect(this.#options.targetPort, this.#options.targetHost ?? "127.0.0.1");
    for (const s of [client, upstream]) {
      this.#sockets.add(s);
      s.on("close", () => this.#sockets.delete(s)).on("error", () => {});
    }
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", kill);
    upstream.on("close", kill);
    this.#pipe(client, upstream, (n) => {
      this.bytesUp += n;
      if (this.#dropAt !== undefined && this.bytesUp >= this.#dropAt) {
        this.#dropAt = undefined;
        this.drops++;
        kill();
        return false;
      }
      return true;
    }, (n) => (this.bytesUpDelivered += n));
    this.#pipe(upstream, client, (n) => {
      this.bytesDown += n;
      return true;
    });
  }

  /** Forwards from → to with latency, rate and stalls; `count` may veto (drop) a chunk. */
  #pipe(from: Socket, to: Socket, count: (n: number) => boolean, delivered: (n: number) => void = () => {}): void {
    const latency = this.#options.latencyMs ?? 100;
    const rate = this.#options.bytesPerSecond;
    let lastDue = 0;
    let queued = 0;
    // One timer at a time over a FIFO: separate timers per chunk could fire out of order.
    const queue: { due: number; chunk: Buffer }[] = [];
    let pumping = false;
    const pump = (): void => {
      const head = queue[0];
      if (head === undefined) return void (pumping = false);
      pumping = true;
      const wait = head.due - Date.now();
      if (wait > 0) return void setTimeout(pump, wait);
      queue.shift();
      queued -= head.chunk.length;
      if (!to.destroyed) {
        to.write(head.chunk);
        delivered(head.chunk.length);
      }
      if (queued < 1 << 20 && from.isPaused()) from.resume();
      pump();
    };
    from.on("data", (chunk: Buffer) => {
      if (!count(chunk.length)) return;
      const now = Date.now();
      const stall = this.#random() < (this.#options.stallChance ?? 0) ? 200 + this.#random() * 400 : 0;
      const due = Math.max(now + latency + stall, lastDue + (rate ? (chunk.length / rate) * 1000 : 0));
      lastDue = due;
      queued += chunk.length;
      if (queued > 4 << 20) from.pause(); // bounded memory: hold the sender back
      queue.push({ due, chunk });
      if (!pumping) pump();
    });
    from.on("end", () => setTimeout(() => to.end(), Math.max(0, lastDue - Date.now())));
  }
}
