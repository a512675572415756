/* catalog: the acme:shop/catalog@0.1.0 component (world catalog-service), freestanding C. It owns
 * the product table and answers lookup and list-skus from it; prices are only data here (the
 * pricing component does the arithmetic). Results point straight into the static table, so no
 * call allocates anything but its argument, which post-return frees. */
#include "../arena.h"
#include "../shop_abi.h"

#define EXPORT(name) __attribute__((export_name("acme:shop/catalog@0.1.0#" name)))
#define POST(name) __attribute__((export_name("cabi_post_acme:shop/catalog@0.1.0#" name)))

/* Tags the other components act on: the storefront gives "sale" lines 20% off, and pricing
 * leaves "no-coupon" lines out of a coupon's discount. */
static const cabi_string apple_tags[] = {CABI_LIT("fruit"), CABI_LIT("red")};
static const cabi_string pear_tags[] = {CABI_LIT("fruit"), CABI_LIT("sale")};
static const cabi_string fig_tags[] = {CABI_LIT("fruit"), CABI_LIT("dried")};
static const cabi_string gift_card_tags[] = {CABI_LIT("no-coupon")};

#define TAGS(a) {(a), sizeof(a) / sizeof(a)[0]}

static const shop_product products[] = {
    {CABI_LIT("apple"), CABI_LIT("Apple"), 120, TAGS(apple_tags)},
    {CABI_LIT("pear"), CABI_LIT("Pear"), 95, TAGS(pear_tags)},
    {CABI_LIT("fig"), CABI_LIT("Fig"), 250, TAGS(fig_tags)},
    {CABI_LIT("gift-card"), CABI_LIT("Gift card"), 2500, TAGS(gift_card_tags)},
};
#define PRODUCT_COUNT (sizeof products / sizeof products[0])

static int same(const char *a, size_t a_len, cabi_string b) {
    if (a_len != b.len) return 0;
    for (size_t i = 0; i < a_len; i++)
        if (a[i] != b.ptr[i]) return 0;
    return 1;
}

/* lookup(sku: string) -> option<product>. The string arrives flat as (pointer, length), in memory
 * the host took with cabi_realloc. option<product> flattens to 8 values, more than the one a core
 * function may return, so it goes to a return area whose address the function returns. */
static shop_maybe_product lookup_result;

EXPORT("lookup") shop_maybe_product *lookup(const char *sku, size_t sku_len) {
    lookup_result.is_some = 0;
    for (size_t i = 0; i < PRODUCT_COUNT; i++) {
        if (same(sku, sku_len, products[i].sku)) {
            lookup_result.is_some = 1;
            lookup_result.product = products[i];
            break;
        }
    }
    return &lookup_result;
}

/* Post-return: the host has copied the product out; the sku argument can go. */
POST("lookup") void lookup_post(shop_maybe_product *result) {
    (void)result;
    arena_reset();
}

/* list-skus() -> list<string>, through a return area too (a list is two flat values). */
static cabi_string skus[PRODUCT_COUNT];
static cabi_strings list_skus_result;

EXPORT("list-skus") cabi_strings *list_skus(void) {
    for (size_t i = 0; i < PRODUCT_COUNT; i++) skus[i] = products[i].sku;
    list_skus_result.ptr = skus;
    list_skus_result.len = PRODUCT_COUNT;
    return &list_skus_result;
}
