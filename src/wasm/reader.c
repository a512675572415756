/* reader.c: error recording for the bounds-checked byte reader (reader.h). */
#include "reader.h"

void rd_error(reader *r, size_t offset, weft_error_kind kind, const char *fmt, ...) {
    if (r->err->set) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err->msg, sizeof r->err->msg, fmt, ap);
    va_end(ap);
    r->err->set = true;
    r->err->kind = kind;
    r->err->offset = (int64_t)offset;
}
