import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../errors.js";
import { isCsync2Style, translateCsync2Argv } from "./csync2-argv.js";

const translations: readonly { readonly argv: string; readonly want: readonly string[] }[] = [
  // Native syntax and plain help/version pass through untouched.
  { argv: "", want: [] },
  { argv: "--help", want: ["--help"] },
  { argv: "--version", want: ["--version"] },
  { argv: "sync -v", want: ["sync", "-v"] },
  { argv: "-v -N host1 check -r /etc", want: ["-v", "-N", "host1", "check", "-r", "/etc"] },
  { argv: "trust --reset host2", want: ["trust", "--reset", "host2"] },
  { argv: "--config /x.cfg list-db --json", want: ["--config", "/x.cfg", "list-db", "--json"] },
  { argv: "-N -x sync", want: ["-N", "-x", "sync"] }, // -x is -N's value, not a mode
  { argv: "-v", want: ["-v"] },
  // Modes.
  { argv: "-x", want: ["sync"] },
  { argv: "-xv", want: ["sync", "--verbose"] },
  { argv: "-x -vvv", want: ["sync", "--verbose", "--verbose", "--verbose"] },
  { argv: "-xd -r /etc /srv", want: ["sync", "--recursive", "--dry-run", "/etc", "/srv"] },
  { argv: "-c", want: ["check"] },
  { argv: "-cr /etc", want: ["check", "--recursive", "/etc"] },
  { argv: "/etc -cr", want: ["check", "--recursive", "/etc"] }, // GNU getopt permutes
  { argv: "-cu", want: ["sync", "--hinted"] },
  { argv: "-c -u -r /etc", want: ["sync", "--recursive", "/etc"] },
  { argv: "-u", want: ["update"] },
  { argv: "-ud /etc/hosts", want: ["update", "--dry-run", "/etc/hosts"] },
  { argv: "-T", want: ["test"] },
  { argv: "-T /etc/hosts", want: ["test", "/etc/hosts"] },
  { argv: "-T host1 host2", want: ["test", "host1", "host2"] },
  { argv: "-TT host1 host2 /path", want: ["test", "--diff", "host1", "host2", "/path"] },
  { argv: "-T -T", want: ["test", "--diff"] },
  { argv: "-TI", want: ["test", "--init"] },
  { argv: "-TIXU host1 host2", want: ["test", "--init", "--mark-removals", "--single-peer", "host1", "host2"] },
  { argv: "-M", want: ["list-pending"] },
  { argv: "-L", want: ["list-db"] },
  { argv: "-H", want: ["list-hints"] },
  { argv: "-h /etc/hosts", want: ["hint", "/etc/hosts"] },
  { argv: "-hr /etc", want: ["hint", "--recursive", "/etc"] },
  { argv: "-m /a /b", want: ["mark", "/a", "/b"] },
  { argv: "-mF /a", want: ["mark", "--mark-forced", "/a"] },
  { argv: "-f -r /a", want: ["force", "--recursive", "/a"] },
  { argv: "-k /etc/csync2.key", want: ["keygen", "/etc/csync2.key"] },
  { argv: "-i", want: ["daemon", "--inetd"] },
  { argv: "-i -l", want: ["daemon", "--inetd", "--syslog"] },
  { argv: "-ii -v", want: ["daemon", "--verbose"] },
  { argv: "-iii", want: ["daemon", "--once"] },
  { argv: "-o /etc", want: ["compare", "/etc"] },
  { argv: "-S host1 host2", want: ["list-pair", "host1", "host2"] },
  { argv: "-R", want: ["prune"] },
  // Value flags: separate, attached, inside a cluster, repeated (the last wins, as getopt).
  { argv: "-x -N host1", want: ["sync", "--node-name", "host1"] },
  { argv: "-xNhost1", want: ["sync", "--node-name", "host1"] },
  { argv: "-vN host1 -x", want: ["sync", "--verbose", "--node-name", "host1"] },
  { argv: "-N a -N b -x", want: ["sync", "--node-name", "b"] },
  {
    argv: "-x -C web -D /var/lib/p -p 4000 -G g1,g2 -P h2",
    want: ["sync", "--config-name", "web", "--state-dir", "/var/lib/p", "--port", "4000", "--groups", "g1,g2", "--peers", "h2"],
  },
  // Accepted without effect: -l outside daemon mode, -B, -A, -t, -s FILE.
  { argv: "-x -l -B -A -t -s /tmp/ts", want: ["sync"] },
  // Our long options mix in.
  { argv: "-M --json", want: ["list-pending", "--json"] },
  { argv: "-x --config /etc/p.cfg", want: ["sync", "--config", "/etc/p.cfg"] },
  { argv: "-x --state-dir=/s", want: ["sync", "--state-dir=/s"] },
  { argv: "-x --help", want: ["sync", "--help"] },
  // A path that looks like an option is kept behind "--".
  { argv: "-h -- -odd", want: ["hint", "--", "-odd"] },
  { argv: "-I -c /etc", want: ["check", "--init", "/etc"] },
  { argv: "-xF", want: ["sync", "--mark-forced"] },
];

for (const c of translations) {
  test(`translateCsync2Argv() maps "${c.argv}"`, () => {
    assert.deepEqual(translateCsync2Argv(words(c.argv)), c.want);
  });
}

const mistakes: readonly { readonly argv: string; readonly message: string }[] = [
  { argv: "-x -c", message: 'Cannot use -x and -c together: choose one mode' },
  { argv: "-M -L -H", message: "Cannot use -M, -L and -H together: choose one mode" },
  { argv: "-cux", message: "Cannot use -c, -u and -x together: choose one mode" },
  { argv: "-x -z", message: 'Cannot parse option "-z": not a csync2 or peersync option' },
  { argv: "-x --frobnicate", message: 'Cannot parse option "--frobnicate": unknown option' },
  { argv: "-x --config", message: 'Cannot parse option "--config": it needs a value' },
  { argv: "-x -N", message: 'Cannot parse option "-N": it needs a value' },
  { argv: "-m", message: "Cannot run -m: it needs an argument" },
  { argv: "-h", message: "Cannot run -h: it needs an argument" },
  { argv: "-k", message: "Cannot run -k: it needs an argument" },
  { argv: "-k a b", message: "Cannot run -k with 2 arguments: it takes at most 1" },
  { argv: "-S host1", message: "Cannot run -S: it needs 2 arguments" },
  { argv: "-M /etc", message: 'Cannot run -M with "/etc": it takes no arguments' },
  { argv: "-ii /etc", message: 'Cannot run -i with "/etc": it takes no arguments' },
  { argv: "-T a b c d", message: "Cannot run -T with 4 arguments: it takes at most 3" },
  { argv: "-TTT", message: "Cannot use -TTT: the most is -TT" },
  { argv: "-iiii", message: "Cannot use -iiii: the most is -iii" },
  { argv: "-M -I", message: "Cannot use -I with -M: it only applies to -x, -c, -cu, -T" },
  { argv: "-u -F", message: "Cannot use -F with -u: it only applies to -x, -c, -cu, -m" },
  { argv: "-T -X", message: "Cannot use -X without -T and -I: it only changes -TI runs" },
  { argv: "-c -U", message: "Cannot use -U without -T and -I: it only changes -TI runs" },
  { argv: "-R -G g1", message: "Cannot use -R with -G: it would drop the index entries of the groups left out" },
  { argv: "-c -W 3", message: "Cannot use -W: peersync does not write csync2's directory list to a file descriptor" },
  { argv: "sync -h", message: 'Cannot use csync2 flag -h with subcommand "sync"' },
  { argv: "-v check -x", message: 'Cannot use csync2 flag -x with subcommand "check"' },
];

for (const c of mistakes) {
  test(`translateCsync2Argv() refuses "${c.argv}"`, () => {
    assert.throws(() => translateCsync2Argv(words(c.argv)), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, c.message);
      assert.ok(err.hint, "every usage error carries a hint");
      return true;
    });
  });
}

function words(text: string): string[] {
  return text === "" ? [] : text.split(" ");
}

const styles: readonly (readonly [string, boolean])[] = [
  ["-x", true], ["-cr /etc", true], ["-N h1 -T", true], ["-ii -v", true],
  ["sync", false], ["--help", false], ["", false], ["-v status", false], ["-N -x sync", false],
];
for (const [argv, want] of styles) {
  test(`isCsync2Style() is ${want} for "${argv}"`, () => assert.equal(isCsync2Style(words(argv)), want));
}
