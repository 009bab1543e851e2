// Compressible "guest file" content: log lines and prose from a small Zipf-distributed
// vocabulary, with a running timestamp so lines rarely repeat exactly (~3-4x with zstd).
import type { Rng } from "./rng.ts";
import { makeRng } from "./rng.ts";

const LETTERS = "eeeeeeeeeeeettttttttaaaaaaaoooooooiiiiiinnnnnnsssssshhhhhrrrrrdddllllcccuummwwffggyyppbbvkjxqz";
const HOSTS = ["app-01", "app-02", "db-main", "cache-2", "batch-9", "edge-01"];
const SERVICES = ["nginx", "postgres", "sshd", "cron", "kernel", "obr-agent", "systemd", "containerd"];

export class TextFiller {
  readonly #words: string[];
  readonly #zipf: Uint16Array;
  readonly #templates: string[];
  #clock = 1_750_000_000_000;

  constructor(seed: string) {
    const r = makeRng(seed, "text-vocabulary");
    this.#words = Array.from({ length: 2048 }, () => {
      const len = 2 + Math.floor(r.next() ** 1.4 * 10);
      let w = "";
      for (let i = 0; i < len; i++) w += LETTERS[r.int(0, LETTERS.length - 1)];
      return w;
    });
    this.#zipf = zipfTable(this.#words.length, 1.2);
    this.#templates = Array.from({ length: 300 }, () => Array.from({ length: r.int(3, 11) }, () => this.#word(r)).join(" "));
  }

  #word(r: Rng): string {
    return this.#words[this.#zipf[r.int(0, 65535)] as number] as string;
  }

  /** Fills buf completely with text driven by r. */
  fill(buf: Buffer, r: Rng): void {
    let p = 0;
    while (p < buf.length) {
      const k = r.next();
      let line: string;
      if (k < 0.7) {
        this.#clock += r.int(1, 2000);
        const tpl = this.#templates[Math.floor(r.next() ** 2 * this.#templates.length)] as string;
        line = `${new Date(this.#clock).toISOString()} ${HOSTS[r.int(0, 5)]} ${SERVICES[r.int(0, 7)]}[${r.int(100, 160)}]: ${tpl}${r.next() < 0.3 ? ` req=${r.int(0, 99999)}` : ""}\n`;
      } else if (k < 0.92) {
        const n = r.int(6, 20);
        const ws: string[] = [];
        for (let i = 0; i < n; i++) ws.push(this.#word(r));
        line = `${ws.join(" ")}.\n`;
      } else {
        line = `${this.#word(r)}_${this.#word(r)} = ${r.int(0, 65535)}\n`;
      }
      p += buf.write(line, p, "latin1");
    }
  }
}

function zipfTable(n: number, s: number): Uint16Array {
  const w = Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s);
  const total = w.reduce((a, b) => a + b, 0);
  const t = new Uint16Array(65536);
  let acc = (w[0] as number) / total;
  let i = 0;
  for (let slot = 0; slot < 65536; slot++) {
    while (i < n - 1 && acc < (slot + 0.5) / 65536) acc += (w[++i] as number) / total;
    t[slot] = i;
  }
  return t;
}
