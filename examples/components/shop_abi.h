/* shop_abi.h: the canonical ABI memory layout of the acme:shop types (wit/shop.wit) for the C
 * components, as C structs. The canonical ABI lays a record out as C lays out a struct on wasm32
 * (each field at its own alignment, the whole aligned to its widest field; pointers and size_t
 * are 32 bits), so these structs are read and written in place; the asserts pin each size to
 * the one the canonical ABI computes. Holds no code. */
#ifndef EXAMPLE_SHOP_ABI_H
#define EXAMPLE_SHOP_ABI_H
#include <stddef.h>
#include <stdint.h>

/* string: a pointer to UTF-8 bytes and their count (not NUL-terminated) */
typedef struct {
    const char *ptr;
    size_t len;
} cabi_string;

/* list<string> */
typedef struct {
    const cabi_string *ptr;
    size_t len;
} cabi_strings;

/* A string of a C literal, for static tables. */
#define CABI_LIT(s) {(s), sizeof(s) - 1}

/* acme:shop/catalog.product: sku 0, name 8, unit-cents 16, tags 24; 32 bytes, aligned to 8 */
typedef struct {
    cabi_string sku;
    cabi_string name;
    uint64_t unit_cents;
    cabi_strings tags;
} shop_product;
_Static_assert(sizeof(shop_product) == 32 && _Alignof(shop_product) == 8, "product layout");

/* option<product>, lookup's return area: a u8 discriminant (0 none, 1 some), product at 8 */
typedef struct {
    uint8_t is_some;
    shop_product product;
} shop_maybe_product;
_Static_assert(offsetof(shop_maybe_product, product) == 8 && sizeof(shop_maybe_product) == 40,
               "option<product> layout");

/* acme:shop/pricing.line: sku 0, qty 8, unit-cents 16, tags 24, discount-pct 32 (option<u8>:
 * discriminant, then the u8); 40 bytes, aligned to 8 */
typedef struct {
    cabi_string sku;
    uint32_t qty;
    uint64_t unit_cents;
    cabi_strings tags;
    uint8_t has_discount;
    uint8_t discount_pct;
} shop_line;
_Static_assert(offsetof(shop_line, has_discount) == 32 && sizeof(shop_line) == 40 &&
                   _Alignof(shop_line) == 8, "line layout");

/* result<u64, string>, price's return area: a u8 discriminant (0 ok, 1 err), payload at 8 */
typedef struct {
    uint8_t is_err;
    union {
        uint64_t total_cents;
        cabi_string error;
    } val;
} shop_price_result;
_Static_assert(offsetof(shop_price_result, val) == 8 && sizeof(shop_price_result) == 16,
               "result<u64, string> layout");

#endif
