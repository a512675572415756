/* bindgen.h: C bindings for a WIT world: guest-side (`weft bindgen c`): bindgen_c.c writes a C header
 * and a C glue file with which a guest author implements the world's exports as plain C functions
 * and calls its imports as plain C functions, the glue doing the canonical ABI inside the guest.
 * Layouts and flattenings come from abi.c and export names from ccall.c, so the generated code and
 * weft's host agree. Reading WIT is wit.c's business; this only turns a parsed world into text
 * (and bindgen_write puts that text in a directory).
 */
#ifndef WEFT_COMPONENT_BINDGEN_H
#define WEFT_COMPONENT_BINDGEN_H

#include <stddef.h>

#include "component/wit.h"
#include "weft.h"

/* One generated file: its name ("my_world.h") and its text, both malloc'd. */
typedef struct bindgen_file {
    char *name;
    char *text;
    size_t len;
} bindgen_file;

/* The files generated for one world (for C: the header, then the glue). */
typedef struct bindgen_files {
    bindgen_file v[2];
    size_t n;
} bindgen_files;

/* Generates C bindings for world w into *out (which the caller frees with bindgen_files_free,
 * also after a failure). Returns NULL, or an error the caller frees: WEFT_ERR_UNSUPPORTED for
 * what the generator refuses (resources, own/borrow handles), WEFT_ERR_USAGE for a world whose
 * names collide once made C identifiers or whose types the canonical ABI refuses, WEFT_ERR_NOMEM.
 * w is borrowed and not kept. */
weft_error *bindgen_c(const wit_world *w, bindgen_files *out);

/* The same for the world named world of doc (wit_find_world's names), or, when world is NULL,
 * for the main package's only world. A world that is not there, or several to choose from, is a
 * WEFT_ERR_USAGE error saying so. */
weft_error *bindgen_c_doc(const wit_doc *doc, const char *world, bindgen_files *out);

/* Host-side bindings of world w (`weft bindgen c --host`): WORLD_host.h and WORLD_host.c, with
 * which an embedder calls a component of the world through typed C functions and implements its
 * imports as C function pointers, over include/weft_component.h (bindgen_host.c). Errors as
 * bindgen_c. */
weft_error *bindgen_c_host(const wit_world *w, bindgen_files *out);
weft_error *bindgen_c_host_doc(const wit_doc *doc, const char *world, bindgen_files *out);

/* The world a generator is asked for: the world named world of doc, or when world is NULL the
 * main package's only one. Errors: WEFT_ERR_USAGE saying which is missing or ambiguous. */
weft_error *bindgen_pick_world(const wit_doc *doc, const char *world, const wit_world **out);

/* Frees the files' names and texts and empties *f; a zeroed or emptied *f is fine. */
void bindgen_files_free(bindgen_files *f);

/* Writes every file of f into directory dir, which is created if it does not exist (its parent
 * must). Existing files of the same names are replaced. Returns NULL or an error the caller frees
 * (WEFT_ERR_USAGE naming the path and the reason). */
weft_error *bindgen_write(const bindgen_files *f, const char *dir);

#endif
