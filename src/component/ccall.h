/* ccall.h: calling the exports of a core module that follows the canonical ABI's naming (the
 * first way into components: a core module plus a WIT world): each function a world exports is
 * found under its core name (`ns:pkg/iface@ver#fn` for an interface's function, the bare name for
 * a world's own), and called with component values: arguments lowered into the module's memory,
 * results lifted out, the module's cabi_post_* run afterwards.
 */
#ifndef WEFT_COMPONENT_CCALL_H
#define WEFT_COMPONENT_CCALL_H

#include "component/abi.h"
#include "component/ctypes.h"
#include "component/wit.h"
#include "weft.h"

/* One function a world exports. */
typedef struct cc_export {
    char *core_name;       /* the core export's name (malloc'd) */
    const char *iface;     /* the interface's qualified or inline name; NULL for a world function */
    const ct_func *func;
} cc_export;

typedef struct cc_exports {
    cc_export *v;
    size_t n;
} cc_exports;

/* The functions world w exports. False when out of memory. */
bool cc_world_exports(const wit_world *w, cc_exports *out);
void cc_exports_free(cc_exports *e);

/* The unqualified name of an interface: *s and *len give "ops" of "acme:math/ops@0.1.0" (the
 * whole name when it has no package), pointing into q. */
void cc_short_iface(const char *q, const char **s, size_t *len);

/* The export a call names: its core name exactly (`acme:math/ops@0.1.0#add`), `iface#fn` with
 * the interface's unqualified name, or the function's short name when only one export has it.
 * NULL with a message in err (unknown, or ambiguous and which ones). */
const cc_export *cc_find(const cc_exports *e, const char *name, size_t len, char *err,
                         size_t errlen);

/* Calls export x of inst with args[0..x->func->nparams) and lifts its results into
 * results[0..x->func->nresults) (in arena). Checks that the core function has the signature
 * the canonical ABI gives x's type; runs cabi_post_<core name> if the module exports it. */
weft_error *cc_call(weft_store *s, weft_instance *inst, const cc_export *x, const cv *args,
                    cv_arena *arena, cv *results);

#endif
