/* hcaller.c: fuse.sh's hostile caller, written against hcaller.h (`weft bindgen c`, world hcaller
 * of hcaller.wit). Each export of fwd forwards to the same import of acme:hostile/evil, linked to
 * the hostile component: its bad results (and its realloc handing out memory it does not have)
 * must trap in weft's fused copy, naming the hostile function. Built without libc. */
#include "hcaller.h"

#define F(fn) hcaller_exports_test_fuse_hostile_fwd_##fn
#define I(fn) hcaller_acme_hostile_evil_##fn

void F(bad_pointer)(hcaller_string_t *ret) { I(bad_pointer)(ret); }
void F(bad_utf8)(hcaller_string_t *ret) { I(bad_utf8)(ret); }
void F(bad_discriminant)(hcaller_option_u32_t *ret) { I(bad_discriminant)(ret); }
uint32_t F(bad_char)(void) { return I(bad_char)(); }
void F(misaligned_list)(hcaller_list_u32_t *ret) { I(misaligned_list)(ret); }
void F(huge_list)(hcaller_list_u64_t *ret) { I(huge_list)(ret); }
void F(bad_return_area)(hcaller_string_t *ret) { I(bad_return_area)(ret); }
uint32_t F(unreachable)(uint32_t x) { return I(unreachable)(x); }
uint32_t F(bad_realloc)(hcaller_string_t *s) { return I(bad_realloc)(s); }
uint32_t F(fine)(hcaller_string_t *s) { return I(fine)(s); }
void F(grown)(hcaller_string_t *ret) { I(grown)(ret); }
