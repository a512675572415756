/* spin.c: a plugin-kind handler that loops forever without calling the host: only the route's
 * timeout stops it, and the host must answer 504. Freestanding; needs no SDK.
 */
__attribute__((export_name("handle"))) int handle(void) {
    volatile unsigned long long turns = 0; /* volatile: the loop must not be optimized away */
    for (;;) turns++;
}
