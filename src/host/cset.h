/* cset.h: component sets: the instances one request of a component-kind app component runs in.
 * A set is the root component and every component it imports from (following the manifest's
 * `imports`, each component instantiated once per set), linked by interface in one store: calls
 * between them copy values through the canonical ABI from one memory to another. A set is
 * snapshotted once made and reset before each request, so every request sees fresh instances;
 * sets are pooled by the app like plugin instances. Timeouts are enforced by the app's watchdog
 * (app_watch_*), fuel and memory by the store.
 */
#ifndef WEFT_HOST_CSET_H
#define WEFT_HOST_CSET_H

#include <stdatomic.h>
#include <stdbool.h>

#include "component/cinst.h"
#include "weft.h"

struct app;

typedef struct cset {
    weft_store *store;
    crt *rt;
    cinst *exports;            /* the root's */
    cfunc *entry;              /* the root's export requests call (app_component.function), or
                                  NULL when it has none (a component only linked to) */
    bool entry_checked;        /* the trigger checked entry's type once (for its own use) */
    weft_instance **insts;     /* core instances with state to restore, and their snapshots */
    weft_snapshot **snaps;
    size_t nsnaps;
    uint64_t fuel;             /* per request; 0 = unlimited */
    atomic_llong deadline_ns;  /* 0 = none; the watchdog interrupts the store past it */
    atomic_bool timed_out;
} cset;

/* A new set for component root of a (kind component). Errors (malloc'd) name the components:
 * an import cycle, an import no exported interface satisfies, a link or instantiation error. */
cset *cset_new(struct app *a, size_t root, char **err);
/* Restores every instance of the set to its state after instantiation, and the fuel. */
weft_error *cset_reset(cset *s);
void cset_free(cset *s);

#endif
