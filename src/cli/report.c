/* report.c: how the CLI tells the user that something failed.
 * Errors become one line on stderr naming the file, kind, message and byte offset; traps get
 * their backtrace; each kind of failure maps to an exit status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_report_error(const char *file, const weft_error *e) {
    /* weft_error_format says kind, message and offset; NULL only when out of memory. */
    char *text = weft_error_format(e);
    const char *msg = weft_error_message(e);
    fprintf(stderr, "weft: %s: %s\n", file, text ? text : msg ? msg : "out of memory");
    free(text);
}

/* Prints the backtrace innermost first; a run of identical frames (deep recursion) is one line. */
void cli_report_trap(const weft_error *e)
{
    const char *msg = weft_error_message(e);
    fprintf(stderr, "weft: trap: %s\n", msg ? msg : "");
    size_t n = weft_error_frame_count(e);
    for (size_t i = 0; i < n;) {
        const char *name = weft_error_frame_name(e, i);
        size_t run = 1;
        while (i + run < n && strcmp(weft_error_frame_name(e, i + run), name) == 0)
            run++;
        if (run > 2) {
            fprintf(stderr, "  %zu-%zu: %s (%zu times)\n", i, i + run - 1, name, run);
        } else {
            for (size_t k = 0; k < run; k++)
                fprintf(stderr, "  %zu: %s\n", i + k, name);
        }
        i += run;
    }
    if (weft_error_frames_omitted(e))
        fprintf(stderr, "  ... %zu more frames\n", weft_error_frames_omitted(e));
}

int cli_report(const char *file, const weft_error *e) {
    switch (weft_error_kind_of(e)) {
    case WEFT_ERR_TRAP:
        cli_report_trap(e);
        return CLI_EXIT_TRAP;
    case WEFT_ERR_EXIT:
        /* The guest chose its status (WASI proc_exit); say nothing. */
        return weft_error_exit_code(e);
    default:
        cli_report_error(file, e);
        return CLI_EXIT_ERROR;
    }
}
