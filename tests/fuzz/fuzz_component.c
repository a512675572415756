/* fuzz_component.c: libFuzzer over the component layer's readers of untrusted input: WIT text
 * (wit.c), WAVE values (wave.c) of a type declared by a fixed WIT document, the canonical ABI
 * lifting that type out of a hostile guest memory (abi.c: the input is the memory), and component
 * binaries (cbin.c). The first byte picks the reader (its value mod 4) and the type (div 4). A crash, sanitizer report or leak is a finding; a value
 * that parses or lifts must also print and round-trip through WAVE to an equal value. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "component/abi.h"
#include "component/cbin.h"
#include "component/wave.h"
#include "component/wit.h"

static const char types_wit[] =
    "package fuzz:t;\n"
    "interface t {\n"
    "  record point { x: f64, y: f32, name: string }\n"
    "  variant shape { circle(f32), rect(point), none }\n"
    "  enum color { red, green, blue }\n"
    "  flags perms { a, b, c, d, e, f, g, h, i }\n"
    "  type everything = tuple<bool, s8, u16, s32, u64, char, string, list<point>,\n"
    "                          option<shape>, result<color, perms>, list<list<string>>>;\n"
    "  f: func(x: everything);\n"
    "}\n";

static wit_doc *doc;
static const ct_type *types[8];
static size_t ntypes;

static void setup(void) {
    char *err = NULL;
    doc = wit_parse(types_wit, sizeof types_wit - 1, "fuzz.wit", &err);
    if (!doc) abort();
    const wit_interface *i = wit_find_interface(doc, "t");
    if (!i) abort();
    for (uint32_t k = 0; k < i->ntypes && ntypes < 8; k++) types[ntypes++] = i->types[k];
}

/* A lifted or parsed value prints, parses back and is equal. */
static void round_trip(const cv *v, const ct_type *t) {
    char *text;
    if (!wave_print(v, &text)) return; /* e.g. a NaN-free float printing is always fine; chars too */
    cv_arena *a = cv_arena_new();
    cv back;
    char err[128];
    if (!wave_parse(text, strlen(text), t, a, &back, err, sizeof err) || !cv_equal(v, &back)) abort();
    cv_arena_free(a);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!doc) setup();
    if (size < 1) return 0;
    uint8_t mode = data[0] % 4;
    const ct_type *t = types[(data[0] / 4) % ntypes];
    const uint8_t *in = data + 1;
    size_t len = size - 1;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf) return 0;
    memcpy(buf, in, len);
    if (mode == 0) {
        char *err = NULL;
        wit_doc *d = wit_parse((const char *)buf, len, "in.wit", &err);
        wit_free(d);
        free(err);
    } else if (mode == 1) {
        cv_arena *a = cv_arena_new();
        cv_arena_set_limit(a, 1 << 20);
        cv v;
        char err[128];
        if (wave_parse((const char *)buf, len, t, a, &v, err, sizeof err)) round_trip(&v, t);
        cv_arena_free(a);
    } else if (mode == 3) {
        cbin_component *c = NULL;
        weft_error *e = cbin_decode(buf, len, &c);
        weft_error_free(e);
        cbin_free(c);
    } else if (len >= 4) {
        /* The input is the guest's memory; the value sits at the offset its first 4 bytes say. */
        cv_arena *a = cv_arena_new();
        abi_cx cx;
        abi_cx_init(&cx, NULL, a);
        cv_arena_set_limit(a, 1 << 20);
        cx.mem = buf;
        cx.mem_size = len;
        uint32_t at;
        memcpy(&at, buf, 4);
        cv v;
        weft_error *e = abi_load(&cx, t, at % (uint32_t)len, &v);
        if (!e) round_trip(&v, t);
        weft_error_free(e);
        cv_arena_free(a);
    }
    free(buf);
    return 0;
}
