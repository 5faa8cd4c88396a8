/* test_hostile_mpi.c - issue 24, items 3 and 8 and Deliver 4: integrity
 * you can choose. SHA-256 against the NIST vectors (FIPS 180-4 examples);
 * stage manifests that catch a model altered so that its CRC32 still
 * holds, refuse an older manifest without SHA-256s, and never block on a
 * FIFO; MPI ranks started with settings other than rank 0's stop, every
 * one, before any stage, naming the setting. Each table row is one case:
 * a new hostile input is one more row. The mpirun rows skip, saying why,
 * where mpirun or an MPI build of edd is missing. */
#include <criterion/criterion.h>

#include "edd/internal/manifest.h"
#include "edd/internal/sha256.h"
#include "edd/io.h"
#include "edd/nn.h"
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

TestSuite(hostile_mpi, .timeout = 300);

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- SHA-256 ---- */

Test(hostile_mpi, sha256_nist_vectors)
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
Test(hostile_mpi, sha256_speed)
{
    char data[4096];
    mnist_dir_or_skip(data, sizeof data);
    const size_t n = 64u << 20;
    unsigned char *big = calloc(n, 1), d[EDD_SHA256_BYTES];
    cr_assert(big);
    const clock_t c0 = clock();
    edd_sha256_bytes(big, n, d);
    const double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    fprintf(stderr, "hostile_mpi: SHA-256 of 64 MiB in %.3f s of CPU time (%.0f MB/s)\n", secs, n / secs / 1e6);
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
    fprintf(stderr, "hostile_mpi: each rank hashes the data's %.1f MB in %.2f s at start\n", bytes / 1e6, now() - t0);
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

Test(hostile_mpi, manifest_catches_what_crc32_misses, .timeout = 60)
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

/* Issue 24 item 8: the same through `edd reproduce`: the baseline model
 * altered with its CRC32 forged, and the next run redoes the stage, saying
 * why, instead of calling it up to date. */
Test(hostile_mpi, reproduce_redoes_a_model_altered_behind_its_crc, .timeout = 240)
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

/* ---- MPI ranks that disagree with rank 0 ---- */

/* The edd binary, when it is an MPI build and mpirun is installed; skips
 * the test, saying so, otherwise. */
static const char *mpi_edd_or_skip(void)
{
    const char *bin = edd_bin_or_skip();
    char out[8192];
    if (system("command -v mpirun >/dev/null 2>&1"))
        cr_skip_test("mpirun is not installed (make deps installs openmpi-bin)");
    edd_run(out, sizeof out, "reproduce --help");
    if (!strstr(out, "built with MPI:"))
        cr_skip_test("%s is built without MPI (make MPI=1)", bin);
    return bin;
}

/* A copy of the MNIST folder data in a fresh folder (into copy): links to
 * three of its files, and the test labels with one byte changed. */
static void data_copy_one_byte(const char *data, char *copy, size_t n)
{
    static const char *const linked[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte"};
    char from[4200], to[4200];
    tmpdir_make(copy, n, "hostile_data");
    for (size_t i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/%s", data, linked[i]);
        snprintf(to, sizeof to, "%s/%s", copy, linked[i]);
        cr_assert(realpath(from, to + 2048), "%s", from);
        cr_assert_eq(symlink(to + 2048, to), 0, "%s", to);
    }
    snprintf(from, sizeof from, "%s/t10k-labels-idx1-ubyte", data);
    snprintf(to, sizeof to, "%s/t10k-labels-idx1-ubyte", copy);
    size_t len;
    unsigned char *b = (unsigned char *)file_read_text(from, &len);
    cr_assert(b && len > 100, "%s", from);
    b[100] = (unsigned char)((b[100] + 1) % 10); /* one test label */
    file_put(to, b, len);
    free(b);
}

/* The exit status of pid, waited for at most secs seconds; on the
 * deadline its process group is killed and -1 returned. */
static int wait_for(pid_t pid, double secs)
{
    const double t0 = now();
    int status;
    for (;;) {
        pid_t w = waitpid(pid, &status, WNOHANG);
        cr_assert_neq(w, -1);
        if (w == pid)
            return status;
        if (now() - t0 > secs) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(50000);
    }
}

/* One MPMD run: rank 0 and rank 1 each `edd reproduce --out dir --only
 * baseline,teacher` with their own scale, data folder and threads. */
typedef struct {
    const char *scale[2];
    const char *data[2];
    const char *threads[2];
} mpmd;

static pid_t mpmd_start(const char *bin, const mpmd *m, const char *dir, const char *errpath)
{
    const char *argv[64];
    int n = 0;
    argv[n++] = "mpirun";
    if (geteuid() == 0)
        argv[n++] = "--allow-run-as-root";
    argv[n++] = "--oversubscribe";
    argv[n++] = "-x";
    argv[n++] = "OMP_NUM_THREADS";
    for (int r = 0; r < 2; r++) {
        const char *rank[] = {"-np", "1", bin, "reproduce", "--scale", m->scale[r], "--out", dir, "--only",
                              "baseline,teacher", "--data-dir", m->data[r], "--threads", m->threads[r]};
        if (r)
            argv[n++] = ":";
        for (size_t k = 0; k < sizeof rank / sizeof rank[0]; k++)
            argv[n++] = rank[k];
    }
    argv[n] = NULL;
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        setpgid(0, 0);
        int fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0666);
        dup2(fe, 1);
        dup2(fe, 2);
        setenv("OMP_NUM_THREADS", "1", 1);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Issue 24 item 3: `mpirun -np 1 edd reproduce --scale quick ... : -np 1
 * edd reproduce --scale smoke ...` ran rank 1's smoke stages under rank
 * 0's quick manifests. Each row starts two ranks that differ in one way:
 * both exit 2 within the deadline, the message names the setting and both
 * values, and no stage has a manifest. */
Test(hostile_mpi, mpirun_ranks_that_disagree_stop_before_any_stage)
{
    const char *bin = mpi_edd_or_skip();
    char data[4096], copy[64];
    mnist_dir_or_skip(data, sizeof data);
    data_copy_one_byte(data, copy, sizeof copy);
    const struct {
        const char *name;
        mpmd m;
        const char *says[2]; /* fragments of the message */
    } rows[] = {
        {"--scale quick on rank 0, smoke on rank 1", {{"quick", "smoke"}, {data, data}, {"1", "1"}},
         {"rank 1: --scale smoke, rank 0: quick", "rank 1: the scale's settings smoke-"}},
        {"a copy of the data with one byte changed on rank 1", {{"smoke", "smoke"}, {data, copy}, {"1", "1"}},
         {"rank 1: --data-dir (real path) ", "rank 1: the data's SHA-256 "}},
        {"--threads 2 on rank 1", {{"smoke", "smoke"}, {data, data}, {"1", "2"}}, {"rank 1: --threads 2, rank 0: 1", ""}},
    };
    double t0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char dir[64], errpath[96], done[128];
        tmpdir_make(dir, sizeof dir, "hostile_mpmd");
        snprintf(errpath, sizeof errpath, "%s.err", dir);
        t0 = now();
        const int status = wait_for(mpmd_start(bin, &rows[i].m, dir, errpath), 60);
        const double secs = now() - t0;
        char *err = file_read_text(errpath, NULL);
        cr_assert(status != -1, "%s: still running after 60 s: %s", rows[i].name, err);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: status 0x%x, expected exit 2: %s", rows[i].name,
                  status, err);
        for (int k = 0; k < 2; k++)
            cr_assert(err && strstr(err, rows[i].says[k]), "%s: the message should say '%s': %s", rows[i].name,
                      rows[i].says[k], err);
        cr_assert(strstr(err, "edd reproduce: the ranks disagree with rank 0, so no stage runs"), "%s", err);
        static const char *const stages[] = {"stages/baseline.done", "stages/teacher.done"};
        for (size_t k = 0; k < 2; k++) {
            snprintf(done, sizeof done, "%s/%s", dir, stages[k]);
            cr_assert(access(done, F_OK), "%s: %s was written", rows[i].name, done);
        }
        fprintf(stderr, "hostile_mpi: %s: exit 2 in %.1f s\n", rows[i].name, secs);
        free(err);
        remove(errpath);
        tmpdir_remove(dir);
    }
    tmpdir_remove(copy);
}
