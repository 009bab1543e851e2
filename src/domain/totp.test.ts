import { describe, expect, it } from "vitest";
import { hotp, totp, verifyTotp } from "./totp.ts";

// RFC 6238 appendix B: the seeds are ASCII "1234567890" repeated to the hash's key length.
const SEED_SHA1 = Buffer.from("12345678901234567890");
const SEED_SHA256 = Buffer.from("12345678901234567890123456789012");
const SEED_SHA512 = Buffer.from("1234567890123456789012345678901234567890123456789012345678901234");
const VECTORS: [number, string, string, string][] = [
  [59, "94287082", "46119246", "90693936"],
  [1111111109, "07081804", "68084774", "25091201"],
  [1111111111, "14050471", "67062674", "99943326"],
  [1234567890, "89005924", "91819424", "93441116"],
  [2000000000, "69279037", "90698825", "38618901"],
  [20000000000, "65353130", "77737706", "47863826"],
];

describe("TOTP (RFC 6238)", () => {
  it.each(VECTORS)("at %i s gives the RFC's 8-digit codes for SHA-1, SHA-256 and SHA-512", (t, sha1, sha256, sha512) => {
    expect(totp(SEED_SHA1, t, 8).code).toBe(sha1);
    expect(totp(SEED_SHA256, t, 8, "sha256").code).toBe(sha256);
    expect(totp(SEED_SHA512, t, 8, "sha512").code).toBe(sha512);
  });

  it("6 digits are the low digits of the RFC 4226 HOTP values (appendix D)", () => {
    expect(hotp(SEED_SHA1, 0n)).toBe("755224");
    expect(hotp(SEED_SHA1, 9n)).toBe("520489");
  });

  it("says how long the code stays valid and verifies within one step of skew", () => {
    const { code, expiresInSeconds } = totp(SEED_SHA1, 1111111109);
    expect(expiresInSeconds).toBe(30 - (1111111109 % 30));
    expect(verifyTotp(SEED_SHA1, code, 1111111109 + 30)).toBe(true);
    expect(verifyTotp(SEED_SHA1, code, 1111111109 + 90)).toBe(false);
  });
});
