/* Content-defined cut search, the C twin of src/store/chunker-cdc.ts (same gear table, same
 * cuts; the JS version stays as the fallback and the reference the tests compare against).
 * One byte per step: h = (h << 1) + GEAR[b]; a stricter mask before the average size, a looser
 * one after. About twice the speed of the JIT-compiled JS scan on the same bytes. */
#include <stdint.h>

static uint32_t GEAR[256];
static int ready;

static void init_gear(void) {
  uint32_t a = 0x6f627221u; /* splitmix32 from the constant "obr!" */
  for (int i = 0; i < 256; i++) {
    a += 0x9e3779b9u;
    uint32_t z = a;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    GEAR[i] = z ^ (z >> 16);
  }
  ready = 1;
}

/* First match in buf[i, end) from hash *h: the position after the matching byte, or -1. */
static int64_t scan(const uint8_t *buf, int64_t i, int64_t end, uint32_t mask, uint32_t *h) {
  uint32_t x = *h;
  for (; i < end; i++) {
    x = (x << 1) + GEAR[buf[i]];
    if ((x & mask) == 0) return i + 1;
  }
  *h = x;
  return -1;
}

/* See cdcCut in chunker-cdc.ts: the first cut in buf[start, limit), or limit. */
int64_t obr_cdc_cut(const uint8_t *buf, int64_t start, int64_t limit, int64_t min_size, int32_t avg_bits) {
  if (!ready) init_gear();
  const uint32_t strict = (uint32_t)((1ull << (avg_bits + 2)) - 1);
  const uint32_t loose = (uint32_t)((1ull << (avg_bits - 2)) - 1);
  int64_t i = start + min_size;
  if (i >= limit) return limit;
  int64_t mid = start + ((int64_t)1 << avg_bits);
  if (mid > limit) mid = limit;
  uint32_t h = 0;
  int64_t c = scan(buf, i, mid, strict, &h);
  if (c >= 0) return c;
  c = scan(buf, mid, limit, loose, &h);
  return c >= 0 ? c : limit;
}
