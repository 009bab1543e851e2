// RFC 6238 time-based one-time passwords (HOTP of RFC 4226 over 30-second steps, HMAC-SHA1,
// 6 digits by default), as authenticator apps and the orchestrator console compute them.
import { createHmac } from "node:crypto";

export const TOTP_STEP_SECONDS = 30;

/** RFC 4226 HOTP: dynamic truncation of HMAC(secret, counter as 8 bytes big-endian). */
export function hotp(secret: Buffer, counter: bigint, digits = 6, algorithm: "sha1" | "sha256" | "sha512" = "sha1"): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(counter);
  const mac = createHmac(algorithm, secret).update(message).digest();
  const offset = (mac[mac.length - 1] ?? 0) & 0x0f;
  const binary = ((mac[offset]! & 0x7f) << 24) | (mac[offset + 1]! << 16) | (mac[offset + 2]! << 8) | mac[offset + 3]!;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The TOTP valid at `unixSeconds`, and how many seconds of its step are left. */
export function totp(secret: Buffer, unixSeconds: number, digits = 6, algorithm: "sha1" | "sha256" | "sha512" = "sha1"): { code: string; expiresInSeconds: number } {
  const counter = BigInt(Math.floor(unixSeconds / TOTP_STEP_SECONDS));
  return { code: hotp(secret, counter, digits, algorithm), expiresInSeconds: TOTP_STEP_SECONDS - (Math.floor(unixSeconds) % TOTP_STEP_SECONDS) };
}

/** Whether `code` is the TOTP of this step or of the `window` steps either side (clock skew). */
export function verifyTotp(secret: Buffer, code: string, unixSeconds: number, window = 1): boolean {
  const step = Math.floor(unixSeconds / TOTP_STEP_SECONDS);
  for (let d = -window; d <= window; d++) if (hotp(secret, BigInt(step + d), code.length) === code) return true;
  return false;
}
