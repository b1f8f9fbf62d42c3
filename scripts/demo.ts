// `make demo`: a narrated tour of what peersync does today, on real processes and real files
// in a temp dir that is removed on exit (Ctrl-C included). Three daemons (alpha, beta, gamma)
// on free loopback ports; the daemons are stopped by PID at the end, or on Ctrl-C. Every claim
// the narration makes ("ran once", "sends nothing", "in sync") is read from what the step
// printed, not assumed; test/integration/demo.test.ts checks those lines.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync, openSync, closeSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { demoDelta } from "../src/delta/demo-delta.js";

const BIN = resolve(fileURLToPath(new URL("../../bin/peersync", import.meta.url)));
const NODES = ["alpha", "beta", "gamma"] as const;
type NodeName = (typeof NODES)[number];

/** The part of `sync --json` the demo reads. */
interface SyncJson {
  readonly offered: number;
  readonly sent: number;
  readonly inSync: number;
}

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function peersync(args: readonly string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { encoding: "utf8" }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

function say(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

function show(run: Run, command: string): void {
  process.stdout.write(`$ ${command}\n`);
  for (const line of `${run.stdout}${run.stderr}`.trimEnd().split("\n")) if (line !== "") process.stdout.write(`  ${line}\n`);
  process.stdout.write(`  (exit ${run.code})\n`);
}

function note(text: string): void {
  process.stdout.write(`  -> ${text}\n`);
}

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function writeConfig(dir: string, key: string, roots: Record<NodeName, string>, ports: Record<NodeName, number>): string {
  const text = [
    "# The demo cluster: three nodes on loopback, one group, a prefix per node.",
    `prefix site {\n${NODES.map((n) => `  on ${n}: ${roots[n]};`).join("\n")}\n}`,
    "group web {",
    `  host ${NODES.map((n) => `${n}@127.0.0.1:${ports[n]}`).join(" ")};`,
    `  key ${key};`,
    "  include %site%;",
    "  exclude *.swp;",
    "  auto younger;",
    "  watch no;", // the demo runs each sync by hand, to show what it does
    `  action { pattern %site%/conf/*; exec "echo reload for %%"; logfile ${join(dir, "action.log")}; }`,
    "}",
    "",
  ].join("\n");
  const file = join(dir, "peersync.cfg");
  writeFileSync(file, text);
  return file;
}

/** The daemons started, by PID, so the end (or Ctrl-C) stops exactly these. */
const daemons = new Map<NodeName, ChildProcess>();

async function startDaemon(node: NodeName, args: readonly string[], logFile: string): Promise<void> {
  const log = openSync(logFile, "a");
  // Its record for `peersync reload` goes in the demo's temp dir, removed with it, not in /run.
  const env = { ...process.env, RUNTIME_DIRECTORY: join(dirname(logFile), "run") };
  const child = spawn(process.execPath, [BIN, ...args, "daemon"], { stdio: ["ignore", "ignore", log], env });
  closeSync(log);
  daemons.set(node, child);
  const deadline = Date.now() + 20_000;
  while (!readFileSync(logFile, "utf8").includes("daemon ready")) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`daemon ${node} did not start:\n${readFileSync(logFile, "utf8")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  process.stdout.write(`  daemon ${node} ready (pid ${child.pid})\n`);
}

async function stopDaemons(): Promise<void> {
  await Promise.all([...daemons].map(([node, child]) => new Promise<void>((done) => {
    if (child.exitCode !== null || child.signalCode !== null) return done();
    child.once("exit", () => done());
    process.kill(child.pid!, "SIGTERM");
    setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), 5000).unref();
    process.stdout.write(`  stopping daemon ${node} (pid ${child.pid})\n`);
  })));
  daemons.clear();
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "peersync-demo-"));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  process.on("SIGINT", () => {
    for (const child of daemons.values()) if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, "SIGKILL");
    cleanup();
    process.exit(130);
  });
  try {
    say("A group key, in csync2's format (peersync -k)");
    const key = join(dir, "web.key");
    show(await peersync(["keygen", key]), `peersync keygen ${key}`);

    const roots = {} as Record<NodeName, string>;
    const ports = {} as Record<NodeName, number>;
    for (const n of NODES) {
      roots[n] = join(dir, n, "site");
      mkdirSync(join(roots[n], "conf"), { recursive: true });
      ports[n] = await freePort();
    }
    const config = writeConfig(dir, key, roots, ports);
    const as = (n: NodeName) => ["--config", config, "-N", n, "-D", join(dir, n, "state")];
    const run = async (n: NodeName, args: readonly string[]): Promise<Run> => {
      const r = await peersync([...as(n), ...args]);
      show(r, `peersync -N ${n} ${args.join(" ")}`);
      return r;
    };

    say("The config, as node alpha reads it (peersync config-check)");
    await run("alpha", ["config-check"]);

    say("Three daemons, one per node, each with its own state dir and port");
    for (const n of NODES) await startDaemon(n, as(n), join(dir, `${n}.log`));

    say("alpha gets new files; one `peersync sync` (csync2 -x) there brings them to beta and gamma");
    writeFileSync(join(roots.alpha, "index.html"), "<h1>hello from alpha</h1>\n");
    writeFileSync(join(roots.alpha, "conf", "site.conf"), "listen 80;\n");
    await run("alpha", ["sync", "-v"]);
    for (const n of ["beta", "gamma"] as const) process.stdout.write(`  ${n}: conf/site.conf = ${readFileSync(join(roots[n], "conf", "site.conf"), "utf8").trim()}\n`);

    say("The action ran once on each receiving node for that batch (cat action.log)");
    process.stdout.write(`${readFileSync(join(dir, "action.log"), "utf8").trimEnd().replace(/^/gm, "  ")}\n`);
    // The action's own output names the node's root: count them, so "once" is checked, not assumed.
    const actionLog = readFileSync(join(dir, "action.log"), "utf8").split("\n");
    for (const n of NODES) note(`${n}: the action ran ${actionLog.filter((l) => l.startsWith(`reload for ${roots[n]}/`)).length} time(s)`);

    say("An edit on beta, synced from beta, appears on alpha and gamma");
    writeFileSync(join(roots.beta, "index.html"), "<h1>hello, edited on beta</h1>\n");
    await run("beta", ["sync", "-v"]);
    for (const n of ["alpha", "gamma"] as const) process.stdout.write(`  ${n}: index.html = ${readFileSync(join(roots[n], "index.html"), "utf8").trim()}\n`);

    say("A conflict: alpha and gamma edit the same file; auto younger picks the later mtime");
    writeFileSync(join(roots.alpha, "index.html"), "<h1>alpha's edit (older)</h1>\n");
    utimesSync(join(roots.alpha, "index.html"), 1_700_000_000, 1_700_000_000);
    writeFileSync(join(roots.gamma, "index.html"), "<h1>gamma's edit (younger)</h1>\n");
    const conflict = await run("alpha", ["sync", "-v"]);
    // What the itemized lines above say, in words, from the lines themselves (not assumed).
    const toBeta = conflict.stdout.split("\n").filter((l) => /^beta\t>f\t%site%\/index\.html/.test(l)).length;
    if (toBeta > 1) {
      note(`beta got index.html ${toBeta} times in this one run: alpha pushes to its peers in parallel, so beta first`);
      note("received alpha's (losing) version, before the conflict with gamma was found; the run's second round");
      note("then forwarded gamma's winning version. Between the two, beta briefly held the losing version,");
      note("and an action matching index.html would run on beta twice: for the loser, then for the winner.");
    }
    for (const n of NODES) process.stdout.write(`  ${n}: index.html = ${readFileSync(join(roots[n], "index.html"), "utf8").trim()}\n`);
    const backup = join(dir, "alpha", "state", "backup", roots.alpha, "index.html");
    process.stdout.write(`  alpha's losing version, kept in its backup dir:\n  ${backup}\n  = ${existsSync(backup) ? readFileSync(backup, "utf8").trim() : "(missing!)"}\n`);

    say("Nothing left to do: a second sync on alpha sends nothing (checked with --json, not assumed)");
    const again = await peersync([...as("alpha"), "sync", "--json"]);
    show(again, "peersync -N alpha sync --json");
    const second = JSON.parse(again.stdout) as SyncJson;
    note(second.offered === 0 && second.sent === 0 ? "nothing offered, nothing sent" : `NOT quiet: ${second.offered} offered, ${second.sent} sent`);
    for (const n of NODES) {
      const pending = await peersync([...as(n), "list-pending"]);
      if (pending.code === 2) {
        note(`${n}: nothing pending (list-pending exit 2)`);
        continue;
      }
      note(`${n} still has pending rows (list-pending):`);
      process.stdout.write(pending.stdout.trimEnd().replace(/^/gm, "       ") + "\n");
      note(`${n} has not synced since it changed them; its peers may already have those versions through`);
      note(`another node. ${n}'s own next sync offers them; what it sends is measured here:`);
      const flush = await peersync([...as(n), "sync", "--json"]);
      show(flush, `peersync -N ${n} sync --json`);
      const f = JSON.parse(flush.stdout) as SyncJson;
      note(`${f.offered} offered, ${f.inSync} already in sync there, ${f.sent} sent with content`);
    }

    say("Every node agrees: peersync test (csync2 -T) compares alpha with each peer; exit 2 means in sync");
    const test = await run("alpha", ["test"]);
    note(test.code === 2 ? "exit 2: alpha, beta and gamma hold the same files" : `exit ${test.code}: NOT in sync (lines above: L only alpha, R only the peer, X different)`);

    say("status: peers, pending entries, conflicts, versions lost here, the last action (monitoring reads --json)");
    await run("alpha", ["status", "--no-probe"]);
    await run("beta", ["status"]);

    say("Large files travel as librsync deltas (the native binding)");
    await demoDelta((line) => process.stdout.write(`  ${line}\n`));
  } finally {
    say("Stopping the daemons by PID");
    await stopDaemons();
    cleanup();
  }
}

await main();
