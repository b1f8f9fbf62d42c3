// The delta part of `make demo`: a 4 MiB file gets three small edits; the signature and delta
// that describe them are a tiny fraction of the file, and patching rebuilds it exactly.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deltaFile, patchFile, signatureFile } from "./files.js";

const FILE_SIZE = 4 << 20;

export async function demoDelta(out: (line: string) => void): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "peersync-demo-delta-"));
  const at = (name: string) => join(dir, name);
  try {
    const basis = randomBytes(FILE_SIZE);
    const next = Buffer.from(basis);
    for (const offset of [1000, FILE_SIZE >> 1, FILE_SIZE - 5000]) next.write("peersync was here", offset);
    await writeFile(at("old"), basis);
    await writeFile(at("new"), next);

    await signatureFile({ basis: at("old"), out: at("old.sig") });
    await deltaFile({ signature: at("old.sig"), newFile: at("new"), out: at("new.delta") });
    await patchFile({ basis: at("old"), delta: at("new.delta"), out: at("rebuilt") });

    const size = async (name: string) => (await stat(at(name))).size;
    out(`file:      ${FILE_SIZE} bytes, 3 edits of 17 bytes`);
    out(`signature: ${await size("old.sig")} bytes (sent by the receiver)`);
    out(`delta:     ${await size("new.delta")} bytes (sent instead of the ${FILE_SIZE}-byte file)`);
    const same = sha256(await readFile(at("rebuilt"))) === sha256(next);
    out(`patched:   ${await size("rebuilt")} bytes, ${same ? "identical to the edited file" : "DIFFERENT from the edited file"}`);
    if (!same) throw new Error("Cannot finish the delta demo: the patched file differs from the edited one");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}
