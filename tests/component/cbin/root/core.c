/* root: functions at the world's top level (import log, export hello and count), an imported
 * interface with a record and a resource, and a type brought into the world by `use`. Top-level
 * imports come from the core module "$root". */
#include "../bump.h"

#define TYPES(n) __attribute__((import_module("acme:root/types@1.0.0"), import_name(n)))

__attribute__((import_module("$root"), import_name("log"))) void host_log(const char *p, size_t n);
TYPES("lookup") void lookup(const char *p, size_t n, void *ret);
TYPES("[constructor]blob") int32_t blob_new(uint32_t size);
TYPES("[method]blob.size") uint32_t blob_size(int32_t self);
TYPES("[resource-drop]blob") void blob_drop(int32_t handle);

static uint64_t calls;
static uint32_t ret[2];

/* entry is a record {key: string, value: list<u8>}: four flat parameters */
__attribute__((export_name("hello")))
uint32_t *hello(const char *k, size_t kn, const uint8_t *v, size_t vn) {
    _Alignas(8) unsigned char r[32];
    (void)v;
    host_log(k, kn);
    lookup(k, kn, r);
    int32_t b = blob_new((uint32_t)vn);
    calls += blob_size(b);
    blob_drop(b);
    ret[0] = (uint32_t)(uintptr_t)k;
    ret[1] = (uint32_t)kn;
    return ret;
}

__attribute__((export_name("count"))) uint64_t count(void) { return calls; }
