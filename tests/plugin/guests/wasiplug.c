/* wasiplug.c: a plugin that uses WASI (files through wasi-libc) besides the Extism ABI, for the
 * tests of granted directories: reading and writing inside a preopen, and escapes that must fail.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENV(n) __attribute__((import_module("extism:host/env"), import_name(n)))
#define EXPORT(n) __attribute__((export_name(#n))) int32_t n(void)

ENV("input_length") uint64_t input_length(void);
ENV("input_load_u8") uint32_t input_load_u8(uint64_t);
ENV("alloc") uint64_t alloc(uint64_t);
ENV("store_u8") void store_u8(uint64_t, uint32_t);
ENV("output_set") void output_set(uint64_t, uint64_t);

static char *input(void) {
    size_t n = (size_t)input_length();
    char *s = malloc(n + 1);
    for (size_t i = 0; i < n; i++) s[i] = (char)input_load_u8(i);
    s[n] = 0;
    return s;
}

static void output(const char *s) {
    size_t n = strlen(s);
    uint64_t b = alloc(n);
    for (size_t i = 0; i < n; i++) store_u8(b + i, (uint8_t)s[i]);
    output_set(b, n);
}

/* Input "PATH": outputs the file's first line, or "error: <errno text>". */
EXPORT(read_file) {
    char *path = input(), line[256] = "";
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(line, sizeof line, "error: %s", strerror(errno));
    } else {
        if (!fgets(line, sizeof line, f)) line[0] = 0;
        fclose(f);
    }
    output(line);
    free(path);
    return 0;
}

/* Input "PATH=TEXT": writes TEXT to PATH; outputs "ok" or "error: <errno text>". */
EXPORT(write_file) {
    char *in = input(), msg[256] = "ok";
    char *eq = strchr(in, '=');
    if (!eq) {
        output("error: no =");
        return 1;
    }
    *eq = 0;
    FILE *f = fopen(in, "w");
    if (!f || fputs(eq + 1, f) < 0 || fclose(f) != 0)
        snprintf(msg, sizeof msg, "error: %s", strerror(errno));
    output(msg);
    free(in);
    return 0;
}
