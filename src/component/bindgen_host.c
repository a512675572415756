/* bindgen_host.c: host-side C bindings of a WIT world (`weft bindgen c --host`, see bindgen.h): a
 * header and a C file with which an embedder calls a component's exports as typed C functions and
 * implements its imports as plain C functions, over the public API of weft_component.h. The C
 * types, their names and free helpers are the guest generator's (bindgen_gen.h), with host
 * pointers; conversions go between those C values and weft_cval trees. The imports' and exports'
 * types come from WIT this file prints (a package of one interface per world item, types renamed
 * t0, t1, ...: linking compares types structurally) and the generated code parses at start-up,
 * so the host functions have exactly the world's types and a component that differs fails to link.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component/abi.h"
#include "component/bindgen_gen.h"

/* ---- the world as WIT text ---------------------------------------------------------------------- */

typedef struct witp {
    bg_gen *g;
    bg_sbuf *b;
    bg_hmap names; /* resolved named type -> index (t0, t1, ...) within the current interface */
    uint32_t next;
} witp;

static const char *const wit_prims[] = {"bool", "s8",  "u8",  "s16", "u16", "s32",  "u32",
                                        "s64",  "u64", "f32", "f64", "char", "string"};

static bool is_named(const ct_type *t) {
    return t->kind == CT_RECORD || t->kind == CT_VARIANT || t->kind == CT_ENUM ||
           t->kind == CT_FLAGS;
}

static void wp_type(witp *p, const ct_type *t);

/* Declares the named types t uses (and t itself), those it needs first. */
static void wp_declare(witp *p, const ct_type *t) {
    t = ct_resolve(t);
    if (!t || bg_failed(p->g)) return;
    switch (t->kind) {
    case CT_LIST: case CT_OPTION: wp_declare(p, t->elem); return;
    case CT_RESULT: wp_declare(p, t->ok); wp_declare(p, t->err); return;
    case CT_TUPLE:
        for (uint32_t i = 0; i < t->nfields; i++) wp_declare(p, t->fields[i].type);
        return;
    default: break;
    }
    if (!is_named(t) || bg_hm_get(&p->names, t) >= 0) return;
    for (uint32_t i = 0; i < t->nfields; i++) wp_declare(p, t->fields[i].type);
    uint32_t k = p->next++;
    if (!bg_hm_put(&p->names, t, k)) {
        bg_nomem(p->g);
        return;
    }
    static const char *const kw[] = {[CT_RECORD] = "record", [CT_VARIANT] = "variant",
                                     [CT_ENUM] = "enum", [CT_FLAGS] = "flags"};
    bg_sb_printf(p->b, "  %s t%u {", kw[t->kind], k);
    for (uint32_t i = 0; i < t->nfields; i++) {
        bg_sb_printf(p->b, "%s %%%s", i ? "," : "", t->fields[i].name);
        if (t->fields[i].type) {
            bg_sb_printf(p->b, t->kind == CT_RECORD ? ": " : "(");
            wp_type(p, t->fields[i].type);
            if (t->kind != CT_RECORD) bg_sb_printf(p->b, ")");
        }
    }
    bg_sb_printf(p->b, " }\n");
}

/* Writes a use of t: a primitive, list<...>, ..., or the name of a declared type. */
static void wp_type(witp *p, const ct_type *t) {
    t = ct_resolve(t);
    if (!t) return;
    if (t->kind <= CT_STRING) {
        bg_sb_printf(p->b, "%s", wit_prims[t->kind]);
        return;
    }
    switch (t->kind) {
    case CT_LIST: case CT_OPTION:
        bg_sb_printf(p->b, t->kind == CT_LIST ? "list<" : "option<");
        wp_type(p, t->elem);
        bg_sb_printf(p->b, ">");
        return;
    case CT_RESULT:
        bg_sb_printf(p->b, "result");
        if (!t->ok && !t->err) return;
        bg_sb_printf(p->b, "<");
        if (t->ok) wp_type(p, t->ok);
        else bg_sb_printf(p->b, "_");
        if (t->err) {
            bg_sb_printf(p->b, ", ");
            wp_type(p, t->err);
        }
        bg_sb_printf(p->b, ">");
        return;
    case CT_TUPLE:
        bg_sb_printf(p->b, "tuple<");
        for (uint32_t i = 0; i < t->nfields; i++) {
            if (i) bg_sb_printf(p->b, ", ");
            wp_type(p, t->fields[i].type);
        }
        bg_sb_printf(p->b, ">");
        return;
    default: {
        int64_t k = bg_hm_get(&p->names, t);
        if (k < 0) bg_fail(p->g, WEFT_ERR_USAGE, "internal: type %s not declared", t->name);
        bg_sb_printf(p->b, "t%lld", (long long)k);
    }
    }
}

/* One interface "NAME" holding f (a world's own function) or every function of iface. */
static void wp_interface(witp *p, const char *name, const ct_func *const *fs, uint32_t n) {
    bg_sb_printf(p->b, "interface %s {\n", name);
    p->names = (bg_hmap){0};
    p->next = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t k = 0; k < fs[i]->nparams; k++) wp_declare(p, fs[i]->params[k].type);
        for (uint32_t k = 0; k < fs[i]->nresults; k++) wp_declare(p, fs[i]->results[k].type);
    }
    for (uint32_t i = 0; i < n; i++) {
        const ct_func *f = fs[i];
        bg_sb_printf(p->b, "  %%%s: func(", f->name);
        for (uint32_t k = 0; k < f->nparams; k++) {
            bg_sb_printf(p->b, "%s%%%s: ", k ? ", " : "", f->params[k].name);
            wp_type(p, f->params[k].type);
        }
        bg_sb_printf(p->b, ")");
        if (f->nresults == 1 && !f->results[0].name) {
            bg_sb_printf(p->b, " -> ");
            wp_type(p, f->results[0].type);
        } else if (f->nresults) {
            bg_sb_printf(p->b, " -> (");
            for (uint32_t k = 0; k < f->nresults; k++) {
                bg_sb_printf(p->b, "%s%%%s: ", k ? ", " : "", f->results[k].name);
                wp_type(p, f->results[k].type);
            }
            bg_sb_printf(p->b, ")");
        }
        bg_sb_printf(p->b, ";\n");
    }
    bg_sb_printf(p->b, "}\n");
    bg_hm_free(&p->names);
}

/* The WIT the generated code parses: interface iK per imported item, eK per exported one. */
static const char *world_wit(bg_gen *g) {
    bg_sbuf b = {0};
    witp p = {g, &b, {0}, 0};
    const wit_world *w = g->w;
    bg_sb_printf(&b, "package weft:host-bindings;\n");
    for (uint32_t i = 0; i < w->nimports + w->nexports && !bg_failed(g); i++) {
        bool imp = i < w->nimports;
        const wit_world_item *it = imp ? &w->imports[i] : &w->exports[i - w->nimports];
        const char *name = bg_str(g, "%c%u", imp ? 'i' : 'e', imp ? i : i - w->nimports);
        if (it->kind == WIT_ITEM_FUNC) {
            wp_interface(&p, name, &it->func, 1);
            continue;
        }
        const ct_func **fs = calloc(it->iface->nfuncs + 1, sizeof *fs);
        if (!fs) {
            bg_nomem(g);
            break;
        }
        for (uint32_t k = 0; k < it->iface->nfuncs; k++) fs[k] = &it->iface->funcs[k];
        wp_interface(&p, name, fs, it->iface->nfuncs);
        free(fs);
    }
    if (b.oom) bg_nomem(g);
    const char *s = b.s ? bg_c_string(g, b.s) : "";
    free(b.s);
    return s;
}

/* ---- conversions between C values and weft_cval -------------------------------------------------- */

/* The member of weft_cval.of a primitive lives in. */
static const char *prim_field(ct_kind k) {
    switch (k) {
    case CT_BOOL: return "b";
    case CT_S8: case CT_S16: case CT_S32: case CT_S64: return "s";
    case CT_F32: return "f32";
    case CT_F64: return "f64";
    case CT_CHAR: return "ch";
    default: return "u";
    }
}

/* The token of t's converters: "string", or its entry's token; NULL for primitives. */
static const char *conv_token(bg_gen *g, const ct_type *t) {
    const ct_type *r = ct_resolve(t);
    if (!r || bg_is_prim(r->kind)) return NULL;
    if (r->kind == CT_STRING) return "string";
    bg_tentry *e = bg_entry_of(g, r);
    return e ? e->token : "";
}

/* Statements converting the C value `src` (an lvalue) of type t to the weft_cval *`dst`, whose
 * type expression is `ty`. */
static void put_to(bg_gen *g, int ind, const ct_type *t, const char *ty, const char *src,
                   const char *dst) {
    const ct_type *r = ct_resolve(t);
    const char *tok = conv_token(g, t);
    if (!tok) {
        bg_line(g, ind, "%s->type = %s;", dst, ty);
        bg_line(g, ind, "%s->of.%s = %s;", dst, prim_field(r->kind), src);
    } else {
        bg_line(g, ind, "if (!%s__to_%s(a, %s, &%s, %s)) return false;", g->p, tok, ty, src, dst);
    }
}

/* Statements converting the weft_cval *`src` to the C lvalue `dst` (zeroed before). */
static void put_from(bg_gen *g, int ind, const ct_type *t, const char *src, const char *dst) {
    const ct_type *r = ct_resolve(t);
    const char *tok = conv_token(g, t);
    if (!tok)
        bg_line(g, ind, "%s = (%s)%s->of.%s;", dst, bg_prim_ctype(r->kind), src,
                prim_field(r->kind));
    else
        bg_line(g, ind, "if (!%s__from_%s(a, %s, &%s)) return false;", g->p, tok, src, dst);
}

static void gen_conv_protos(bg_gen *g, const bg_tentry *e) {
    bg_line(g, 0, "static __attribute__((unused)) bool %s__to_%s(weft_cval_arena *a, const weft_ctype *t, const %s *x, "
                  "weft_cval *v);", g->p, e->token, e->ctype);
    bg_line(g, 0, "static __attribute__((unused)) bool %s__from_%s(weft_cval_arena *a, const weft_cval *v, %s *x);", g->p,
            e->token, e->ctype);
}

/* The converters of a non-alias entry. a: the arena values (to) or C values (from; NULL: malloc)
 * are allocated from; from writes into zeroed memory, so a failure leaves a value the free
 * helpers take. */
static void gen_conv(bg_gen *g, const bg_tentry *e) {
    const ct_type *t = e->t;
    const char *p = g->p;
    /* ---- to ---- */
    bg_line(g, 0, "static __attribute__((unused)) bool %s__to_%s(weft_cval_arena *a, const weft_ctype *t, const %s *x, "
                  "weft_cval *v) {", p, e->token, e->ctype);
    bg_line(g, 1, "memset(v, 0, sizeof *v);");
    bg_line(g, 1, "v->type = t;");
    bg_line(g, 1, "(void)a;");
    switch (t->kind) {
    case CT_LIST:
        bg_line(g, 1, "if (x->len > SIZE_MAX / sizeof(weft_cval) - 1) return false;");
        bg_line(g, 1, "weft_cval *it = weft_cval_arena_alloc(a, (x->len + 1) * sizeof *it);");
        bg_line(g, 1, "if (!it) return false;");
        bg_line(g, 1, "const weft_ctype *et = weft_ctype_elem(t);");
        bg_line(g, 1, "for (size_t i = 0; i < x->len; i++) {");
        put_to(g, 2, t->elem, "et", "x->ptr[i]", "(&it[i])");
        bg_line(g, 1, "}");
        bg_line(g, 1, "v->of.seq.items = it;");
        bg_line(g, 1, "v->of.seq.n = x->len;");
        break;
    case CT_TUPLE: case CT_RECORD:
        bg_line(g, 1, "weft_cval *it = weft_cval_arena_alloc(a, %u * sizeof *it);", t->nfields);
        bg_line(g, 1, "if (!it) return false;");
        for (uint32_t i = 0; i < t->nfields; i++)
            put_to(g, 1, t->fields[i].type, bg_str(g, "weft_ctype_field_type(t, %u)", i),
                   bg_str(g, "x->%s", bg_field_member(g, t, i)), bg_str(g, "(&it[%u])", i));
        bg_line(g, 1, "v->of.seq.items = it;");
        bg_line(g, 1, "v->of.seq.n = %u;", t->nfields);
        break;
    case CT_OPTION: case CT_RESULT: case CT_VARIANT: {
        const char *disc = t->kind == CT_OPTION ? "x->is_some ? 1 : 0"
                           : t->kind == CT_RESULT ? "x->is_err ? 1 : 0" : "x->tag";
        bg_line(g, 1, "v->of.var.disc = %s;", disc);
        bg_line(g, 1, "switch (v->of.var.disc) {");
        for (uint32_t c = 0; c < abi_case_count(t); c++) {
            const ct_type *ct = abi_case_type(t, c);
            if (!ct) continue;
            const char *ty = t->kind == CT_OPTION   ? "weft_ctype_elem(t)"
                             : t->kind == CT_RESULT ? (c ? "weft_ctype_err(t)" : "weft_ctype_ok(t)")
                                                    : bg_str(g, "weft_ctype_field_type(t, %u)", c);
            bg_line(g, 1, "case %u: {", c);
            bg_line(g, 2, "weft_cval *pl = weft_cval_arena_alloc(a, sizeof *pl);");
            bg_line(g, 2, "if (!pl) return false;");
            put_to(g, 2, ct, ty, bg_str(g, "x->%s", bg_payload_member(g, t, c)), "pl");
            bg_line(g, 2, "v->of.var.payload = pl;");
            bg_line(g, 2, "break;");
            bg_line(g, 1, "}");
        }
        bg_line(g, 1, "default: break;");
        bg_line(g, 1, "}");
        break;
    }
    case CT_ENUM: bg_line(g, 1, "v->of.var.disc = *x;"); break;
    case CT_FLAGS: {
        uint32_t nw = (t->nfields + 31) / 32;
        bg_line(g, 1, "uint32_t *w = weft_cval_arena_alloc(a, %u * sizeof *w);", nw);
        bg_line(g, 1, "if (!w) return false;");
        if (t->nfields <= 32) bg_line(g, 1, "w[0] = *x;");
        else bg_line(g, 1, "memcpy(w, x->words, sizeof x->words);");
        bg_line(g, 1, "v->of.flags.words = w;");
        break;
    }
    default: break;
    }
    bg_line(g, 1, "return true;");
    bg_line(g, 0, "}\n");
    /* ---- from ---- */
    bg_line(g, 0, "static __attribute__((unused)) bool %s__from_%s(weft_cval_arena *a, const weft_cval *v, %s *x) {", p,
            e->token, e->ctype);
    switch (t->kind) {
    case CT_LIST:
        bg_line(g, 1, "size_t n = v->of.seq.n;");
        bg_line(g, 1, "if (n == 0) return true;");
        bg_line(g, 1, "if (n > SIZE_MAX / sizeof *x->ptr) return false;");
        bg_line(g, 1, "if (!(x->ptr = %s__alloc(a, n * sizeof *x->ptr))) return false;", p);
        bg_line(g, 1, "x->len = n;");
        bg_line(g, 1, "for (size_t i = 0; i < n; i++) {");
        put_from(g, 2, t->elem, "(&v->of.seq.items[i])", "x->ptr[i]");
        bg_line(g, 1, "}");
        break;
    case CT_TUPLE: case CT_RECORD:
        bg_line(g, 1, "if (v->of.seq.n != %u) return false;", t->nfields);
        for (uint32_t i = 0; i < t->nfields; i++)
            put_from(g, 1, t->fields[i].type, bg_str(g, "(&v->of.seq.items[%u])", i),
                     bg_str(g, "x->%s", bg_field_member(g, t, i)));
        break;
    case CT_OPTION: case CT_RESULT: case CT_VARIANT:
        bg_line(g, 1, "%s = v->of.var.disc;",
                t->kind == CT_OPTION ? "x->is_some" : t->kind == CT_RESULT ? "x->is_err" : "x->tag");
        bg_line(g, 1, "switch (v->of.var.disc) {");
        for (uint32_t c = 0; c < abi_case_count(t); c++) {
            const ct_type *ct = abi_case_type(t, c);
            if (!ct) continue;
            bg_line(g, 1, "case %u:", c);
            bg_line(g, 2, "if (!v->of.var.payload) return false;");
            put_from(g, 2, ct, "v->of.var.payload",
                     bg_str(g, "x->%s", bg_payload_member(g, t, c)));
            bg_line(g, 2, "break;");
        }
        bg_line(g, 1, "default: break;");
        bg_line(g, 1, "}");
        break;
    case CT_ENUM: bg_line(g, 1, "*x = (%s)v->of.var.disc;", e->ctype); break;
    case CT_FLAGS:
        bg_line(g, 1, "if (!v->of.flags.words) return false;");
        if (t->nfields <= 32) bg_line(g, 1, "*x = (%s)v->of.flags.words[0];", e->ctype);
        else bg_line(g, 1, "memcpy(x->words, v->of.flags.words, sizeof x->words);");
        break;
    default: break;
    }
    bg_line(g, 1, "(void)a;");
    bg_line(g, 1, "return true;");
    bg_line(g, 0, "}\n");
}

/* ---- functions -------------------------------------------------------------------------------- */

/* A parameter list after a leading parameter: ", int32_t x, const p_point_t *pt, p_point_t *ret".
 * header: the WIT names (as the guest's header names them); else p0.., r0... */
static const char *params_decl(bg_gen *g, const ct_func *f, bool header) {
    const char *s = "";
    for (uint32_t i = 0; i < f->nparams; i++) {
        const ct_type *t = f->params[i].type;
        bool sc = bg_is_scalar(t);
        const char *n = bg_member(g, f->params[i].name);
        if (strncmp(n, "ret", 3) == 0) n = bg_str(g, "%s_", n);
        s = bg_str(g, "%s, %s%s %s%s", s, sc ? "" : "const ", bg_ctype_of(g, t), sc ? "" : "*",
                   header ? n : bg_str(g, "p%u", i));
    }
    for (uint32_t i = 0; i < f->nresults; i++)
        s = bg_str(g, "%s, %s *%s", s, bg_ctype_of(g, f->results[i].type),
                   !header ? bg_str(g, "r%u", i)
                   : f->nresults == 1 ? "ret"
                                      : bg_str(g, "ret_%s", bg_ident(g, f->results[i].name)));
    return s;
}

/* ", T *p0, U *p1" (params) or ", R *r0" (results): pointers to fill. */
static const char *ptrs_decl(bg_gen *g, const ct_func *f, bool results) {
    const char *s = "";
    uint32_t n = results ? f->nresults : f->nparams;
    for (uint32_t i = 0; i < n; i++)
        s = bg_str(g, "%s, %s *%c%u", s,
                   bg_ctype_of(g, results ? f->results[i].type : f->params[i].type),
                   results ? 'r' : 'p', i);
    return s;
}

/* ", p0, p1" or ", &p0, &p1" (amp) */
static const char *names_list(bg_gen *g, char c, uint32_t n, bool amp) {
    const char *s = "";
    for (uint32_t i = 0; i < n; i++) s = bg_str(g, "%s, %s%c%u", s, amp ? "&" : "", c, i);
    return s;
}

/* An export's arguments converted into args (a helper, so that `return false` leaves it). */
static void gen_export_args(bg_gen *g, const bg_func *fn, size_t k) {
    const ct_func *f = fn->f;
    const char *decl = "";
    for (uint32_t i = 0; i < f->nparams; i++) {
        const ct_type *t = f->params[i].type;
        decl = bg_str(g, "%s, %s%s %sp%u", decl, bg_is_scalar(t) ? "" : "const ",
                      bg_ctype_of(g, t), bg_is_scalar(t) ? "" : "*", i);
    }
    bg_line(g, 0, "static bool %s__args_%zu(weft_cval_arena *a, const weft_cfunc_type *ft, "
                  "weft_cval *args%s) {", g->p, k, decl);
    for (uint32_t i = 0; i < f->nparams; i++)
        put_to(g, 1, f->params[i].type, bg_str(g, "weft_cfunc_type_param(ft, %u)", i),
               bg_is_scalar(f->params[i].type) ? bg_str(g, "p%u", i) : bg_str(g, "(*p%u)", i),
               bg_str(g, "(&args[%u])", i));
    bg_line(g, 1, "(void)a;");
    bg_line(g, 1, "(void)ft;");
    bg_line(g, 1, "(void)args;");
    bg_line(g, 1, "return true;");
    bg_line(g, 0, "}\n");
}

/* An export's wrapper: converts the arguments, calls, converts the results (malloc'd). */
static void gen_export_wrapper(bg_gen *g, const bg_func *fn, size_t k) {
    const ct_func *f = fn->f;
    const char *p = g->p;
    bg_sb_printf(&g->c, "weft_error *%s(%s_host *host_%s) {\n", fn->cname, p,
                 params_decl(g, f, false));
    bg_line(g, 1, "if (!host_) return weft_error_new(WEFT_ERR_USAGE, \"%s: no host\");", fn->cname);
    for (uint32_t i = 0; i < f->nparams; i++)
        if (!bg_is_scalar(f->params[i].type))
            bg_line(g, 1, "if (!p%u) return weft_error_new(WEFT_ERR_USAGE, \"%s: argument %u is "
                          "NULL\");", i, fn->cname, i + 1);
    for (uint32_t i = 0; i < f->nresults; i++) {
        bg_line(g, 1, "if (!r%u) return weft_error_new(WEFT_ERR_USAGE, \"%s: result pointer %u "
                      "is NULL\");", i, fn->cname, i + 1);
        bg_line(g, 1, "memset(r%u, 0, sizeof *r%u);", i, i);
    }
    bg_line(g, 1, "weft_cfunc *fn = host_->exports[%zu];", k);
    bg_line(g, 1, "const weft_cfunc_type *ft = weft_cfunc_get_type(fn);");
    bg_line(g, 1, "weft_cval args[%u], res[%u];", f->nparams + 1, f->nresults + 1);
    bg_line(g, 1, "weft_cval_arena *a = weft_cval_arena_new();");
    bg_line(g, 1, "weft_error *e = NULL;");
    bg_line(g, 1, "if (!a || !%s__args_%zu(a, ft, args%s)) goto nomem;", p, k,
            names_list(g, 'p', f->nparams, false));
    bg_line(g, 1, "if ((e = weft_cfunc_call(host_->rt, fn, args, %u, a, res, %u))) goto done;",
            f->nparams, f->nresults);
    for (uint32_t i = 0; i < f->nresults; i++) {
        const ct_type *t = f->results[i].type;
        const char *tok = conv_token(g, t);
        if (!tok) {
            bg_line(g, 1, "*r%u = (%s)res[%u].of.%s;", i, bg_prim_ctype(ct_resolve(t)->kind), i,
                    prim_field(ct_resolve(t)->kind));
            continue;
        }
        bg_line(g, 1, "if (!%s__from_%s(NULL, &res[%u], r%u)) {", p, tok, i, i);
        for (uint32_t j = 0; j <= i; j++)
            if (bg_owns(g, f->results[j].type))
                bg_line(g, 2, "%s(r%u);", bg_free_of(g, f->results[j].type), j);
        bg_line(g, 2, "goto nomem;");
        bg_line(g, 1, "}");
    }
    bg_line(g, 1, "goto done;");
    bg_line(g, 0, "nomem:");
    bg_line(g, 1, "e = weft_error_new(WEFT_ERR_NOMEM, \"%s: out of memory\");", fn->cname);
    bg_line(g, 0, "done:");
    bg_line(g, 1, "weft_cval_arena_free(a);");
    bg_line(g, 1, "return e;");
    bg_line(g, 0, "}\n");
}

/* An import's trampoline: a weft_cfunc_host_fn converting the arguments (into the call's arena),
 * calling the embedder's function, converting and freeing its results. */
static void gen_import_tramp(bg_gen *g, const bg_func *fn, size_t k, const char *field) {
    const ct_func *f = fn->f;
    const char *p = g->p;
    /* the conversions, in helpers returning false when memory runs out */
    bg_line(g, 0, "static bool %s__imp_args_%zu(weft_cval_arena *a, const weft_cval *args%s) {",
            p, k, ptrs_decl(g, f, false));
    for (uint32_t i = 0; i < f->nparams; i++)
        put_from(g, 1, f->params[i].type, bg_str(g, "(&args[%u])", i), bg_str(g, "(*p%u)", i));
    bg_line(g, 1, "(void)a;");
    bg_line(g, 1, "(void)args;");
    bg_line(g, 1, "return true;");
    bg_line(g, 0, "}\n");
    bg_line(g, 0, "static bool %s__imp_res_%zu(weft_cval_arena *a, const weft_cfunc_type *ft, "
                  "weft_cval *res%s) {", p, k, ptrs_decl(g, f, true));
    for (uint32_t i = 0; i < f->nresults; i++)
        put_to(g, 1, f->results[i].type, bg_str(g, "weft_cfunc_type_result(ft, %u)", i),
               bg_str(g, "(*r%u)", i), bg_str(g, "(&res[%u])", i));
    bg_line(g, 1, "(void)a;");
    bg_line(g, 1, "(void)ft;");
    bg_line(g, 1, "(void)res;");
    bg_line(g, 1, "return true;");
    bg_line(g, 0, "}\n");

    bg_line(g, 0, "static weft_error *%s__imp_%zu(void *user, const weft_cval *args, "
                  "weft_cval_arena *a, weft_cval *res) {", p, k);
    bg_line(g, 1, "%s_host *h = user;", p);
    const char *call = "";
    for (uint32_t i = 0; i < f->nparams; i++) {
        bg_line(g, 1, "%s p%u;", bg_ctype_of(g, f->params[i].type), i);
        bg_line(g, 1, "memset(&p%u, 0, sizeof p%u);", i, i);
        call = bg_str(g, "%s, %sp%u", call, bg_is_scalar(f->params[i].type) ? "" : "&", i);
    }
    for (uint32_t i = 0; i < f->nresults; i++) {
        bg_line(g, 1, "%s r%u;", bg_ctype_of(g, f->results[i].type), i);
        bg_line(g, 1, "memset(&r%u, 0, sizeof r%u);", i, i);
    }
    call = bg_str(g, "%s%s", call, names_list(g, 'r', f->nresults, true));
    bg_line(g, 1, "if (!%s__imp_args_%zu(a, args%s))", p, k, names_list(g, 'p', f->nparams, true));
    bg_line(g, 2, "return weft_trap_new(\"%s: out of memory\");", bg_c_string(g, fn->origin));
    bg_line(g, 1, "weft_error *e = h->imports.%s(h->user%s);", field, call);
    bg_line(g, 1, "if (!e && !%s__imp_res_%zu(a, h->import_types[%zu], res%s))", p, k, k,
            names_list(g, 'r', f->nresults, true));
    bg_line(g, 2, "e = weft_trap_new(\"%s: out of memory\");", bg_c_string(g, fn->origin));
    for (uint32_t i = 0; i < f->nresults; i++)
        if (bg_owns(g, f->results[i].type))
            bg_line(g, 1, "%s(&r%u);", bg_free_of(g, f->results[i].type), i);
    bg_line(g, 1, "return e;");
    bg_line(g, 0, "}\n");
}

/* ---- the files' fixed parts ------------------------------------------------------------------- */

static void host_header_start(bg_gen *g) {
    bg_put_template(g, &g->h,
        "/* $p_host.h: host-side C bindings of the WIT world $w, generated by\n"
        " * `weft bindgen c --host` (do not edit; $p_host.c is the glue). An embedder of weft\n"
        " * instantiates a component of this world with $p_host_new, calls its exports as the\n"
        " * functions under \"exports\", and implements its imports as the function pointers of\n"
        " * $p_imports. Link with libweft.\n"
        " *\n"
        " * Names and types as `weft bindgen c` gives the guest (see its header), with host\n"
        " * pointers: string is $p_string_t {char *ptr; size_t len}, list<T> {T *ptr; size_t len},\n"
        " * option<T> {bool is_some; T val}, result {bool is_err; union {ok; err} val}, a variant\n"
        " * {uintN_t tag; union val}, an enum a uintN_t, flags a uintN_t of masks (over 32 flags\n"
        " * {uint32_t words[N]}), a tuple {f0, f1, ...}, a record a struct.\n"
        " *\n"
        " * Calls: every function returns a weft_error * (NULL: success; the caller frees it),\n"
        " * a trap of the component included. Bool, numbers, char, enums and small flags go by\n"
        " * value, other arguments by const pointer; results go to *ret (several: *ret_NAME).\n"
        " *\n"
        " * Ownership: an export's arguments are borrowed for the call. Its results are yours:\n"
        " * strings and lists in them are malloc'd (strings NUL-terminated too); free them with\n"
        " * the *_free helpers (a list of length 0 holds no memory). An import's arguments are\n"
        " * borrowed for the call (strings NUL-terminated); write its results from malloc'd\n"
        " * memory ($p_string_dup, malloc) or leave them zero: the glue copies and frees them\n"
        " * (with the *_free helpers), also when you return an error. Resources: not supported.\n"
        " */\n"
        "#ifndef $P_HOST_BINDINGS_H\n#define $P_HOST_BINDINGS_H\n\n"
        "#include <stdbool.h>\n#include <stddef.h>\n#include <stdint.h>\n\n"
        "#include \"weft_component.h\"\n\n"
        "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n"
        "/* ---- strings and memory ---- */\n\n"
        "typedef struct $p_string_t {\n    char *ptr;\n    size_t len;\n} $p_string_t;\n\n"
        "/* free(), for the free helpers. */\n"
        "void $p_free(void *ptr);\n"
        "/* s points to cstr, not copied: for arguments of exports only. */\n"
        "void $p_string_set($p_string_t *s, const char *cstr);\n"
        "/* s gets a malloc'd, NUL-terminated copy of cstr; false when out of memory. */\n"
        "bool $p_string_dup($p_string_t *s, const char *cstr);\n"
        "/* Frees s's bytes and empties it. */\n"
        "void $p_string_free($p_string_t *s);\n\n"
        "/* ---- types ---- */\n\n");
    const char *fixed[] = {"string_t", "free", "string_set", "string_dup", "string_free",
                           "host",     "host_new", "host_free", "host_runtime", "imports"};
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        bg_claim(g, bg_str(g, "%s_%s", g->p, fixed[i]), "a helper");
}

static void host_glue_start(bg_gen *g, const char *wit) {
    bg_put_template(g, &g->c,
        "/* $p_host.c: the host-side glue of the WIT world $w (see $p_host.h),\n"
        " * generated by `weft bindgen c --host` (do not edit): conversions between the C types\n"
        " * and weft_cval values, the typed calls of the exports, the trampolines of the imports.\n"
        " */\n"
        "#include \"$p_host.h\"\n\n"
        "#include <stdlib.h>\n#include <string.h>\n\n"
        "void $p_free(void *ptr) { free(ptr); }\n\n"
        "void $p_string_set($p_string_t *s, const char *cstr) {\n"
        "    s->ptr = (char *)(uintptr_t)cstr;\n"
        "    s->len = strlen(cstr);\n"
        "}\n\n"
        "bool $p_string_dup($p_string_t *s, const char *cstr) {\n"
        "    size_t n = strlen(cstr);\n"
        "    s->ptr = malloc(n + 1);\n"
        "    s->len = s->ptr ? n : 0;\n"
        "    if (s->ptr) memcpy(s->ptr, cstr, n + 1);\n"
        "    return s->ptr != NULL;\n"
        "}\n\n"
        "void $p_string_free($p_string_t *s) {\n"
        "    free(s->ptr);\n"
        "    s->ptr = NULL;\n"
        "    s->len = 0;\n"
        "}\n\n"
        "/* Zeroed memory from the arena a, or from calloc when a is NULL. */\n"
        "static void *$p__alloc(weft_cval_arena *a, size_t n) {\n"
        "    return a ? weft_cval_arena_alloc(a, n) : calloc(1, n ? n : 1);\n"
        "}\n\n"
        "static __attribute__((unused)) bool $p__to_string(weft_cval_arena *a, const weft_ctype *t,\n"
        "                                                  const $p_string_t *x, weft_cval *v) {\n"
        "    weft_error *e = weft_cval_string(a, t, x->ptr, x->len, v);\n"
        "    weft_error_free(e);\n"
        "    return e == NULL;\n"
        "}\n\n"
        "static __attribute__((unused)) bool $p__from_string(weft_cval_arena *a, const weft_cval *v,\n"
        "                                                    $p_string_t *x) {\n"
        "    size_t n = v->of.str.len;\n"
        "    if (n == SIZE_MAX || !(x->ptr = $p__alloc(a, n + 1))) return false;\n"
        "    if (n) memcpy(x->ptr, v->of.str.ptr, n);\n"
        "    x->len = n;\n"
        "    return true;\n"
        "}\n\n");
    bg_sb_printf(&g->c, "/* The world's imports and exports as WIT: interface iK is import K, eK export "
                        "K. */\nstatic const char %s__wit[] =\n    \"%s\";\n\n", g->p, wit);
}

/* ---- the API ---------------------------------------------------------------------------------- */

weft_error *bindgen_c_host(const wit_world *w, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    bg_gen g;
    cc_exports ex;
    bg_funcs fs;
    bg_begin(&g, w, &ex, &fs);
    const char *p = g.p;
    host_header_start(&g);
    bg_header_types(&g, &fs);
    const char *wit = world_wit(&g);

    /* the header: the host, the imports to fill, the exports to call */
    size_t nimp = 0, nexp = 0;
    for (size_t i = 0; i < fs.n; i++) fs.v[i].exported ? nexp++ : nimp++;
    bg_sb_printf(&g.h, "/* ---- imports: fill in a function for each ---- */\n\n");
    bg_sb_printf(&g.h, "typedef struct %s_imports {\n", p);
    for (size_t i = 0; i < fs.n && !bg_failed(&g); i++) {
        if (fs.v[i].exported) continue;
        bg_sb_printf(&g.h, "    /* %s */\n    weft_error *(*%s)(void *user_%s);\n", fs.v[i].origin,
                     fs.v[i].cname + strlen(p) + 1, params_decl(&g, fs.v[i].f, true));
    }
    if (nimp == 0) bg_sb_printf(&g.h, "    char unused; /* the world imports nothing */\n");
    bg_sb_printf(&g.h, "} %s_imports;\n\n", p);
    bg_put_template(&g, &g.h,
        "/* A component of the world instantiated. */\n"
        "typedef struct $p_host $p_host;\n\n"
        "/* Compiles the component binary bytes[0..len) (copied) and instantiates it in store s\n"
        " * (borrowed: free the host before it), its imports implemented by *imports (copied;\n"
        " * every function must be set) called with user. Errors: WEFT_ERR_USAGE for a NULL or\n"
        " * missing function, WEFT_ERR_LINK when the component's imports or exports differ from\n"
        " * the world's, the component's own errors, WEFT_ERR_NOMEM. */\n"
        "weft_error *$p_host_new(weft_engine *e, weft_store *s, const uint8_t *bytes, size_t len,\n"
        "                        const $p_imports *imports, void *user, $p_host **out);\n"
        "/* Frees the host (its runtime, component and types); NULL is a no-op. */\n"
        "void $p_host_free($p_host *h);\n"
        "/* The runtime the component lives in (for weft_component_runtime_* calls). */\n"
        "weft_component_runtime *$p_host_runtime($p_host *h);\n\n"
        "/* ---- exports: call these ---- */\n\n");
    for (size_t i = 0; i < fs.n && !bg_failed(&g); i++) {
        if (!fs.v[i].exported) continue;
        bg_claim(&g, fs.v[i].cname, fs.v[i].origin);
        bg_sb_printf(&g.h, "/* %s */\nweft_error *%s(%s_host *host_%s);\n", fs.v[i].origin,
                     fs.v[i].cname, p, params_decl(&g, fs.v[i].f, true));
    }
    bg_sb_printf(&g.h, "\n#ifdef __cplusplus\n}\n#endif\n\n#endif\n");

    /* the glue */
    host_glue_start(&g, wit);
    bg_put_template(&g, &g.c,
        "struct $p_host {\n"
        "    weft_wit *wit;\n"
        "    weft_component *comp;\n"
        "    weft_component_runtime *rt;\n"
        "    $p_imports imports;\n"
        "    void *user;\n");
    bg_sb_printf(&g.c, "    const weft_cfunc_type *import_types[%zu];\n", nimp + 1);
    bg_sb_printf(&g.c, "    weft_cfunc *exports[%zu];\n};\n\n", nexp + 1);
    bg_sb_printf(&g.c, "/* ---- free helpers ---- */\n\n");
    for (size_t i = 0; i < g.norder && !bg_failed(&g); i++) bg_gen_free(&g, g.order[i]);
    bg_sb_printf(&g.c, "/* ---- conversions ---- */\n\n");
    for (size_t i = 0; i < g.norder && !bg_failed(&g); i++)
        if (g.ents[g.order[i]].t->kind != CT_ALIAS) gen_conv_protos(&g, &g.ents[g.order[i]]);
    bg_sb_printf(&g.c, "\n");
    for (size_t i = 0; i < g.norder && !bg_failed(&g); i++)
        if (g.ents[g.order[i]].t->kind != CT_ALIAS) gen_conv(&g, &g.ents[g.order[i]]);

    /* imports: trampolines, and the table init reads */
    bg_sb_printf(&g.c, "/* ---- imports ---- */\n\n");
    const char *table = "";
    size_t k = 0;
    for (size_t i = 0; i < fs.n && !bg_failed(&g); i++) {
        if (fs.v[i].exported) continue;
        const char *field = bg_ident(&g, fs.v[i].cname + strlen(p) + 1);
        gen_import_tramp(&g, &fs.v[i], k, field);
        table = bg_str(&g, "%s    {\"%s\", \"%s\", \"%s\", %s__imp_%zu, imports->%s == NULL},\n",
                       table, bg_c_string(&g, fs.v[i].module), bg_c_string(&g, fs.v[i].f->name),
                       bg_c_string(&g, fs.v[i].origin), p, k, field);
        k++;
    }
    /* exports */
    bg_sb_printf(&g.c, "/* ---- exports ---- */\n\n");
    const char *etable = "";
    k = 0;
    for (size_t i = 0; i < fs.n && !bg_failed(&g); i++) {
        if (!fs.v[i].exported) continue;
        gen_export_args(&g, &fs.v[i], k);
        gen_export_wrapper(&g, &fs.v[i], k);
        etable = bg_str(&g, "%s    \"%s\",\n", etable, bg_c_string(&g, fs.v[i].module));
        k++;
    }
    /* the WIT interface of each function: iK / eK by world item */
    const char *iwit = "", *ewit = "";
    for (uint32_t i = 0; i < w->nimports + w->nexports && !bg_failed(&g); i++) {
        bool imp = i < w->nimports;
        const wit_world_item *it = imp ? &w->imports[i] : &w->exports[i - w->nimports];
        uint32_t n = it->kind == WIT_ITEM_FUNC ? 1 : it->iface->nfuncs;
        for (uint32_t j = 0; j < n; j++) {
            const char *fname = it->kind == WIT_ITEM_FUNC ? it->func->name : it->iface->funcs[j].name;
            const char *s = bg_str(&g, "    \"%c%u#%s\",\n", imp ? 'i' : 'e',
                                   imp ? i : i - w->nimports, bg_c_string(&g, fname));
            if (imp) iwit = bg_str(&g, "%s%s", iwit, s);
            else ewit = bg_str(&g, "%s%s", ewit, s);
        }
    }
    bg_sb_printf(&g.c, "/* ---- the host ---- */\n\n");
    bg_sb_printf(&g.c, "typedef struct %s__import {\n    const char *module, *name, *origin;\n"
                       "    weft_cfunc_host_fn fn;\n    bool missing;\n} %s__import;\n\n", p, p);
    bg_sb_printf(&g.c, "static const char *const %s__import_wit[] = {\n%s    NULL\n};\n", p, iwit);
    bg_sb_printf(&g.c, "static const char *const %s__export_names[] = {\n%s    NULL\n};\n", p,
                 etable);
    bg_sb_printf(&g.c, "static const char *const %s__export_wit[] = {\n%s    NULL\n};\n\n", p, ewit);
    bg_sb_printf(&g.c, "static weft_error *%s__link(%s_host *h, const %s_imports *imports) {\n", p,
                 p, p);
    bg_sb_printf(&g.c, "    %s__import table[] = {\n%s        {NULL, NULL, NULL, NULL, false}\n    };\n",
                 p, table);
    bg_put_template(&g, &g.c,
        "    weft_error *e = NULL;\n"
        "    weft_cinstance *root = NULL, *exports = NULL;\n"
        "    (void)imports;\n"
        "    if ((e = weft_cinstance_new(h->rt, &root))) return e;\n"
        "    for (size_t k = 0; table[k].module; k++) {\n"
        "        if (table[k].missing)\n"
        "            return weft_error_new(WEFT_ERR_USAGE, \"$p_host_new: no function for the import %s\",\n"
        "                                  table[k].origin);\n"
        "        weft_cfunc *f = NULL;\n"
        "        if ((e = weft_wit_find_func(h->wit, $p__import_wit[k], &h->import_types[k])) ||\n"
        "            (e = weft_cfunc_new_host(h->rt, table[k].origin, h->import_types[k], table[k].fn, h,\n"
        "                                     NULL, &f)))\n"
        "            return e;\n"
        "        if (table[k].module[0] == '\\x24') { /* \\x24root: a function of the world */\n"
        "            if ((e = weft_cinstance_add_func(h->rt, root, table[k].name, f))) return e;\n"
        "            continue;\n"
        "        }\n"
        "        weft_cinstance *sub = weft_cinstance_instance(root, table[k].module);\n"
        "        if (!sub && ((e = weft_cinstance_new(h->rt, &sub)) ||\n"
        "                     (e = weft_cinstance_add_instance(h->rt, root, table[k].module, sub))))\n"
        "            return e;\n"
        "        if ((e = weft_cinstance_add_func(h->rt, sub, table[k].name, f))) return e;\n"
        "    }\n"
        "    if ((e = weft_component_instantiate(h->rt, h->comp, root, &exports))) return e;\n"
        "    for (size_t k = 0; $p__export_names[k]; k++) {\n"
        "        const weft_cfunc_type *want = NULL;\n"
        "        if ((e = weft_cinstance_find_func(exports, $p__export_names[k], &h->exports[k])) ||\n"
        "            (e = weft_wit_find_func(h->wit, $p__export_wit[k], &want))) {\n"
        "            weft_error *l = weft_error_new(WEFT_ERR_LINK, \"the component does not export %s \"\n"
        "                                           \"as world $w does: %s\",\n"
        "                                           $p__export_names[k], weft_error_message(e));\n"
        "            weft_error_free(e);\n"
        "            return l;\n"
        "        }\n"
        "        if (!weft_cfunc_type_equal(weft_cfunc_get_type(h->exports[k]), want))\n"
        "            return weft_error_new(WEFT_ERR_LINK, \"the component exports %s with another \"\n"
        "                                  \"type than world $w\", $p__export_names[k]);\n"
        "    }\n"
        "    return NULL;\n"
        "}\n\n"
        "weft_error *$p_host_new(weft_engine *e, weft_store *s, const uint8_t *bytes, size_t len,\n"
        "                        const $p_imports *imports, void *user, $p_host **out) {\n"
        "    if (!out) return weft_error_new(WEFT_ERR_USAGE, \"$p_host_new: out is NULL\");\n"
        "    *out = NULL;\n"
        "    if (!e || !s || !bytes || !imports)\n"
        "        return weft_error_new(WEFT_ERR_USAGE, \"$p_host_new: NULL argument\");\n"
        "    $p_host *h = calloc(1, sizeof *h);\n"
        "    if (!h) return weft_error_new(WEFT_ERR_NOMEM, \"out of memory\");\n"
        "    h->imports = *imports;\n"
        "    h->user = user;\n"
        "    weft_error *err;\n"
        "    if ((err = weft_wit_parse($p__wit, sizeof $p__wit - 1, \"<$p_host.c>\", &h->wit)) ||\n"
        "        (err = weft_component_new(e, bytes, len, &h->comp)) ||\n"
        "        (err = weft_component_runtime_new(s, &h->rt)) || (err = $p__link(h, imports))) {\n"
        "        $p_host_free(h);\n"
        "        return err;\n"
        "    }\n"
        "    *out = h;\n"
        "    return NULL;\n"
        "}\n\n"
        "void $p_host_free($p_host *h) {\n"
        "    if (!h) return;\n"
        "    weft_component_runtime_free(h->rt);\n"
        "    weft_component_free(h->comp);\n"
        "    weft_wit_free(h->wit);\n"
        "    free(h);\n"
        "}\n\n"
        "weft_component_runtime *$p_host_runtime($p_host *h) { return h ? h->rt : NULL; }\n");
    return bg_end(&g, &ex, &fs, "_host", out);
}

weft_error *bindgen_c_host_doc(const wit_doc *doc, const char *world, bindgen_files *out) {
    memset(out, 0, sizeof *out);
    const wit_world *w = NULL;
    weft_error *e = bindgen_pick_world(doc, world, &w);
    return e ? e : bindgen_c_host(w, out);
}
