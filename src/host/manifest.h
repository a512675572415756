/* manifest.h: the app manifest of `weft up` (YAML): its name, HTTP server settings, components
 * with their sources, grants and limits, and HTTP routes, parsed strictly into plain structs.
 * Loading modules, opening listeners and serving requests are other files' business.
 *
 * Ownership: a manifest owns every string, array and compiled route reachable from it;
 * manifest_free releases them all. Nothing in it is shared with the YAML text it came from.
 */
#ifndef WEFT_HOST_MANIFEST_H
#define WEFT_HOST_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trigger/route.h"

/* Defaults of the http section. */
#define MANIFEST_DEFAULT_LISTEN "127.0.0.1:3000"
#define MANIFEST_DEFAULT_QUEUE 64u
#define MANIFEST_DEFAULT_MAX_BODY (10ull << 20)   /* 10 MiB */
#define MANIFEST_DEFAULT_MAX_HEADER (16ull << 10) /* 16 KiB */
#define MANIFEST_DEFAULT_IDLE_MS 30000ull         /* 30 s */

/* Limits on the manifest itself, so a mistaken file fails fast instead of eating memory. */
#define MANIFEST_MAX_BYTES (4u << 20) /* size of the YAML text */
#define MANIFEST_MAX_DEPTH 32         /* nesting of mappings and lists; a manifest needs 5 */
#define MANIFEST_MAX_ID 64            /* bytes in the app name and a component id */
#define MANIFEST_MAX_WORKERS 4096u
#define MANIFEST_MAX_QUEUE 1000000u

typedef struct mf_kv {
    char *key, *value;
} mf_kv;

typedef struct mf_dir {
    char *host, *guest; /* host: resolved like source */
    bool read_only;
} mf_dir;

typedef enum mf_kind { MF_KIND_WAGI = 0, MF_KIND_PLUGIN = 1, MF_KIND_COMPONENT = 2 } mf_kind;

/* A component binary's import satisfied by another component of the app (linking by
 * interface): `imports: {acme:shop/pricing@0.1.0: pricing}`. */
typedef struct mf_import {
    char *name;       /* the import's name, as the component binary spells it */
    size_t component; /* index into the manifest's components */
    int line, col;
} mf_import;

typedef struct mf_component {
    char *id;
    char *source; /* resolved path */
    mf_kind kind;
    bool kind_set;  /* false: the loader picks (a module exporting _start is wagi) */
    char *function; /* NULL: the kind's default ("_start" for wagi, "handle" for plugin) */
    mf_kv *config;
    size_t nconfig;
    mf_kv *env;
    size_t nenv;
    mf_dir *dirs;
    size_t ndirs;
    char **allowed_hosts;
    size_t nallowed_hosts;
    uint64_t max_memory; /* bytes; 0 = default */
    uint64_t fuel;       /* 0 = unlimited */
    uint64_t timeout_ms; /* 0 = none */
    mf_import *imports;  /* kind component: which components satisfy its imports */
    size_t nimports;
    int line, col;       /* where the component is declared, for later error messages */
} mf_component;

typedef struct mf_route {
    char *pattern;
    struct route *compiled; /* from route_compile */
    char **methods;
    size_t nmethods;  /* 0 = any method */
    size_t component; /* index into components */
    mf_kv *headers;
    size_t nheaders;
    int line, col;
} mf_route;

typedef struct manifest {
    char *path; /* as given (for messages); "" for a manifest built in code */
    char *dir;  /* directory relative paths were resolved against */
    char *name;
    char *listen;     /* never NULL after parsing */
    char *admin;      /* NULL: no admin server */
    unsigned workers; /* 0: one per core */
    unsigned queue;
    uint64_t max_body, max_header, idle_timeout_ms;
    mf_component *components;
    size_t ncomponents;
    mf_route *routes; /* in file order */
    size_t nroutes;
} manifest;

/* Reads and parses the file at path. On failure returns NULL and sets *err to a malloc'd
 * "path:line:col: message" (the caller frees); when the file cannot be read the message is
 * "path: cannot read manifest: <strerror>" and when memory runs out "path: out of memory" (or *err
 * is NULL if even that message found no memory). err may be NULL. */
manifest *manifest_load(const char *path, char **err);

/* The same from text already in memory (not retained; need not be NUL-terminated); path is used
 * in messages and its directory for relative paths (NULL counts as ""). */
manifest *manifest_parse(const char *text, size_t len, const char *path, char **err);

/* A manifest with defaults filled in and no components or routes, for `weft serve` to fill in
 * code (strings it adds must be malloc'd; manifest_free frees them). NULL when out of memory. */
manifest *manifest_new(void);

/* NULL is a no-op; frees every string, array and compiled route. */
void manifest_free(manifest *m);

/* Parsers exposed for the CLI: "16MiB" -> bytes (a plain integer is bytes; suffixes B, KB, MB, GB
 * are powers of 1000, KiB, MiB, GiB powers of 1024), "500ms" -> ms (a plain integer is ms;
 * suffixes ms, s, m). Return false on a bad or overflowing value (then *out is unchanged). */
bool manifest_parse_size(const char *s, uint64_t *out);
bool manifest_parse_duration_ms(const char *s, uint64_t *out);

/* Routes a request: the index of the most specific route whose pattern matches path (raw, no
 * query) and whose methods include method (case-sensitive; a route allowing GET also allows
 * HEAD), or -1. params and *nparams as
 * route_match for that route. When -1 is returned and some route matched the path with another
 * method, *wrong_method (if not NULL) is set to true (answer 405), otherwise false (404). */
long manifest_match(const manifest *m, const char *method, const char *path, size_t len,
                    route_param *params, size_t *nparams, bool *wrong_method);

#endif
