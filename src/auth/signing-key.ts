// The RS256 key that signs access tokens, kept in the data dir (0600) so tokens survive restarts.
import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type CryptoKey, type JWK, exportJWK, generateKeyPair, importJWK } from "jose";

export const TOKEN_ALG = "RS256";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = join(dataDir, "keys");
  const file = join(dir, "token-signing-key.jwk.json");
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(file, "utf8")) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    const pair = await generateKeyPair(TOKEN_ALG, { extractable: true, modulusLength: 2048 });
    jwk = { ...(await exportJWK(pair.privateKey)), kid: randomUUID(), alg: TOKEN_ALG, use: "sig" };
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(jwk), { mode: 0o600, flush: true });
    await rename(tmp, file);
  }
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicJwk } = jwk;
  return {
    kid: jwk.kid!,
    privateKey: (await importJWK(jwk, TOKEN_ALG)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, TOKEN_ALG)) as CryptoKey,
    publicJwk,
  };
}
