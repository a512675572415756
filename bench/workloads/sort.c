/* sort.c: the sorting workload of weft's benchmark suite.
 * Recursive quicksort (median of three, insertion sort below a cutoff) and top-down merge sort
 * of a large generated int array, several rounds: recursion, calls and memory traffic.
 * argv[1] is the array length; prints one checksum line. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define DEFAULT_LEN 700000u
#define ROUNDS 3
#define SMALL 16

static uint32_t rng_state = 0x9e3779b9u;

static uint32_t rng_next(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void insertion_sort(int32_t *a, int32_t lo, int32_t hi) {
    for (int32_t i = lo + 1; i <= hi; i++) {
        int32_t v = a[i], j = i - 1;
        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void swap(int32_t *a, int32_t i, int32_t j) {
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
}

/* Recurses into the smaller half and loops on the larger, so depth stays logarithmic. */
static void quick_sort(int32_t *a, int32_t lo, int32_t hi) {
    while (hi - lo > SMALL) {
        int32_t mid = lo + (hi - lo) / 2;
        if (a[mid] < a[lo]) swap(a, mid, lo);
        if (a[hi] < a[lo]) swap(a, hi, lo);
        if (a[hi] < a[mid]) swap(a, hi, mid);
        int32_t pivot = a[mid], i = lo, j = hi;
        while (i <= j) {
            while (a[i] < pivot) i++;
            while (a[j] > pivot) j--;
            if (i <= j) swap(a, i++, j--);
        }
        if (j - lo < hi - i) {
            quick_sort(a, lo, j);
            lo = i;
        } else {
            quick_sort(a, i, hi);
            hi = j;
        }
    }
    insertion_sort(a, lo, hi);
}

static void merge_sort(int32_t *a, int32_t *tmp, int32_t lo, int32_t hi) {
    if (hi - lo <= SMALL) {
        insertion_sort(a, lo, hi);
        return;
    }
    int32_t mid = lo + (hi - lo) / 2;
    merge_sort(a, tmp, lo, mid);
    merge_sort(a, tmp, mid + 1, hi);
    if (a[mid] <= a[mid + 1]) return;
    int32_t i = lo, j = mid + 1, k = lo;
    while (i <= mid && j <= hi) tmp[k++] = a[i] <= a[j] ? a[i++] : a[j++];
    while (i <= mid) tmp[k++] = a[i++];
    while (j <= hi) tmp[k++] = a[j++];
    for (k = lo; k <= hi; k++) a[k] = tmp[k];
}

/* Fails (returns ~0) if unsorted; otherwise a position-weighted hash of the contents. */
static uint32_t check_and_hash(const int32_t *a, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        if (i > 0 && a[i - 1] > a[i]) return ~0u;
        h = (h ^ (uint32_t)a[i]) * 16777619u + i;
    }
    return h;
}

int main(int argc, char **argv) {
    uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : DEFAULT_LEN;
    if (n < 2) n = 2;
    int32_t *a = malloc(n * sizeof *a), *tmp = malloc(n * sizeof *tmp);
    if (!a || !tmp) return 1;
    uint32_t sum = 0;
    for (int round = 0; round < ROUNDS; round++) {
        /* Values in a limited range so there are many duplicates, plus some sorted runs. */
        for (uint32_t i = 0; i < n; i++)
            a[i] = (i % 1024 < 64) ? (int32_t)i : (int32_t)(rng_next() % (n * 4)) - (int32_t)n;
        quick_sort(a, 0, (int32_t)n - 1);
        uint32_t hq = check_and_hash(a, n);

        for (uint32_t i = 0; i < n; i++) a[i] = (int32_t)(rng_next() >> 1) - (1 << 30);
        merge_sort(a, tmp, 0, (int32_t)n - 1);
        uint32_t hm = check_and_hash(a, n);
        if (hq == ~0u || hm == ~0u) {
            printf("sort: result not sorted in round %d\n", round);
            return 1;
        }
        sum = sum * 31 + hq * 7 + hm;
    }
    printf("sort: n=%u checksum=%08x median=%d\n", (unsigned)n, (unsigned)sum, (int)a[n / 2]);
    free(a);
    free(tmp);
    return 0;
}
