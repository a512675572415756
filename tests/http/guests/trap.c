/* trap.c: a plugin-kind handler that traps (wasm's unreachable) before answering: the host must
 * answer 500 and keep serving. Freestanding; needs no SDK.
 */
__attribute__((export_name("handle"))) int handle(void) { __builtin_trap(); }
