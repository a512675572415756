/* pack.c: a small file compressor, the "real program" of the WASI tests: LZ77 over a 32 KiB
 * window (hash chains) with canonical Huffman codes per block, deflate's length and distance
 * classes, and a checksum of the original. Modes:
 *   pack c IN OUT             compress       pack d IN OUT     decompress (checks everything)
 *   pack gen KIND SIZE OUT    write a deterministic test input (text, binary, zeros, mixed)
 * Output must be byte-identical between the wasm32 and the native build.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "WPK1"
#define WINDOW 32768u
#define MIN_MATCH 3u
#define MAX_MATCH 258u
#define HASH_BITS 15
#define MAX_CHAIN 48      /* candidates tried per position: speed against ratio */
#define BLOCK_BYTES 131072u /* input bytes per block before a new set of codes */
#define MAX_BITS 15
#define NUM_LITLEN 286 /* 0-255 literals, 256 end of block, 257-285 lengths */
#define NUM_DIST 30
#define END_OF_BLOCK 256

/* RFC 1951's length and distance classes: a base value and extra bits per code. */
static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* ---- buffers and files ---------------------------------------------------------------- */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} buffer;

static void die(const char *msg) {
    fprintf(stderr, "pack: %s\n", msg);
    exit(1);
}

static void buf_put(buffer *b, uint8_t byte) {
    if (b->len == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 4096;
        b->data = realloc(b->data, b->cap);
        if (!b->data)
            die("out of memory");
    }
    b->data[b->len++] = byte;
}

static buffer read_file(const char *path) {
    buffer b = {0};
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    uint8_t chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        for (size_t i = 0; i < n; i++)
            buf_put(&b, chunk[i]);
    if (ferror(f))
        die("read error");
    fclose(f);
    return b;
}

static void write_file(const char *path, const uint8_t *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f || (len && fwrite(data, 1, len, f) != len) || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static uint32_t fnv32(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* ---- bit streams (least significant bit first) ---------------------------------------- */

typedef struct {
    buffer *out;
    uint32_t acc;
    unsigned count;
} bit_writer;

static void put_bits(bit_writer *w, uint32_t value, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        w->acc |= ((value >> i) & 1u) << w->count;
        if (++w->count == 8) {
            buf_put(w->out, (uint8_t)w->acc);
            w->acc = 0;
            w->count = 0;
        }
    }
}

static void flush_bits(bit_writer *w) {
    if (w->count)
        buf_put(w->out, (uint8_t)w->acc);
    w->acc = 0;
    w->count = 0;
}

typedef struct {
    const uint8_t *data;
    size_t len, pos; /* pos in bits */
} bit_reader;

static int get_bit(bit_reader *r) {
    if (r->pos >= r->len * 8)
        return -1;
    int bit = (r->data[r->pos >> 3] >> (r->pos & 7)) & 1;
    r->pos++;
    return bit;
}

/* n <= 32 bits, or -1 past the end (int64_t: long is 32 bits on wasm32) */
static int64_t get_bits(bit_reader *r, unsigned n) {
    int64_t v = 0;
    for (unsigned i = 0; i < n; i++) {
        int b = get_bit(r);
        if (b < 0)
            return -1;
        v |= (int64_t)b << i;
    }
    return v;
}

/* ---- Huffman codes -------------------------------------------------------------------- */

/* Code lengths for freq[0..n), none longer than MAX_BITS: build the tree by repeatedly joining
 * the two lightest nodes (ties go to the lower index, so every build gives the same codes);
 * when a code comes out too long, flatten the frequencies and build again. */
static void build_lengths(const uint32_t *freq_in, int n, uint8_t *lengths) {
    uint32_t freq[NUM_LITLEN];
    memcpy(freq, freq_in, (size_t)n * sizeof freq[0]);
    for (;;) {
        uint64_t weight[2 * NUM_LITLEN];
        int parent[2 * NUM_LITLEN], alive[2 * NUM_LITLEN];
        int nodes = 0, used = 0;
        for (int i = 0; i < n; i++) {
            weight[i] = freq[i];
            parent[i] = -1;
            alive[i] = freq[i] > 0;
            used += alive[i];
        }
        nodes = n;
        memset(lengths, 0, (size_t)n);
        if (used == 0)
            return;
        if (used == 1) {
            for (int i = 0; i < n; i++)
                if (freq[i])
                    lengths[i] = 1;
            return;
        }
        for (int left = used; left > 1; left--) {
            int a = -1, b = -1;
            for (int i = 0; i < nodes; i++) {
                if (!alive[i])
                    continue;
                if (a < 0 || weight[i] < weight[a]) {
                    b = a;
                    a = i;
                } else if (b < 0 || weight[i] < weight[b]) {
                    b = i;
                }
            }
            weight[nodes] = weight[a] + weight[b];
            parent[nodes] = -1;
            alive[nodes] = 1;
            alive[a] = alive[b] = 0;
            parent[a] = parent[b] = nodes;
            nodes++;
        }
        int too_long = 0;
        for (int i = 0; i < n; i++) {
            if (!freq[i])
                continue;
            int depth = 0;
            for (int p = parent[i]; p >= 0; p = parent[p])
                depth++;
            if (depth > MAX_BITS)
                too_long = 1;
            lengths[i] = (uint8_t)depth;
        }
        if (!too_long)
            return;
        for (int i = 0; i < n; i++)
            if (freq[i])
                freq[i] = (freq[i] >> 1) | 1;
    }
}

/* Canonical codes from lengths: shorter codes first, then by symbol. 0 when the lengths do not
 * form a usable prefix code. */
static int assign_codes(const uint8_t *lengths, int n, uint16_t *codes) {
    unsigned count[MAX_BITS + 1] = {0}, next[MAX_BITS + 2] = {0};
    for (int i = 0; i < n; i++)
        count[lengths[i]]++;
    count[0] = 0;
    unsigned code = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        code = (code + count[len - 1]) << 1;
        next[len] = code;
        if (code + count[len] > (1u << len))
            return 0; /* oversubscribed */
    }
    for (int i = 0; i < n; i++)
        if (lengths[i])
            codes[i] = (uint16_t)next[lengths[i]]++;
    return 1;
}

static void put_code(bit_writer *w, uint16_t code, uint8_t len) {
    for (int i = len - 1; i >= 0; i--)
        put_bits(w, (code >> i) & 1u, 1);
}

typedef struct {
    uint16_t count[MAX_BITS + 1], first[MAX_BITS + 1], index[MAX_BITS + 1];
    uint16_t symbols[NUM_LITLEN];
} decoder;

static int decoder_init(decoder *d, const uint8_t *lengths, int n) {
    uint16_t codes[NUM_LITLEN];
    if (!assign_codes(lengths, n, codes))
        return 0;
    memset(d, 0, sizeof *d);
    for (int i = 0; i < n; i++)
        d->count[lengths[i]]++;
    d->count[0] = 0;
    unsigned code = 0, index = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        d->first[len] = (uint16_t)code;
        d->index[len] = (uint16_t)index;
        index += d->count[len];
        code = (code + d->count[len]) << 1;
    }
    unsigned fill[MAX_BITS + 1];
    for (int len = 0; len <= MAX_BITS; len++)
        fill[len] = d->index[len];
    for (int i = 0; i < n; i++)
        if (lengths[i])
            d->symbols[fill[lengths[i]]++] = (uint16_t)i;
    return 1;
}

static int decode_symbol(const decoder *d, bit_reader *r) {
    unsigned code = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        int b = get_bit(r);
        if (b < 0)
            return -1;
        code |= (unsigned)b;
        if (code - d->first[len] < d->count[len])
            return d->symbols[d->index[len] + code - d->first[len]];
        code <<= 1;
    }
    return -1;
}

/* ---- compression ---------------------------------------------------------------------- */

typedef struct {
    uint16_t litlen; /* literal byte, or match length */
    uint16_t dist;   /* 0 for a literal */
} token;

static int len_code(unsigned len) {
    int c = 28;
    while (len_base[c] > len)
        c--;
    return c;
}

static int dist_code(unsigned dist) {
    int c = 29;
    while (dist_base[c] > dist)
        c--;
    return c;
}

static void emit_block(bit_writer *w, const token *t, size_t n, uint32_t raw_len) {
    uint32_t lf[NUM_LITLEN] = {0}, df[NUM_DIST] = {0};
    for (size_t i = 0; i < n; i++) {
        if (t[i].dist == 0) {
            lf[t[i].litlen]++;
        } else {
            lf[257 + len_code(t[i].litlen)]++;
            df[dist_code(t[i].dist)]++;
        }
    }
    lf[END_OF_BLOCK]++;
    uint8_t ll[NUM_LITLEN], dl[NUM_DIST];
    uint16_t lc[NUM_LITLEN], dc[NUM_DIST];
    build_lengths(lf, NUM_LITLEN, ll);
    build_lengths(df, NUM_DIST, dl);
    if (!assign_codes(ll, NUM_LITLEN, lc) || !assign_codes(dl, NUM_DIST, dc))
        die("internal error: bad code lengths");

    put_bits(w, raw_len, 32);
    for (int i = 0; i < NUM_LITLEN; i++)
        put_bits(w, ll[i], 4);
    for (int i = 0; i < NUM_DIST; i++)
        put_bits(w, dl[i], 4);
    for (size_t i = 0; i < n; i++) {
        if (t[i].dist == 0) {
            put_code(w, lc[t[i].litlen], ll[t[i].litlen]);
            continue;
        }
        int c = len_code(t[i].litlen);
        put_code(w, lc[257 + c], ll[257 + c]);
        put_bits(w, t[i].litlen - len_base[c], len_extra[c]);
        c = dist_code(t[i].dist);
        put_code(w, dc[c], dl[c]);
        put_bits(w, t[i].dist - dist_base[c], dist_extra[c]);
    }
    put_code(w, lc[END_OF_BLOCK], ll[END_OF_BLOCK]);
}

static uint32_t hash3(const uint8_t *p) {
    return ((uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2]) * 2654435761u >> (32 - HASH_BITS);
}

static buffer compress(const uint8_t *in, size_t len) {
    buffer out = {0};
    for (int i = 0; i < 4; i++)
        buf_put(&out, (uint8_t)MAGIC[i]);
    for (int i = 0; i < 8; i++)
        buf_put(&out, (uint8_t)((uint64_t)len >> (8 * i)));
    uint32_t sum = fnv32(in, len);
    for (int i = 0; i < 4; i++)
        buf_put(&out, (uint8_t)(sum >> (8 * i)));

    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
    int32_t *prev = malloc(sizeof(int32_t) * WINDOW);
    token *tokens = malloc(sizeof(token) * BLOCK_BYTES);
    if (!head || !prev || !tokens)
        die("out of memory");
    for (size_t i = 0; i < (1u << HASH_BITS); i++)
        head[i] = -1;
    bit_writer w = {&out, 0, 0};
    size_t pos = 0, ntok = 0, block_start = 0;
    while (pos < len) {
        unsigned best_len = 0, best_dist = 0;
        if (pos + MIN_MATCH <= len) {
            uint32_t h = hash3(in + pos);
            int32_t cand = head[h];
            unsigned max = len - pos < MAX_MATCH ? (unsigned)(len - pos) : MAX_MATCH;
            for (int chain = 0; cand >= 0 && chain < MAX_CHAIN; chain++) {
                size_t dist = pos - (size_t)cand;
                if (dist > WINDOW)
                    break;
                const uint8_t *a = in + pos, *b = in + cand;
                if (b[best_len] == a[best_len]) {
                    unsigned l = 0;
                    while (l < max && a[l] == b[l])
                        l++;
                    if (l > best_len) {
                        best_len = l;
                        best_dist = (unsigned)dist;
                        if (l == max)
                            break;
                    }
                }
                int32_t next = prev[cand & (WINDOW - 1)];
                if (next >= cand)
                    break; /* the slot was reused by a newer position */
                cand = next;
            }
        }
        unsigned step = best_len >= MIN_MATCH ? best_len : 1;
        if (best_len >= MIN_MATCH)
            tokens[ntok++] = (token){(uint16_t)best_len, (uint16_t)best_dist};
        else
            tokens[ntok++] = (token){in[pos], 0};
        for (unsigned k = 0; k < step; k++, pos++) {
            if (pos + MIN_MATCH <= len) {
                uint32_t h = hash3(in + pos);
                prev[pos & (WINDOW - 1)] = head[h];
                head[h] = (int32_t)pos;
            }
        }
        if (pos - block_start >= BLOCK_BYTES || pos == len || ntok == BLOCK_BYTES) {
            emit_block(&w, tokens, ntok, (uint32_t)(pos - block_start));
            ntok = 0;
            block_start = pos;
        }
    }
    flush_bits(&w);
    free(head);
    free(prev);
    free(tokens);
    return out;
}

/* ---- decompression -------------------------------------------------------------------- */

static buffer decompress(const uint8_t *in, size_t len) {
    if (len < 16 || memcmp(in, MAGIC, 4) != 0)
        die("not a pack file");
    uint64_t total = 0;
    for (int i = 0; i < 8; i++)
        total |= (uint64_t)in[4 + i] << (8 * i);
    uint32_t sum = 0;
    for (int i = 0; i < 4; i++)
        sum |= (uint32_t)in[12 + i] << (8 * i);
    if (total > ((uint64_t)1 << 31))
        die("corrupt: impossible length");
    buffer out = {0};
    out.cap = total ? (size_t)total : 1;
    out.data = malloc(out.cap);
    if (!out.data)
        die("out of memory");
    bit_reader r = {in + 16, len - 16, 0};
    static decoder lit, dist;
    while (out.len < total) {
        int64_t raw = get_bits(&r, 32);
        if (raw <= 0 || (uint64_t)raw > total - out.len)
            die("corrupt: bad block length");
        size_t block_end = out.len + (size_t)raw;
        uint8_t ll[NUM_LITLEN], dl[NUM_DIST];
        for (int i = 0; i < NUM_LITLEN; i++) {
            int64_t v = get_bits(&r, 4);
            if (v < 0)
                die("corrupt: truncated code lengths");
            ll[i] = (uint8_t)v;
        }
        for (int i = 0; i < NUM_DIST; i++) {
            int64_t v = get_bits(&r, 4);
            if (v < 0)
                die("corrupt: truncated code lengths");
            dl[i] = (uint8_t)v;
        }
        if (!decoder_init(&lit, ll, NUM_LITLEN) || !decoder_init(&dist, dl, NUM_DIST))
            die("corrupt: bad code lengths");
        for (;;) {
            int sym = decode_symbol(&lit, &r);
            if (sym < 0)
                die("corrupt: bad literal/length code");
            if (sym == END_OF_BLOCK)
                break;
            if (sym < 256) {
                if (out.len >= block_end)
                    die("corrupt: block too long");
                out.data[out.len++] = (uint8_t)sym;
                continue;
            }
            if (sym - 257 >= 29)
                die("corrupt: bad length code");
            int64_t extra = get_bits(&r, len_extra[sym - 257]);
            int dsym = extra < 0 ? -1 : decode_symbol(&dist, &r);
            if (dsym < 0 || dsym >= NUM_DIST)
                die("corrupt: bad distance code");
            int64_t dextra = get_bits(&r, dist_extra[dsym]);
            if (dextra < 0)
                die("corrupt: truncated distance");
            size_t mlen = len_base[sym - 257] + (size_t)extra;
            size_t mdist = dist_base[dsym] + (size_t)dextra;
            if (mdist > out.len || mlen > block_end - out.len)
                die("corrupt: match out of range");
            for (size_t k = 0; k < mlen; k++, out.len++)
                out.data[out.len] = out.data[out.len - mdist];
        }
        if (out.len != block_end)
            die("corrupt: block length mismatch");
    }
    if (fnv32(out.data, out.len) != sum)
        die("corrupt: checksum mismatch");
    return out;
}

/* ---- test inputs ---------------------------------------------------------------------- */

static uint32_t rng_state = 2463534242u;
static uint32_t rng(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static buffer generate(const char *kind, size_t size) {
    static const char *words[] = {"the", "engine", "reads", "bytes", "from", "memory", "and",
                                  "never", "opens", "files", "a", "module", "becomes", "instances",
                                  "which", "serve", "plugins", "guest", "host", "sandbox", "of",
                                  "directory", "capability", "to", "is", "WebAssembly", "interpreter"};
    buffer b = {0};
    if (strcmp(kind, "text") == 0) {
        size_t col = 0;
        while (b.len < size) {
            const char *w = words[rng() % (sizeof words / sizeof words[0])];
            for (const char *p = w; *p && b.len < size; p++, col++)
                buf_put(&b, (uint8_t)*p);
            if (b.len < size) {
                int nl = col > 70 || rng() % 23 == 0;
                buf_put(&b, nl ? '\n' : ' ');
                col = nl ? 0 : col + 1;
            }
        }
    } else if (strcmp(kind, "binary") == 0) {
        while (b.len < size)
            buf_put(&b, (uint8_t)(rng() >> 11));
    } else if (strcmp(kind, "zeros") == 0) {
        while (b.len < size)
            buf_put(&b, 0);
    } else if (strcmp(kind, "mixed") == 0) {
        /* runs of structure and noise: numbers, repeated records, random stretches */
        while (b.len < size) {
            /* one rng() call per statement: argument evaluation order differs between compilers */
            uint32_t r = rng() % 3, x1 = rng(), x2 = rng();
            char rec[64];
            if (r == 0)
                snprintf(rec, sizeof rec, "record %u: value=%u;\n", x1 % 1000, x2 % 50);
            else if (r == 1)
                snprintf(rec, sizeof rec, "%08x%08x", x1, x2);
            else
                snprintf(rec, sizeof rec, "aaaaaaaaaaaaaaaabbbbbbbb");
            for (const char *p = rec; *p && b.len < size; p++)
                buf_put(&b, (uint8_t)*p);
        }
    } else {
        die("unknown kind (text, binary, zeros, mixed)");
    }
    return b;
}

int main(int argc, char **argv) {
    if (argc == 4 && strcmp(argv[1], "c") == 0) {
        buffer in = read_file(argv[2]);
        buffer out = compress(in.data, in.len);
        write_file(argv[3], out.data, out.len);
        printf("compressed %zu -> %zu bytes\n", in.len, out.len);
        free(in.data);
        free(out.data);
        return 0;
    }
    if (argc == 4 && strcmp(argv[1], "d") == 0) {
        buffer in = read_file(argv[2]);
        buffer out = decompress(in.data, in.len);
        write_file(argv[3], out.data, out.len);
        printf("decompressed %zu -> %zu bytes\n", in.len, out.len);
        free(in.data);
        free(out.data);
        return 0;
    }
    if (argc == 5 && strcmp(argv[1], "gen") == 0) {
        buffer b = generate(argv[2], (size_t)strtoul(argv[3], NULL, 10));
        write_file(argv[4], b.data, b.len);
        printf("generated %s, %zu bytes, fnv %08x\n", argv[2], b.len, (unsigned)fnv32(b.data, b.len));
        free(b.data);
        return 0;
    }
    fprintf(stderr, "usage: pack c IN OUT | pack d IN OUT | pack gen KIND SIZE OUT\n");
    return 2;
}
