/* linker.h: lookups in a weft_linker, for instance.c. */
#ifndef WEFT_LINKER_H
#define WEFT_LINKER_H

#include <stdbool.h>
#include <stddef.h>

#include "weft.h"

/* Finds the latest definition of module.name; false if there is none (or l is NULL). */
bool linker_lookup(const weft_linker *l, const char *module, size_t module_len, const char *name,
                   size_t name_len, weft_extern *out);

#endif
