import assert from "node:assert/strict";
import { statSync, writeFileSync } from "node:fs";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { test } from "node:test";
import { AuthError } from "../errors.js";
import { fingerprint, identityPath, loadOrCreateIdentity, prepareIdentity, readIdentity } from "./identity.js";
import { tempStateDir } from "./testing.js";

test("loadOrCreateIdentity() makes an RSA 3072 identity, mode 0600, and loads the same one again", () => {
  const dir = tempStateDir("identity");
  assert.equal(readIdentity(dir), undefined);
  const first = loadOrCreateIdentity(dir);
  assert.equal(statSync(identityPath(dir)).mode & 0o777, 0o600);
  const cert = new X509Certificate(first.certPem);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 3072);
  assert.equal(cert.fingerprint256, first.fingerprint);
  // Self-signed: the signature (node:crypto's, over node-forge's TBSCertificate) verifies.
  assert.equal(cert.verify(cert.publicKey), true);
  assert.equal(cert.checkPrivateKey(createPrivateKey(first.keyPem)), true);
  assert.deepEqual(loadOrCreateIdentity(dir), first);
  assert.equal(readIdentity(dir)?.fingerprint, first.fingerprint);
});

test("fingerprint() is the colon-separated SHA-256 of the DER", () => {
  assert.equal(fingerprint(Buffer.from("abc")), "BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD");
});

test("readIdentity() throws AuthError with a hint for a damaged identity file", () => {
  const dir = tempStateDir("identity-bad");
  writeFileSync(identityPath(dir), "not a pem", { mode: 0o600 });
  assert.throws(() => loadOrCreateIdentity(dir), (e: unknown) => e instanceof AuthError && /trust --reset/.test(e.hint ?? ""));
});

test("prepareIdentity() makes the identity off the event loop once; loadOrCreateIdentity() then reads that one", async () => {
  const dir = tempStateDir("identity-prepare");
  await prepareIdentity(dir);
  const made = readIdentity(dir);
  assert.ok(made);
  assert.equal(statSync(identityPath(dir)).mode & 0o777, 0o600);
  await prepareIdentity(dir); // an existing identity is never replaced
  assert.equal(readIdentity(dir)?.fingerprint, made.fingerprint);
  assert.equal(loadOrCreateIdentity(dir).fingerprint, made.fingerprint);
});

test("certificateSerial() is a positive, minimal DER integer whatever the random bytes (OpenSSL refuses a padded one)", async () => {
  const { certificateSerial } = await import("./identity.js");
  const forge = (await import("node-forge")).default;
  const { generateKeyPairSync } = await import("node:crypto");
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  for (const first of [0x00, 0x01, 0x7f, 0x80, 0xff]) {
    const random = Buffer.alloc(16, first === 0 ? 0 : 0xab);
    random[0] = first;
    const serial = certificateSerial(random);
    assert.match(serial, /^[0-9a-f]{32}$/);
    const top = Number.parseInt(serial.slice(0, 2), 16);
    assert.ok(top >= 0x01 && top <= 0x7f, `first byte ${serial.slice(0, 2)} for random ${first}`);
    // The whole point: OpenSSL reads back a certificate carrying it (an all-zero random once made one it could not).
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
    cert.serialNumber = serial;
    cert.validity.notBefore = new Date();
    cert.validity.notAfter = new Date(Date.now() + 86_400_000);
    cert.setSubject([{ name: "commonName", value: "t" }]);
    cert.setIssuer([{ name: "commonName", value: "t" }]);
    cert.sign(forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()), forge.md.sha256.create());
    assert.doesNotThrow(() => new X509Certificate(forge.pki.certificateToPem(cert)), `serial ${serial}`);
  }
});
