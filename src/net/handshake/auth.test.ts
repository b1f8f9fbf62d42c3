import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ProtocolError } from "../../errors.js";
import { computeProof } from "./proof.js";
import { negotiate } from "./auth.js";
import { MessageReader, TEST_KEY, makeConfig, makeGroup, makeHost, makeNode, rawSetup, rawTls, sendRaw, serve, type TestNode } from "../testing.js";
import { connectionSecret } from "../tls.js";

const versions = [
  { name: "the same version", offered: [[1, 2]], want: [1, 2] },
  { name: "a newer minor (the lower minor wins)", offered: [[1, 7]], want: [1, 2] },
  { name: "an older minor (the lower minor wins)", offered: [[1, 1]], want: [1, 1] },
  { name: "a list with an unknown major too", offered: [[2, 0], [1, 3]], want: [1, 2] },
] as const;
for (const v of versions) {
  test(`negotiate() agrees on ${v.want.join(".")} for ${v.name}`, () => {
    assert.deepEqual(negotiate(v.offered, "peer"), v.want);
  });
}

test("negotiate() refuses an unknown major, naming both versions", () => {
  assert.throws(() => negotiate([[2, 0]], "b"), (e: unknown) => e instanceof ProtocolError && /node "b": it speaks protocol 2\.0, this node speaks 1\.2/.test(e.message));
  assert.throws(() => negotiate([], "b"), ProtocolError);
});

let b: TestNode;
let port = 0;
const a = () => makeNode("a");
before(async () => {
  b = { ...makeNode("b"), config: undefined! } as TestNode;
  b.config = makeConfig("b", b.stateDir, [makeGroup("g", "b", [makeHost("a"), makeHost("b")])]);
  port = await serve(b);
});
after(() => b.server?.close(50));

test("the server refuses a hello with only an unknown major, clearly", async () => {
  const socket = await rawTls(port, a().identity);
  const reader = new MessageReader(socket);
  sendRaw(socket, 0, { type: "hello", versions: [[9, 0]], node: "a", group: "g", to: "b", software: "future" });
  const answer = (await reader.next())?.msg;
  assert.equal(answer?.type, "error");
  assert.match(answer?.type === "error" ? answer.message : "", /speaks protocol 9\.0, this node speaks 1\.2/);
  socket.destroy();
});

const refused = [
  { name: "a hello addressed to another node", setup: { to: "c" }, want: /asked for node "c"/ },
  { name: "a reflected proof (role server)", setup: { role: "server" as const }, want: /group-key proof does not match/ },
  { name: "a proof for other names", setup: { client: "x" }, want: /group-key proof does not match/ },
];
for (const r of refused) {
  test(`the server refuses ${r.name} and sends no proof of its own`, async () => {
    const socket = await rawTls(port, a().identity);
    const setup = { group: "g", client: "a", server: r.setup.to ?? "b", key: TEST_KEY };
    const proof = computeProof(TEST_KEY, {
      role: r.setup.role ?? "client", group: "g", client: r.setup.client ?? "a", server: "b", version: [1, 0], secret: connectionSecret(socket),
    });
    const { answer } = await rawSetup(socket, { ...setup, proof });
    assert.equal(answer?.type, "error");
    assert.match(answer?.type === "error" ? answer.message : "", r.want);
    socket.destroy();
  });
}

test("the server refuses a client without a certificate", async () => {
  const socket = await rawTls(port, undefined);
  const { answer } = await rawSetup(socket, { group: "g", client: "a", server: "b", key: TEST_KEY });
  assert.equal(answer?.type, "error");
  assert.match(answer?.type === "error" ? answer.message : "", /presented no certificate/);
  socket.destroy();
});
