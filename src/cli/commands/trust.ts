// `peersync trust`: this node's certificate fingerprint and every pinned peer certificate.
// `peersync trust --reset HOST`: forget HOST's pin (after HOST was reinstalled and its new
// fingerprint was checked out of band); the next key-authenticated contact pins again.

import { UsageError } from "../../errors.js";
import { loadConfig } from "../../config/load.js";
import { openIndex } from "../../index/database.js";
import { PinStore, type Pin } from "../../index/pins.js";
import { readIdentity } from "../../net/identity.js";
import type { Command, CommandContext } from "../context.js";
import { ExitCode } from "../exit-codes.js";

interface TrustFlags {
  readonly reset?: string;
}

export const run: Command<readonly string[], TrustFlags> = async (ctx, _args, flags) => {
  const o = ctx.options;
  const config = loadConfig({ configFile: o.configFile, nodeName: o.nodeName, stateDir: o.stateDir, port: o.port });
  const db = openIndex(config.stateDir);
  try {
    const pins = new PinStore(db);
    if (flags.reset !== undefined) return reset(ctx, pins, flags.reset.toLowerCase());
    const own = readIdentity(config.stateDir)?.fingerprint;
    const list = pins.list();
    if (o.json) {
      ctx.out(JSON.stringify({ node: config.localName, fingerprint: own ?? null, pins: list.map(pinJson) }, null, 2));
    } else {
      ctx.out(`this node (${config.localName}): ${own ?? "no identity yet (made when the daemon first starts)"}`);
      for (const p of list) ctx.out(`${p.host}  ${p.fingerprint}  group ${p.group}, pinned ${iso(p.pinnedAt)}, last seen ${iso(p.lastSeenAt)}`);
      if (list.length === 0) ctx.out("no peer certificates pinned yet");
    }
    return ExitCode.OK;
  } finally {
    db.close();
  }
};

function reset(ctx: CommandContext, pins: PinStore, host: string): number {
  const pin = pins.get(host);
  if (pin === undefined || !pins.reset(host)) {
    throw new UsageError(`Cannot reset the pin of host "${host}": none is recorded`, { hint: "run `peersync trust` to list the pinned hosts" });
  }
  if (ctx.options.json) ctx.out(JSON.stringify({ reset: pinJson(pin) }));
  else ctx.out(`forgot the certificate of "${host}" (${pin.fingerprint}); the next authenticated contact pins its current one`);
  return ExitCode.OK;
}

function pinJson(p: Pin) {
  // Milliseconds, as every time in --json (peersync(1) JSON OUTPUT); the text shows ISO.
  return { host: p.host, fingerprint: p.fingerprint, group: p.group, pinnedAt: p.pinnedAt, lastSeenAt: p.lastSeenAt };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
