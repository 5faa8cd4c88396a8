/* test_hostile_manifest.c - issue 24, item 8 and Deliver 4: integrity you
 * can choose. SHA-256 against the NIST vectors (FIPS 180-4 examples) and
 * its speed; stage manifests that catch a model altered so that its CRC32
 * still holds, refuse an older manifest without SHA-256s, never block on
 * a FIFO, and list each input with its SHA-256; `edd reproduce` redoing a
 * model altered behind its CRC32. Each table row is one case: a new
 * hostile input is one more row. */
#include <criterion/criterion.h>

#include "experiments.h"
#include "manifest.h"
#include "edd/sha256.h"
#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

TestSuite(hostile_manifest, .timeout = 300);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- SHA-256 ---- */

Test(hostile_manifest, sha256_nist_vectors)
{
    static const struct {
        const char *name, *msg;
        long repeat; /* the message this many times */
        const char *hex;
    } rows[] = {
        {"abc", "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"the empty string", "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"448 bits", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"a million a", "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
        {"896 bits",
         "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrst"
         "nopqrstu", 1, "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const size_t len = strlen(rows[i].msg), total = len * (size_t)rows[i].repeat;
        char *all = malloc(total + 1);
        cr_assert(all);
        for (long k = 0; k < rows[i].repeat; k++)
            memcpy(all + (size_t)k * len, rows[i].msg, len);
        unsigned char d[EDD_SHA256_BYTES];
        char hex[EDD_SHA256_HEX];
        edd_sha256_bytes(all, total, d);
        edd_sha256_hex(d, hex);
        cr_assert_str_eq(hex, rows[i].hex, "%s in one call", rows[i].name);
        /* the same bytes in uneven pieces, across block boundaries */
        static const size_t piece[] = {1, 63, 64, 65, 997};
        edd_sha256 s;
        edd_sha256_init(&s);
        for (size_t off = 0, k = 0; off < total; k++) {
            size_t n = piece[k % 5] < total - off ? piece[k % 5] : total - off;
            edd_sha256_update(&s, all + off, n);
            off += n;
        }
        edd_sha256_final(&s, d);
        edd_sha256_hex(d, hex);
        cr_assert_str_eq(hex, rows[i].hex, "%s in pieces", rows[i].name);
        free(all);
    }
}

/* What SHA-256 costs: the manifests hash every output on each run (a
 * paper-scale sigma array is 12 MB, a model 2.8 MB), and each MPI rank
 * hashes the data's four files at start. */
Test(hostile_manifest, sha256_speed)
{
    char data[4096];
    mnist_dir_or_skip(data, sizeof data);
    const size_t n = 64u << 20;
    unsigned char *big = calloc(n, 1), d[EDD_SHA256_BYTES];
    cr_assert(big);
    const clock_t c0 = clock();
    edd_sha256_bytes(big, n, d);
    const double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    fprintf(stderr, "hostile_manifest: SHA-256 of 64 MiB in %.3f s of CPU time (%.0f MB/s)\n", secs, n / secs / 1e6);
    double t0;
    free(big);
    static const char *const files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                        "t10k-labels-idx1-ubyte"};
    double bytes = 0;
    t0 = now();
    for (size_t i = 0; i < 4; i++) {
        char path[4200];
        edd_ctx ctx = {0};
        edd_digest dg;
        snprintf(path, sizeof path, "%s/%s", data, files[i]);
        cr_assert_eq(edd_file_digest(&ctx, path, &dg), EDD_OK, "%s", ctx.err);
        bytes += (double)dg.size;
    }
    fprintf(stderr, "hostile_manifest: each rank hashes the data's %.1f MB in %.2f s at start\n", bytes / 1e6, now() - t0);
}

/* ---- manifests: a model altered on purpose ---- */

#define MODEL_K 10

/* The byte offset of fc.bias (the last tensor) in a model file of k
 * outputs. */
static size_t fc_bias_offset(int k)
{
    return EDD_MODEL_HEADER_BYTES + 4 * (edd_cnn_nparams(k) - (size_t)k);
}

/* Overwrite the 4 bytes b[p..p+4) so that the CRC32 of b[0..n) becomes
 * target: the CRC is affine in the bits, so flipping the set of those 32
 * bits that a 32 x 32 system over GF(2) gives moves it anywhere. */
static void crc_forge(unsigned char *b, size_t n, size_t p, uint32_t target)
{
    const uint32_t base = (uint32_t)crc32(0L, b, (uInt)n);
    uint32_t piv_vec[32] = {0}, piv_comb[32] = {0};
    for (int j = 0; j < 32; j++) {
        b[p + j / 8] ^= (unsigned char)(1u << (j % 8));
        uint32_t vec = (uint32_t)crc32(0L, b, (uInt)n) ^ base, comb = 1u << j;
        b[p + j / 8] ^= (unsigned char)(1u << (j % 8));
        for (int bit = 31; bit >= 0 && vec; bit--) {
            if (!(vec >> bit & 1))
                continue;
            if (!piv_vec[bit]) {
                piv_vec[bit] = vec;
                piv_comb[bit] = comb;
                break;
            }
            vec ^= piv_vec[bit];
            comb ^= piv_comb[bit];
        }
    }
    uint32_t want = base ^ target, flip = 0;
    for (int bit = 31; bit >= 0; bit--)
        if (want >> bit & 1) {
            cr_assert(piv_vec[bit], "32 consecutive bits always span CRC32's range");
            want ^= piv_vec[bit];
            flip ^= piv_comb[bit];
        }
    for (int j = 0; j < 32; j++)
        if (flip >> j & 1)
            b[p + j / 8] ^= (unsigned char)(1u << (j % 8));
    cr_assert_eq((uint32_t)crc32(0L, b, (uInt)n), target);
}

/* Change one byte of fc.bias in the model at path; then fix = 1:
 * recompute the file's trailing CRC32; fix = 2: forge 4 more bytes of
 * fc.bias so that the CRC32 of the data, hence the trailing one, the
 * manifest's CRC32, tail and size, are all unchanged. */
static void alter_fc_bias(const char *path, int fix)
{
    size_t n;
    unsigned char *b = (unsigned char *)file_read_text(path, &n);
    cr_assert(b && n == EDD_MODEL_HEADER_BYTES + 4 * edd_cnn_nparams(MODEL_K) + EDD_MODEL_CRC_BYTES);
    const size_t data = n - EDD_MODEL_CRC_BYTES, bias = fc_bias_offset(MODEL_K);
    const uint32_t before = (uint32_t)crc32(0L, b, (uInt)data);
    b[bias + 3] ^= 0x40; /* the sign-and-exponent byte of fc.bias[0] */
    if (fix == 2)
        crc_forge(b, data, data - 4, before); /* fc.bias[k-1] */
    const uint32_t c = (uint32_t)crc32(0L, b, (uInt)data);
    for (int i = 0; i < 4; i++)
        b[data + i] = (unsigned char)(c >> 8 * i);
    file_put(path, b, n);
    free(b);
}

/* dir with stages/ and a k = 10 model at dir/models/m.edd that the
 * manifest of stage "teacher" lists. */
static void model_stage(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/models", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/models/m.edd", dir);
    const size_t np = edd_cnn_nparams(MODEL_K);
    float *p = malloc(np * sizeof *p);
    cr_assert(p);
    for (size_t i = 0; i < np; i++)
        p[i] = urand(7, (uint32_t)i, -0.1f, 0.1f);
    edd_ctx ctx = {0};
    const edd_model_header h = {.k = MODEL_K, .p_input = 0.2f, .p_hidden = 0.5f, .nparams = np};
    cr_assert_eq(edd_model_file_write(&ctx, path, &h, p), EDD_OK, "%s", ctx.err);
    free(p);
    const char *files[1] = {"models/m.edd"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, "teacher", "smoke-0", 1.0, 0, files, 1), EDD_OK, "%s", ctx.err);
}

static void m_nothing(const char *dir) { (void)dir; }

static void m_bias_crc_recomputed(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/models/m.edd", dir);
    alter_fc_bias(path, 1);
}

static void m_bias_crc_forged(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/models/m.edd", dir);
    alter_fc_bias(path, 2);
    /* the altered model loads: its own CRC32 holds */
    edd_ctx ctx = {0};
    edd_model_header h;
    float *p = NULL;
    cr_assert_eq(edd_model_file_read(&ctx, path, &h, &p), EDD_OK, "%s", ctx.err);
    cr_assert_neq(p[edd_cnn_nparams(MODEL_K) - MODEL_K], 0.0f);
    free(p);
}

/* The manifest as an older edd wrote it: edd-stage 2, no SHA-256. */
static void m_older_manifest(const char *dir)
{
    char path[256], line[1400];
    snprintf(path, sizeof path, "%s/stages/teacher.done", dir);
    char *t = file_read_text(path, NULL);
    cr_assert(t && !strncmp(t, "edd-stage 3\n", 12));
    unsigned long long size;
    unsigned crc, tail;
    cr_assert(sscanf(strstr(t, "\nfile ") + 1, "file %llu %x %x", &size, &crc, &tail) == 3);
    int n = snprintf(line, sizeof line, "edd-stage 2\nstage teacher\nscale smoke-0\nseconds 1.000\ndeps 00000000\n"
                     "file %llu %08x %08x models/m.edd\n", size, crc, tail);
    file_put(path, line, (size_t)n);
    free(t);
}

static void m_fifo_manifest(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/stages/teacher.done", dir);
    cr_assert_eq(remove(path), 0);
    cr_assert_eq(mkfifo(path, 0666), 0);
}

static void m_fifo_output(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/models/m.edd", dir);
    cr_assert_eq(remove(path), 0);
    cr_assert_eq(mkfifo(path, 0666), 0);
}

Test(hostile_manifest, manifest_catches_what_crc32_misses, .timeout = 60)
{
    static const struct {
        const char *name;
        void (*setup)(const char *dir);
        int valid;
        const char *why; /* a fragment of the reason, when not valid */
    } rows[] = {
        {"untouched", m_nothing, 1, NULL},
        {"fc.bias changed, CRC32 recomputed", m_bias_crc_recomputed, 0, "SHA-256"},
        {"fc.bias changed, CRC32 forged to stay the same", m_bias_crc_forged, 0, "SHA-256"},
        {"an older manifest without SHA-256", m_older_manifest, 0, "older edd (edd-stage 2"},
        {"a FIFO as the manifest", m_fifo_manifest, 0, "a FIFO"},
        {"a FIFO as the output", m_fifo_output, 0, "a FIFO"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char dir[64], why[2048] = "";
        tmpdir_make(dir, sizeof dir, "hostile_manifest");
        model_stage(dir);
        rows[i].setup(dir);
        const int valid = edd_manifest_valid(dir, "teacher", "smoke-0", 0, NULL, NULL, why, sizeof why);
        cr_expect_eq(valid, rows[i].valid, "%s: valid %d, expected %d (%s)", rows[i].name, valid, rows[i].valid, why);
        if (rows[i].why)
            cr_expect(strstr(why, rows[i].why), "%s: '%s' should say '%s'", rows[i].name, why, rows[i].why);
        tmpdir_remove(dir);
    }
}

/* ---- manifests: the inputs of a stage ---- */

/* The stage the child reads: a name of the stage table. */
#define PARENT "baseline"

/* dir with stages/, PARENT's output p.csv and child's c.csv, each stage's
 * manifest, child's naming PARENT as the stage it read. */
static void two_stages(const char *dir, const char *pcsv)
{
    char path[256];
    edd_ctx ctx = {0};
    snprintf(path, sizeof path, "%s/stages", dir);
    cr_assert_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/p.csv", dir);
    file_put(path, pcsv, strlen(pcsv));
    snprintf(path, sizeof path, "%s/c.csv", dir);
    file_put(path, "c\n", 2);
    const char *pf[1] = {"p.csv"}, *cf[1] = {"c.csv"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, PARENT, "smoke-0", 1.0, 0, pf, 1), EDD_OK, "%s", ctx.err);
    const uint64_t deps = (uint64_t)1 << edd_repro_stage_find(PARENT);
    cr_assert_eq(edd_manifest_write_inputs(&ctx, dir, "child", "smoke-0", 1.0, 0, deps, cf, 1), EDD_OK, "%s",
                 ctx.err);
}

static void i_nothing(const char *dir) { (void)dir; }

/* parent's output changed and its manifest rewritten: the deps signature
 * (0 here, as a CRC32 that does not see it) is the same */
static void i_parent_redone(const char *dir)
{
    char path[256];
    edd_ctx ctx = {0};
    snprintf(path, sizeof path, "%s/p.csv", dir);
    file_put(path, "P\n", 2);
    const char *pf[1] = {"p.csv"};
    cr_assert_eq(edd_manifest_write(&ctx, dir, PARENT, "smoke-0", 1.0, 0, pf, 1), EDD_OK, "%s", ctx.err);
}

static void i_parent_gone(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/stages/" PARENT ".done", dir);
    cr_assert_eq(remove(path), 0);
}

/* child's input line rewritten to name a file outside stages/ */
static void i_input_escapes(const char *dir)
{
    char path[256];
    snprintf(path, sizeof path, "%s/stages/child.done", dir);
    static const char key[] = "\ninput " PARENT;
    char *t = file_read_text(path, NULL), *in = t ? strstr(t, key) : NULL;
    cr_assert(in, "child's manifest lists its input: %s", t);
    const size_t head = (size_t)(in - t) + strlen("\ninput ");
    char out[4096];
    int n = snprintf(out, sizeof out, "%.*s../../x%s", (int)head, t, in + strlen(key));
    file_put(path, out, (size_t)n);
    free(t);
}

Test(hostile_manifest, manifest_inputs_carry_their_sha256, .timeout = 30)
{
    static const struct {
        const char *name;
        void (*setup)(const char *dir);
        int valid;
        const char *why;
    } rows[] = {
        {"untouched", i_nothing, 1, NULL},
        {"the parent's output changed and its manifest redone", i_parent_redone, 0,
         "input '2 00000000 0000700a fd6641673e7f3bf6e80e4bc5401fcb2821a1e117206c8e1c65cef23a58dc37ff p.csv' of stage " PARENT},
        {"the parent's manifest removed", i_parent_gone, 0, "of stage " PARENT " is not what the stage's manifest lists"},
        {"an input naming a path outside stages/", i_input_escapes, 0, "is not 'input STAGE SIZE CRC TAIL SHA256"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char dir[64], why[2048] = "", path[128];
        tmpdir_make(dir, sizeof dir, "hostile_inputs");
        two_stages(dir, "p\n");
        snprintf(path, sizeof path, "%s/stages/child.done", dir);
        char *t = file_read_text(path, NULL);
        cr_assert(t && strstr(t, "\ninput " PARENT " 2 ") && strstr(t, " p.csv\nfile 2 "),
                  "child's manifest lists p.csv with its SHA-256, before its own file: %s", t);
        free(t);
        rows[i].setup(dir);
        const int valid = edd_manifest_valid(dir, "child", "smoke-0", 0, NULL, NULL, why, sizeof why);
        cr_expect_eq(valid, rows[i].valid, "%s: valid %d, expected %d (%s)", rows[i].name, valid, rows[i].valid, why);
        if (rows[i].why)
            cr_expect(strstr(why, rows[i].why), "%s: '%s' should say '%s'", rows[i].name, why, rows[i].why);
        tmpdir_remove(dir);
    }
}

/* Issue 24 item 8: the same through `edd reproduce`: the baseline model
 * altered with its CRC32 forged, and the next run redoes the stage, saying
 * why, instead of calling it up to date. */
Test(hostile_manifest, reproduce_redoes_a_model_altered_behind_its_crc, .timeout = 240)
{
    char data[4096], dir[64], cmd[8400], out[16384], path[128];
    mnist_dir_or_skip(data, sizeof data);
    tmpdir_make(dir, sizeof dir, "hostile_forged");
    snprintf(cmd, sizeof cmd, "reproduce --scale smoke --out %s --only baseline --threads 1 --data-dir %s", dir, data);
    cr_assert_eq(edd_run(out, sizeof out, cmd), 0, "%s", out);
    snprintf(path, sizeof path, "%s/models/baseline.edd", dir);
    alter_fc_bias(path, 2);
    cr_assert_eq(edd_run(out, sizeof out, cmd), 0, "%s", out);
    cr_assert(strstr(out, "baseline.edd: ") && strstr(out, "SHA-256") &&
                  strstr(out, "{\"stage\":\"baseline\",\"ran\":true"),
              "the altered model's stage is redone, naming the file and its SHA-256: %s", out);
    tmpdir_remove(dir);
}

/* What stands where a manifest goes: before its stage runs, the runner
 * removes only a regular file (or finds nothing), and names anything else,
 * which stays. */
Test(hostile_manifest, a_manifest_path_that_is_no_file_is_named, .timeout = 30)
{
    static const struct {
        const char *name;
        int kind; /* 0 absent, 1 regular, 2 FIFO, 3 symlink, 4 folder */
        const char *says;
    } rows[] = {
        {"absent", 0, NULL},     {"a regular file", 1, NULL},       {"a FIFO", 2, "found a FIFO, expected stage st's"},
        {"a symlink", 3, "found a symlink"}, {"a folder", 4, "found a folder"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char dir[64], path[128];
        tmpdir_make(dir, sizeof dir, "hostile_done_kind");
        snprintf(path, sizeof path, "%s/stages", dir);
        cr_assert_eq(mkdir(path, 0777), 0);
        snprintf(path, sizeof path, "%s/stages/st.done", dir);
        if (rows[i].kind == 1)
            file_put(path, "x\n", 2);
        cr_assert(rows[i].kind != 2 || mkfifo(path, 0666) == 0);
        cr_assert(rows[i].kind != 3 || symlink("/etc/passwd", path) == 0);
        cr_assert(rows[i].kind != 4 || mkdir(path, 0777) == 0);
        edd_ctx ctx = {0};
        const edd_status st = edd_manifest_remove(&ctx, dir, "st");
        struct stat sb;
        cr_expect_eq(st, rows[i].says ? EDD_ERR_IO : EDD_OK, "%s: status %d (%s)", rows[i].name, st, ctx.err);
        cr_expect_eq(lstat(path, &sb) == 0, rows[i].says != NULL, "%s: removed only when absent or a file",
                     rows[i].name);
        if (rows[i].says)
            cr_expect(strstr(ctx.err, rows[i].says) && strstr(ctx.err, path), "%s: %s", rows[i].name, ctx.err);
        tmpdir_remove(dir);
    }
}
