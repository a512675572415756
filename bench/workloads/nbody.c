/* nbody.c: the n-body floating-point workload of weft's benchmark suite.
 * Gravitational simulation of generated bodies (softened forces, semi-implicit Euler steps):
 * doubles, sqrt and division in an O(n^2) inner loop. argv[1] is the number of steps; prints
 * one checksum line with the energy before and after and a hash of the final state's bits. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STEPS 200000
#define BODIES 24
#define DT 0.001
#define SOFTENING 0.01

typedef struct body {
    double x, y, z, vx, vy, vz, mass;
} body;

static uint32_t rng_state = 0x6b43a9b5u;

/* A double in [lo, hi) from 24 random bits: exactly representable, same on every target. */
static double rng_range(double lo, double hi) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return lo + (hi - lo) * (double)(rng_state >> 8) / 16777216.0;
}

static double energy(const body *b, int n) {
    double e = 0;
    for (int i = 0; i < n; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz + SOFTENING);
        }
    }
    return e;
}

static void step(body *b, int n, double dt) {
    for (int i = 0; i < n; i++) {
        for (int j = i + 1; j < n; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz + SOFTENING;
            double mag = dt / (d2 * sqrt(d2));
            double mi = b[i].mass * mag, mj = b[j].mass * mag;
            b[i].vx -= dx * mj, b[i].vy -= dy * mj, b[i].vz -= dz * mj;
            b[j].vx += dx * mi, b[j].vy += dy * mi, b[j].vz += dz * mi;
        }
    }
    for (int i = 0; i < n; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

int main(int argc, char **argv) {
    uint32_t steps = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_STEPS;
    body b[BODIES];
    for (int i = 0; i < BODIES; i++) {
        b[i].x = rng_range(-10, 10), b[i].y = rng_range(-10, 10), b[i].z = rng_range(-2, 2);
        b[i].vx = rng_range(-1, 1), b[i].vy = rng_range(-1, 1), b[i].vz = rng_range(-0.1, 0.1);
        b[i].mass = rng_range(0.5, 5);
    }
    double e0 = energy(b, BODIES);
    for (uint32_t s = 0; s < steps; s++) step(b, BODIES, DT);
    double e1 = energy(b, BODIES);

    /* Hash of the exact bits of every coordinate: any rounding difference shows. */
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < BODIES; i++) {
        double v[6] = {b[i].x, b[i].y, b[i].z, b[i].vx, b[i].vy, b[i].vz};
        for (int k = 0; k < 6; k++) {
            uint64_t bits;
            memcpy(&bits, &v[k], sizeof bits);
            h = (h ^ bits) * 1099511628211ull;
        }
    }
    printf("nbody: steps=%u e0=%.12f e1=%.12f bits=%016llx\n", (unsigned)steps, e0, e1,
           (unsigned long long)h);
    return 0;
}
