// `peersync config-check`: load the config for this node and print what it means here (groups,
// peers, roots mapped to local paths), or every error found with its position and hint.
// Exit 0 when the config is usable, 1 otherwise.

import { ConfigError, ConfigErrors, messageOf } from "../../errors.js";
import { loadConfig } from "../../config/load.js";
import { shallowIncludeNote, shallowIncludes } from "../../config/shallow-includes.js";
import type { Config, Group, Host } from "../../config/types.js";
import type { Command, CommandContext } from "../context.js";
import { ExitCode } from "../exit-codes.js";
import { defaultBackupDirectory } from "../../sync/backup.js";
import { listenAddresses } from "../../sync/daemon.js";

export const run: Command = async (ctx) => {
  const o = ctx.options;
  let config: Config;
  try {
    config = loadConfig({ configFile: o.configFile, nodeName: o.nodeName, stateDir: o.stateDir, port: o.port });
  } catch (err) {
    const errors = err instanceof ConfigErrors ? err.errors : err instanceof ConfigError ? [err] : undefined;
    if (errors === undefined) throw err;
    printErrors(ctx, errors);
    return ExitCode.ERROR;
  }
  if (o.json) ctx.out(JSON.stringify(toJson(config), null, 2));
  else printConfig(ctx, config);
  return ExitCode.OK;
};

function printErrors(ctx: CommandContext, errors: readonly ConfigError[]): void {
  if (ctx.options.json) {
    const list = errors.map((e) => ({ ...e.location, message: bare(e), hint: e.hint }));
    ctx.out(JSON.stringify({ ok: false, errors: list }, null, 2));
    return;
  }
  for (const e of errors) {
    ctx.err(messageOf(e));
    if (e.hint !== undefined) ctx.err(`  hint: ${e.hint}`);
  }
  ctx.err(`${errors.length} error${errors.length === 1 ? "" : "s"} found`);
}

/** The message without the "file:line:col: " that ConfigError puts in front. */
function bare(e: ConfigError): string {
  const l = e.location;
  const head = l === undefined ? "" : `${l.file}:${l.line}:${l.column}: `;
  return e.message.startsWith(head) ? e.message.slice(head.length) : e.message;
}

function endpoint(h: Host): string {
  return `${h.name}${h.address !== h.name ? `@${h.address}` : ""}:${h.port}${h.receiveOnly ? " (receive-only)" : ""}`;
}

function localRoot(config: Config, root: string): string {
  try {
    return config.toLocalPath(root);
  } catch (err) {
    return `(${messageOf(err)})`;
  }
}

function printConfig(ctx: CommandContext, config: Config): void {
  ctx.out(`config ${config.file}`);
  // Where the daemon listens: its host entries' ports. The -p port is only their default, and
  // printed alone it named a port nothing listened on.
  const listens = listenAddresses(config).map((a) => (a.host.includes(":") ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`));
  ctx.out(`node ${config.localName}, listens on ${listens.join(" ")}, state dir ${config.stateDir}`);
  for (const g of config.groups) printGroup(ctx, config, g);
  for (const note of notes(config)) ctx.out(`note: ${note}`);
}

function printGroup(ctx: CommandContext, config: Config, g: Group): void {
  ctx.out("");
  ctx.out(`group ${g.name}`);
  ctx.out(`  local    ${endpoint(g.local)}`);
  for (const p of g.peers) ctx.out(`  peer     ${endpoint(p)}`);
  if (g.peers.length === 0) ctx.out("  peer     (none: nothing to sync with)");
  for (const r of g.roots) {
    const local = localRoot(config, r);
    ctx.out(`  root     ${r}${local !== r ? ` -> ${local}` : ""}`);
  }
  if (g.include.length > 0) ctx.out(`  include  ${g.include.join(" ")}`);
  if (g.exclude.length > 0) ctx.out(`  exclude  ${g.exclude.join(" ")}`);
  if (g.compare.length > 0) ctx.out(`  compare  ${g.compare.join(" ")}`);
  ctx.out(`  auto     ${g.auto}`);
  // Where this node's losing versions go (sync/backup.ts): worth seeing before a conflict.
  const backups = g.backupGenerations === 0 ? "none kept (backup-generations 0)"
    : `${g.backupDirectory ?? defaultBackupDirectory(config.stateDir)}, ${g.backupGenerations} generation(s)`;
  ctx.out(`  backup   ${backups}`);
  for (const a of g.actions) {
    const when = a.doLocalOnly ? ", local only" : a.doLocal ? ", also local" : "";
    ctx.out(`  action   ${JSON.stringify(a.exec)} on ${a.patterns.length > 0 ? a.patterns.join(" ") : "every file"}${when}`);
  }
}

function notes(config: Config): string[] {
  const out: string[] = [];
  for (const n of config.nossl) out.push(`nossl ${n.from} ${n.to} is ignored: peersync always uses TLS`);
  for (const g of config.groups) for (const s of shallowIncludes(g)) out.push(shallowIncludeNote(s));
  return out;
}

function toJson(config: Config): unknown {
  return {
    ok: true,
    file: config.file,
    node: config.localName,
    port: config.port,
    stateDir: config.stateDir,
    prefixes: Object.fromEntries(config.prefixes),
    ignore: config.ignore,
    // Unset values are null, not left out: --json documents have fixed keys (man/peersync.1).
    tempdir: config.tempdir ?? null,
    lockTimeoutS: config.lockTimeoutS,
    groups: config.groups.map((g) => ({
      name: g.name,
      local: host(g.local),
      peers: g.peers.map(host),
      keyFile: g.keyFile,
      roots: g.roots.map((r) => ({ logical: r, local: localRoot(config, r) })),
      include: g.include,
      exclude: g.exclude,
      compare: g.compare,
      auto: g.auto,
      backupDirectory: g.backupDirectory ?? null,
      backupGenerations: g.backupGenerations,
      maxDelete: g.maxDelete ?? null,
      watch: g.watch,
      debounceMs: g.debounceMs,
      rescanIntervalMs: g.rescanIntervalMs,
      actions: g.actions.map(({ at: _at, ...a }) => a),
    })),
    notes: notes(config),
  };
}

function host(h: Host): unknown {
  return { name: h.name, address: h.address, port: h.port, receiveOnly: h.receiveOnly, leftOfLocal: h.leftOfLocal };
}
