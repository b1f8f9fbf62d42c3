import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { resolveGlobalOptions, type RawGlobalOptions, type ResolveEnv } from "./global-options.js";

const env: ResolveEnv = {
  cwd: "/home/op",
  configFileForName: (name) => {
    if (name !== "web") throw new UsageError(`Cannot use config name "${name}": bad`);
    return "/etc/csync2_web.cfg";
  },
};

test("resolveGlobalOptions() gives defaults for no options", () => {
  assert.deepEqual(resolveGlobalOptions({}, env), {
    configFile: undefined, stateDir: undefined, nodeName: undefined, port: undefined, verbose: 0, quiet: false,
    dryRun: false, recursive: false, json: false, groups: undefined, peers: undefined,
  });
});

const accepted: readonly {
  readonly name: string;
  readonly raw: RawGlobalOptions;
  readonly env?: Partial<ResolveEnv>;
  readonly want: Record<string, unknown>;
}[] = [
  { name: "--config relative to cwd", raw: { config: "p.cfg" }, want: { configFile: "/home/op/p.cfg" } },
  { name: "--config absolute", raw: { config: "/etc/p.cfg" }, want: { configFile: "/etc/p.cfg" } },
  { name: "-C NAME through config/load.ts", raw: { configName: "web" }, want: { configFile: "/etc/csync2_web.cfg" } },
  { name: "-D relative", raw: { stateDir: "state" }, want: { stateDir: "/home/op/state" } },
  { name: "-D absolute", raw: { stateDir: "/var/lib/peersync" }, want: { stateDir: "/var/lib/peersync" } },
  { name: "-N lowercased like csync2", raw: { nodeName: "Host1" }, want: { nodeName: "host1" } },
  { name: "-p", raw: { port: "30865" }, want: { port: 30865 } },
  { name: "-G list", raw: { groups: "g1, g2," }, want: { groups: ["g1", "g2"] } },
  { name: "-P list lowercased", raw: { peers: "H2,h3" }, want: { peers: ["h2", "h3"] } },
  { name: "-vvv", raw: { verbose: 3 }, want: { verbose: 3 } },
  { name: "-q as verbose -1", raw: { quiet: true }, want: { verbose: -1, quiet: true } },
  { name: "-r -d --json", raw: { recursive: true, dryRun: true, json: true }, want: { recursive: true, dryRun: true, json: true } },
];

for (const c of accepted) {
  test(`resolveGlobalOptions() accepts ${c.name}`, () => {
    const got = resolveGlobalOptions(c.raw, { ...env, ...c.env }) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(c.want)) assert.deepEqual(got[key], value, key);
  });
}

const refused: readonly { readonly raw: RawGlobalOptions; readonly message: string }[] = [
  { raw: { config: "/a.cfg", configName: "web" }, message: "Cannot use --config and -C together: both choose the config file" },
  { raw: { configName: "Web" }, message: 'Cannot use config name "Web": bad' },
  { raw: { stateDir: "mysql://u@db/csync2" }, message: 'Cannot use database "mysql://u@db/csync2": peersync keeps its index in a state directory' },
  { raw: { stateDir: "sqlite3:///var/lib/csync2" }, message: 'Cannot use database "sqlite3:///var/lib/csync2": peersync keeps its index in a state directory' },
  { raw: { port: "csync2" }, message: 'Cannot use port "csync2": expected a number from 1 to 65535' },
  { raw: { port: "0" }, message: 'Cannot use port "0": expected a number from 1 to 65535' },
  { raw: { port: "65536" }, message: 'Cannot use port "65536": expected a number from 1 to 65535' },
  { raw: { groups: "," }, message: 'Cannot use -G/--groups ",": the list is empty' },
  { raw: { quiet: true, verbose: 1 }, message: "Cannot use -q and -v together: one asks for less output, the other for more" },
  { raw: { nodeName: "" }, message: 'Cannot use node name "": it must be one word' },
];

for (const c of refused) {
  test(`resolveGlobalOptions() refuses ${JSON.stringify(c.raw)}`, () => {
    assert.throws(() => resolveGlobalOptions(c.raw, env), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, c.message);
      return true;
    });
  });
}
