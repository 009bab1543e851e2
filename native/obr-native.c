/* obr's optional native addon (Node-API, built by native/build.sh at npm install):
 *  - cdcCut: the content-defined cut search, the C twin of src/store/chunker-cdc.ts (same gear
 *    table, same cuts; the JS version stays as the fallback and the reference the tests hold
 *    this one to). About twice the speed of the JIT-compiled JS scan on the same bytes.
 *  - dropCache: posix_fadvise(POSIX_FADV_DONTNEED) on the libuv pool (see src/platform/page-cache.ts),
 *    which Node.js has no binding for;
 *  - adviseHugePages: madvise(MADV_HUGEPAGE) on long-lived buffers before their first use;
 *  - prefault: madvise(MADV_POPULATE_WRITE) on the libuv pool, so that long-lived buffers take
 *    their first-touch faults when they are made, not in the first backup that uses them.
 * A tiny addon of our own loads in about a millisecond per thread; a general FFI took 20-30 ms. */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static uint32_t GEAR[256];
static pthread_once_t gear_once = PTHREAD_ONCE_INIT;

static void init_gear(void) {
  uint32_t a = 0x6f627221u; /* splitmix32 from the constant "obr!" */
  for (int i = 0; i < 256; i++) {
    a += 0x9e3779b9u;
    uint32_t z = a;
    z = (z ^ (z >> 16)) * 0x85ebca6bu;
    z = (z ^ (z >> 13)) * 0xc2b2ae35u;
    GEAR[i] = z ^ (z >> 16);
  }
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

/* Whether v is a Uint8Array (a Buffer, or a view of shared memory); its bytes then in *data. */
static int uint8_view(napi_env env, napi_value v, void **data, size_t *length) {
  napi_typedarray_type type;
  return napi_get_typedarray_info(env, v, &type, length, data, NULL, NULL) == napi_ok && type == napi_uint8_array;
}

/* cdcCut(buf, start, limit, minSize, avgBits): see cdcCutJs in chunker-cdc.ts. */
static napi_value cdc_cut(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t length;
  void *data;
  int64_t start, limit, min_size;
  int32_t avg_bits;
  if (argc < 5 || !uint8_view(env, argv[0], &data, &length) ||
      napi_get_value_int64(env, argv[1], &start) != napi_ok || napi_get_value_int64(env, argv[2], &limit) != napi_ok ||
      napi_get_value_int64(env, argv[3], &min_size) != napi_ok || napi_get_value_int32(env, argv[4], &avg_bits) != napi_ok ||
      start < 0 || limit < start || (uint64_t)limit > length || min_size < 0 || avg_bits < 2 || avg_bits > 29) {
    napi_throw_type_error(env, NULL, "cdcCut(buf: Uint8Array, start, limit <= buf.length, minSize, avgBits 2..29)");
    return NULL;
  }
  const uint8_t *buf = data;
  const uint32_t strict = (uint32_t)((1ull << (avg_bits + 2)) - 1);
  const uint32_t loose = (uint32_t)((1ull << (avg_bits - 2)) - 1);
  int64_t cut = limit;
  int64_t i = start + min_size;
  if (i < limit) {
    int64_t mid = start + ((int64_t)1 << avg_bits);
    if (mid > limit) mid = limit;
    uint32_t h = 0;
    int64_t c = scan(buf, i, mid, strict, &h);
    if (c < 0) c = scan(buf, mid, limit, loose, &h);
    if (c >= 0) cut = c;
  }
  napi_value out;
  napi_create_int64(env, cut, &out);
  return out;
}

/* A job that runs on the libuv pool and resolves a promise: every job struct starts with this. */
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref keep; /* NULL, or a value that must outlive the job (the memory it works on) */
} job_head;

static void job_complete(napi_env env, napi_status status, void *p) {
  (void)status;
  job_head *h = p;
  napi_value undef;
  napi_get_undefined(env, &undef);
  napi_resolve_deferred(env, h->deferred, undef);
  if (h->keep) napi_delete_reference(env, h->keep);
  napi_delete_async_work(env, h->work);
  free(p);
}

/* Queues the job (a struct starting with its job_head) and returns its promise. */
static napi_value queue_job(napi_env env, job_head *h, const char *name, napi_async_execute_callback execute) {
  napi_value promise, n;
  napi_create_promise(env, &h->deferred, &promise);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &n);
  napi_create_async_work(env, NULL, n, execute, job_complete, h, &h->work);
  napi_queue_async_work(env, h->work);
  return promise;
}

typedef struct {
  job_head head;
  int fd;
  int64_t offset, length;
} drop_job;

static void drop_execute(napi_env env, void *p) {
  (void)env;
  drop_job *j = p;
  posix_fadvise(j->fd, j->offset, j->length, POSIX_FADV_DONTNEED); /* advisory: errors ignored */
}

/* dropCache(fd, offset, length): Promise<void>, resolved once the advice was given. */
static napi_value drop_cache(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  drop_job *j = calloc(1, sizeof *j);
  int32_t fd;
  if (!j || argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &j->offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &j->length) != napi_ok) {
    free(j);
    napi_throw_type_error(env, NULL, "dropCache(fd, offset, length)");
    return NULL;
  }
  j->fd = fd;
  return queue_job(env, &j->head, "obr:dropCache", drop_execute);
}

/* adviseHugePages(view): asks for transparent huge pages under the 2 MiB-aligned part of the view's
 * memory (Linux with THP in "madvise" mode). Call before the memory is first touched: a first
 * touch costs a fault per 4 KiB page otherwise, which on virtual machines whose guest memory the
 * host reclaims costs 6-14 us each. Returns whether the advice was taken. */
static napi_value advise_huge_pages(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  size_t length;
  void *data;
  if (argc < 1 || !uint8_view(env, argv[0], &data, &length)) {
    napi_throw_type_error(env, NULL, "adviseHugePages(view: Uint8Array)");
    return NULL;
  }
  const uintptr_t huge = (uintptr_t)2 << 20;
  uintptr_t from = ((uintptr_t)data + huge - 1) & ~(huge - 1);
  uintptr_t to = ((uintptr_t)data + length) & ~(huge - 1);
  int ok = 0;
#ifdef MADV_HUGEPAGE
  ok = to > from && madvise((void *)from, to - from, MADV_HUGEPAGE) == 0;
#endif
  napi_value out;
  napi_get_boolean(env, ok, &out);
  return out;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14; older kernels answer EINVAL, which is ignored */
#endif

typedef struct {
  job_head head; /* keeps the view: its memory must outlive the advice */
  void *data;
  size_t length;
} prefault_job;

static void prefault_execute(napi_env env, void *p) {
  (void)env;
  prefault_job *j = p;
  uintptr_t page = 4096;
  uintptr_t from = ((uintptr_t)j->data + page - 1) & ~(page - 1);
  uintptr_t to = ((uintptr_t)j->data + j->length) & ~(page - 1);
  if (to > from) madvise((void *)from, to - from, MADV_POPULATE_WRITE); /* advisory: errors ignored */
}

/* prefault(view): Promise<void>, resolved once the view's whole pages are backed by memory (contents
 * unchanged: anonymous pages not yet touched read as zeros either way). */
static napi_value prefault(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  prefault_job *j = calloc(1, sizeof *j);
  if (!j || argc < 1 || !uint8_view(env, argv[0], &j->data, &j->length)) {
    free(j);
    napi_throw_type_error(env, NULL, "prefault(view: Uint8Array)");
    return NULL;
  }
  napi_create_reference(env, argv[0], 1, &j->head.keep);
  return queue_job(env, &j->head, "obr:prefault", prefault_execute);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  pthread_once(&gear_once, init_gear); /* workers load the addon too */
  napi_property_descriptor props[] = {
      {"cdcCut", NULL, cdc_cut, NULL, NULL, NULL, napi_default, NULL},
      {"dropCache", NULL, drop_cache, NULL, NULL, NULL, napi_default, NULL},
      {"adviseHugePages", NULL, advise_huge_pages, NULL, NULL, NULL, napi_default, NULL},
      {"prefault", NULL, prefault, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
