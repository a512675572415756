/* demo.c: the program of `make demo`. Plain C compiled by Debian's clang to a freestanding
 * WebAssembly module (no libc, no imports), whose exports weft calls from the command line:
 * real work (recursion, a sieve in linear memory, floating point), then the engine's safety:
 * a trap with a backtrace, a runaway loop stopped by fuel, a runaway recursion stopped cleanly. */

#define NOINLINE __attribute__((noinline))

/* Recursive Fibonacci: many small calls. */
int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

/* Counts the primes below n with a sieve of Eratosthenes in linear memory. */
static unsigned char composite[1 << 20];
int primes_below(int n) {
    if (n > (int)sizeof composite) n = sizeof composite;
    for (int i = 0; i < n; i++) composite[i] = 0;
    int count = 0;
    for (int i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        for (long long j = (long long)i * i; j < n; j += i) composite[j] = 1;
    }
    return count;
}

/* Integrates 4 / (1 + x^2) over [0, 1] with the midpoint rule: approaches pi. */
double pi_approx(int steps) {
    double sum = 0, h = 1.0 / steps;
    for (int i = 0; i < steps; i++) {
        double x = (i + 0.5) * h;
        sum += 4.0 / (1.0 + x * x);
    }
    return sum * h;
}

/* The length of the longest Collatz sequence starting below n (64-bit arithmetic). */
int collatz_longest(int n) {
    int best = 0;
    for (int start = 1; start < n; start++) {
        unsigned long long x = (unsigned long long)start;
        int len = 1;
        while (x != 1) {
            x = (x & 1) ? 3 * x + 1 : x / 2;
            len++;
        }
        if (len > best) best = len;
    }
    return best;
}

/* Division by a count that may be zero: the trap names every function on the way. */
NOINLINE int divide(int a, int b) { return a / b; }
NOINLINE int average(int total, int count) { return divide(total, count); }
NOINLINE int report(int total, int count) { return average(total, count) + 0 * total; }

/* Never stops on its own: weft --fuel ends it. */
int spin(int x) {
    volatile int v = x;
    for (;;) v = v * 3 + 1;
}

/* Recurses as deep as asked: weft --max-call-depth ends it. */
NOINLINE int depth(int n) {
    volatile int here = n; /* read after the call, so the recursion stays a recursion */
    return n == 0 ? 0 : depth(n - 1) + (here > 0);
}
