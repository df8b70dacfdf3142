/* tests/unit/test_shard.c - the pieces of a sharded rank run
 * (research/rank/shard.h): --shard I/N and auto from the scheduler's
 * environment, the greedy largest-first share (deterministic, within one
 * wallet of even), atomic files, the done marker and part header formats
 * and their strict parsers, and the manifest (same inputs, same id; any
 * option changes it; published once, refused when another run's; read
 * back exactly). The end to end runs are tests/cli/rank_shard.sh and
 * tests/cli/slurm.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "proto/config_load.h"
#include "research/rank/shard.h"

static const char *const env_names[] = {
    "SLURM_ARRAY_TASK_ID",    "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
    "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX", "PMCOPY_SHARDS",
};

static void clear_env(void)
{
    for (size_t k = 0; k < sizeof env_names / sizeof env_names[0]; k++)
        unsetenv(env_names[k]);
}

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    clear_env();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/pmc_test_shard.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    clear_env();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- --shard ------------------------------------------------------------ */

static void parse_ok(const char *s, unsigned wi, unsigned wn)
{
    unsigned i = 99, n = 99;
    char err[300] = "";
    int r = pmc_shard_parse(s, &i, &n, err, sizeof err);
    if (r != 0)
        fail_msg("'%s' refused: %s", s, err);
    assert_int_equal(i, wi);
    assert_int_equal(n, wn);
}

static void parse_bad(const char *s, const char *want)
{
    unsigned i = 99, n = 99;
    char err[300] = "";
    assert_int_equal(pmc_shard_parse(s, &i, &n, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("'%s': '%s' does not say '%s'", s ? s : "(null)", err, want);
    assert_int_equal(i, 99); /* nothing set on failure */
}

static void test_parse_fixed(void **state)
{
    (void)state;
    parse_ok("0/1", 0, 1);
    parse_ok("2/3", 2, 3);
    parse_ok("4095/4096", 4095, 4096);
    parse_bad("", "empty");
    parse_bad(NULL, "empty");
    parse_bad("3/3", "I must be below N");
    parse_bad("0/0", "I/N with integers");
    parse_bad("1/4097", "N <= 4096");
    parse_bad("-1/2", "I/N with integers");
    parse_bad("+1/2", "I/N with integers");
    parse_bad("1 /2", "I/N with integers");
    parse_bad("1/2/3", "I/N with integers");
    parse_bad("1/", "I/N with integers");
    parse_bad("/2", "I/N with integers");
    parse_bad("12", "I/N (e.g. 0/4) or auto");
    parse_bad("99999999999999999999/2", "I/N (e.g. 0/4) or auto");
    parse_bad("1/99999999999999999999", "I/N with integers");
    parse_bad("Auto", "I/N (e.g. 0/4) or auto");
}

static void test_parse_auto(void **state)
{
    (void)state;
    parse_bad("auto", "neither SLURM_ARRAY_TASK_ID");
    /* Slurm: the id counted from the array's first task */
    setenv("SLURM_ARRAY_TASK_ID", "6", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "5", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "7", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "3", 1);
    parse_ok("auto", 1, 3);
    unsetenv("SLURM_ARRAY_TASK_MIN"); /* older Slurm: min 0 */
    unsetenv("SLURM_ARRAY_TASK_MAX");
    setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    parse_ok("auto", 2, 3);
    setenv("SLURM_ARRAY_TASK_ID", "3", 1);
    parse_bad("auto", "outside the array");
    setenv("SLURM_ARRAY_TASK_ID", "x", 1);
    parse_bad("auto", "SLURM_ARRAY_TASK_ID=x: not an integer");
    /* a sparse array cannot be a split */
    setenv("SLURM_ARRAY_TASK_ID", "4", 1);
    setenv("SLURM_ARRAY_TASK_MIN", "0", 1);
    setenv("SLURM_ARRAY_TASK_MAX", "9", 1);
    parse_bad("auto", "not contiguous");
    /* a re-run of task 4 alone: PMCOPY_SHARDS keeps the split */
    setenv("SLURM_ARRAY_TASK_COUNT", "1", 1);
    setenv("PMCOPY_SHARDS", "10", 1);
    parse_ok("auto", 4, 10);
    setenv("PMCOPY_SHARDS", "4", 1);
    parse_bad("auto", "not below PMCOPY_SHARDS=4");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    unsetenv("PMCOPY_SHARDS");
    parse_bad("auto", "SLURM_ARRAY_TASK_COUNT is not");
    clear_env();
    /* a Kubernetes indexed job */
    setenv("JOB_COMPLETION_INDEX", "2", 1);
    parse_bad("auto", "PMCOPY_SHARDS (the job's completions) is not");
    setenv("PMCOPY_SHARDS", "5", 1);
    parse_ok("auto", 2, 5);
    setenv("PMCOPY_SHARDS", "2", 1);
    parse_bad("auto", "JOB_COMPLETION_INDEX=2 is not below PMCOPY_SHARDS=2");
    setenv("PMCOPY_SHARDS", "0", 1);
    parse_bad("auto", "PMCOPY_SHARDS=0: not an integer in [1, 4096]");
    setenv("PMCOPY_SHARDS", "", 1); /* empty = unset */
    parse_bad("auto", "PMCOPY_SHARDS (the job's completions) is not");
}

/* ---- the share ---------------------------------------------------------- */

static void test_assign_example(void **state)
{
    (void)state;
    /* 5 -> 0; 4 -> 1; 3 -> 1 (4 < 5); 3 -> 0 (5 < 7); 2 -> 1 (7 < 8);
     * 1 -> 0 (8 < 9): loads 9 and 9 */
    const uint64_t size[] = {5, 4, 3, 3, 2, 1};
    const unsigned want[] = {0, 1, 1, 0, 1, 0};
    unsigned owner[6];
    assert_int_equal(pmc_shard_assign(size, 6, 2, owner), PMC_OK);
    assert_memory_equal(owner, want, sizeof want);
    /* ties of size: the earlier candidate first; ties of load: the lowest
     * shard */
    const uint64_t eq[] = {7, 7, 7, 7, 7};
    const unsigned weq[] = {0, 1, 2, 0, 1};
    assert_int_equal(pmc_shard_assign(eq, 5, 3, owner), PMC_OK);
    assert_memory_equal(owner, weq, sizeof weq);
    /* more shards than candidates: one each, the rest empty */
    const uint64_t two[] = {1, 9};
    assert_int_equal(pmc_shard_assign(two, 2, 5, owner), PMC_OK);
    assert_int_equal(owner[0], 1);
    assert_int_equal(owner[1], 0);
    assert_int_equal(pmc_shard_assign(two, 2, 0, owner), PMC_EUSAGE);
    assert_int_equal(pmc_shard_assign(two, 0, 3, owner), PMC_OK);
    /* sizes near 2^64 saturate, never wrap to a small load */
    const uint64_t huge[] = {UINT64_MAX, UINT64_MAX, 1, 1};
    assert_int_equal(pmc_shard_assign(huge, 4, 2, owner), PMC_OK);
    assert_int_equal(owner[0], 0);
    assert_int_equal(owner[1], 1);
}

static void test_assign_balanced(void **state)
{
    (void)state;
    enum { M = 2000 };
    static uint64_t size[M];
    static unsigned owner[M], again[M];
    uint64_t x = 88172645463325252ull, maxsz = 0;
    for (size_t k = 0; k < M; k++) { /* xorshift: a skewed size mix */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size[k] = (x % 1000) * (x % 7 == 0 ? 50 : 1) + 1;
        if (size[k] > maxsz)
            maxsz = size[k];
    }
    const unsigned ns[] = {1, 2, 3, 7, 64, 1000};
    for (size_t t = 0; t < sizeof ns / sizeof ns[0]; t++) {
        unsigned n = ns[t];
        uint64_t load[1000] = {0};
        size_t cnt[1000] = {0};
        assert_int_equal(pmc_shard_assign(size, M, n, owner), PMC_OK);
        for (size_t k = 0; k < M; k++) {
            assert_true(owner[k] < n);
            load[owner[k]] += size[k];
            cnt[owner[k]]++;
        }
        uint64_t lo = UINT64_MAX, hi = 0;
        for (unsigned s = 0; s < n; s++) {
            lo = load[s] < lo ? load[s] : lo;
            hi = load[s] > hi ? load[s] : hi;
            assert_true(cnt[s] > 0);
        }
        /* greedy list scheduling: the most loaded shard was the least
         * loaded one when it got its last wallet */
        if (hi - lo > maxsz)
            fail_msg("n=%u: loads %llu..%llu, spread above %llu", n,
                     (unsigned long long)lo, (unsigned long long)hi,
                     (unsigned long long)maxsz);
        assert_int_equal(pmc_shard_assign(size, M, n, again), PMC_OK);
        assert_memory_equal(owner, again, sizeof owner);
    }
}

/* ---- files and line formats --------------------------------------------- */

static void test_atomic_and_read(void **state)
{
    (void)state;
    char path[128], tmp[200], err[300];
    char *buf;
    size_t n;
    snprintf(path, sizeof path, "%s/f", tmpdir);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    assert_int_equal(pmc_shard_write_atomic(path, "one\n", 4, err, sizeof err),
                     PMC_OK);
    assert_int_equal(pmc_shard_write_atomic(path, "two!\n", 5, err, sizeof err),
                     PMC_OK);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(pmc_shard_read_file(path, 100, &buf, &n, err, sizeof err),
                     PMC_OK);
    assert_int_equal(n, 5);
    assert_string_equal(buf, "two!\n");
    free(buf);
    assert_int_equal(pmc_shard_read_file(path, 4, &buf, &n, err, sizeof err),
                     PMC_ERANGE);
    assert_null(buf);
    /* a file of several read buffers */
    static char big[20000];
    memset(big, 'x', sizeof big);
    assert_int_equal(
        pmc_shard_write_atomic(path, big, sizeof big, err, sizeof err), PMC_OK);
    assert_int_equal(
        pmc_shard_read_file(path, sizeof big, &buf, &n, err, sizeof err),
        PMC_OK);
    assert_int_equal(n, sizeof big);
    assert_memory_equal(buf, big, sizeof big);
    free(buf);
    assert_int_equal(
        pmc_shard_read_file(path, sizeof big - 1, &buf, &n, err, sizeof err),
        PMC_ERANGE);
    snprintf(path, sizeof path, "%s/none/f", tmpdir);
    assert_int_equal(pmc_shard_write_atomic(path, "x", 1, err, sizeof err),
                     PMC_EIO);
    assert_non_null(strstr(err, "none/f."));
    assert_int_equal(pmc_shard_read_file(path, 10, &buf, &n, err, sizeof err),
                     PMC_ENOTFOUND);
    /* the FIPS 180-2 vector */
    char hex[65];
    uint64_t bytes;
    pmc_shard_hash_hex("abc", 3, hex);
    assert_string_equal(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    snprintf(path, sizeof path, "%s/abc", tmpdir);
    assert_int_equal(pmc_shard_write_atomic(path, "abc", 3, err, sizeof err),
                     PMC_OK);
    assert_int_equal(pmc_shard_hash_file(path, hex, &bytes, err, sizeof err),
                     PMC_OK);
    assert_int_equal(bytes, 3);
    assert_string_equal(
        hex,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#define H64 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define G64 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static void done_bad(const char *s)
{
    struct pmc_shard_done d;
    char err[300];
    if (pmc_shard_done_parse(s, strlen(s), "m", &d, err, sizeof err) !=
        PMC_EPARSE)
        fail_msg("accepted: %s", s);
    assert_non_null(strstr(err, "m: not a done marker"));
}

static void test_done_marker(void **state)
{
    (void)state;
    struct pmc_shard_done d = {PMC_SHARD_RANK, H64, 2, 3, 12345, G64}, e;
    char line[512], err[300];
    size_t n = pmc_shard_done_format(&d, line, sizeof line);
    assert_string_equal(line, "pmcopy-rank-done 1 run=" H64
                              " shard=2/3 wallets=12345 sha256=" G64 "\n");
    assert_int_equal(n, strlen(line));
    assert_int_equal(pmc_shard_done_parse(line, n, "m", &e, err, sizeof err),
                     PMC_OK);
    assert_string_equal(e.run, d.run);
    assert_string_equal(e.sha256, d.sha256);
    assert_int_equal(e.shard, 2);
    assert_int_equal(e.n, 3);
    assert_int_equal(e.items, 12345);
    const char *z = "pmcopy-rank-done 1 run=" H64
                    " shard=0/1 wallets=18446744073709551615 sha256=" G64 "\n";
    assert_int_equal(
        pmc_shard_done_parse(z, strlen(z), "m", &e, err, sizeof err), PMC_OK);
    assert_true(e.items == UINT64_MAX);
    done_bad("");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=2/3 wallets=1 sha256=" G64);
    done_bad("pmcopy-rank-done 2 run=" H64 " shard=2/3 wallets=1 sha256=" G64
             "\n");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=3/3 wallets=1 sha256=" G64
             "\n");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=02/3 wallets=1 sha256=" G64
             "\n");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=2/3 wallets=01 sha256=" G64
             "\n");
    done_bad("pmcopy-rank-done 1 run=" H64
             " shard=2/3 wallets=18446744073709551616 sha256=" G64 "\n");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=2/3 wallets=1 sha256=" G64
             " \n");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=2/3 wallets=1 sha256=" G64
             "\nmore\n");
    done_bad("pmcopy-rank-done 1 run=" H64 "0 shard=2/3 wallets=1 sha256=" G64
             "\n");
    done_bad("pmcopy-rank-done 1 run=00112233445566778899AABBCCDDEEFF00112233"
             "445566778899aabbccddeeff shard=2/3 wallets=1 sha256=" G64 "\n");
    done_bad("pmcopy-rank-done 1 shard=2/3 run=" H64 " wallets=1 sha256=" G64
             "\n");
    /* an optimize part counts trials, and says it is one */
    struct pmc_shard_done o = {PMC_SHARD_OPTIMIZE, H64, 0, 2, 60, G64};
    n = pmc_shard_done_format(&o, line, sizeof line);
    assert_string_equal(line, "pmcopy-optimize-done 1 run=" H64
                              " shard=0/2 trials=60 sha256=" G64 "\n");
    assert_int_equal(pmc_shard_done_parse(line, n, "m", &e, err, sizeof err),
                     PMC_OK);
    assert_int_equal(e.kind, PMC_SHARD_OPTIMIZE);
    assert_int_equal(e.items, 60);
    done_bad("pmcopy-optimize-done 1 run=" H64
             " shard=0/2 wallets=60 sha256=" G64 "\n");
    done_bad("pmcopy-rank-done 1 run=" H64 " shard=0/2 trials=60 sha256=" G64
             "\n");
    done_bad("pmcopy-optimise-done 1 run=" H64
             " shard=0/2 trials=60 sha256=" G64 "\n");
}

static void test_part_header_and_names(void **state)
{
    (void)state;
    char line[256], run[65], err[300];
    unsigned i, n;
    pmc_shard_part_header(H64, 4, 9, line, sizeof line);
    assert_string_equal(line, "pmcopy-rank-part 1 run=" H64 " shard=4/9\n");
    assert_int_equal(
        pmc_shard_part_header_parse(line, "p", run, &i, &n, err, sizeof err),
        PMC_OK);
    assert_string_equal(run, H64);
    assert_int_equal(i, 4);
    assert_int_equal(n, 9);
    const char *bad[] = {
        "pmcopy-rank-part 1 run=" H64 " shard=4/9",
        "pmcopy-rank-part 1 run=" H64 " shard=9/9\n",
        "pmcopy-rank-part 1 run=" H64 " shard=4/9 x\n",
        "pmcopy-rank-part 1 run=" H64 "\n",
        "wallet 0x11 - 0 -\n",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        assert_int_equal(pmc_shard_part_header_parse(bad[k], "p", run, &i, &n,
                                                     err, sizeof err),
                         PMC_EPARSE);
        assert_non_null(strstr(err, "p: line 1: not a part header"));
    }
    assert_int_equal(pmc_shard_part_name("part-0-of-3", &i, &n), 1);
    assert_int_equal(i, 0);
    assert_int_equal(n, 3);
    assert_int_equal(pmc_shard_part_name("part-4095-of-4096", &i, &n), 1);
    assert_int_equal(pmc_shard_part_name("part-3-of-3", &i, &n), 0);
    assert_int_equal(pmc_shard_part_name("part-01-of-3", &i, &n), 0);
    assert_int_equal(pmc_shard_part_name("part-1-of-3.done", &i, &n), 0);
    assert_int_equal(pmc_shard_part_name("part-1-of-3.d", &i, &n), 0);
    assert_int_equal(pmc_shard_part_name("part-1-of-3.tmp", &i, &n), 0);
    assert_int_equal(pmc_shard_part_name("part-1-of-", &i, &n), 0);
    assert_int_equal(pmc_shard_part_name("manifest", &i, &n), 0);
    char p[64];
    assert_int_equal(pmc_shard_part_path("d", 1, 3, ".done", p, sizeof p), 0);
    assert_string_equal(p, "d/part-1-of-3.done");
    assert_int_equal(pmc_shard_part_path("dddddddd", 1, 3, "", p, 12), -1);
}

/* ---- the manifest ------------------------------------------------------- */

static const char *const addrs[] = {
    "0x1111111111111111111111111111111111111111",
    "0x2222222222222222222222222222222222222222",
    "0x3333333333333333333333333333333333333333",
};
static const uint64_t sizes[] = {300, 10, 0};

static void build(struct pmc_manifest *m, const struct pmc_rank_opts *o,
                  const char *const *a, size_t n, const char *sha)
{
    struct pmc_manifest_in in = {o, sha, 12345, n, a, sizes};
    char err[300];
    enum pmc_err e = pmc_manifest_build(m, &in, err, sizeof err);
    if (e != PMC_OK)
        fail_msg("build: %s", err);
}

static void test_manifest(void **state)
{
    (void)state;
    struct pmc_config *cfg = malloc(sizeof *cfg);
    struct pmc_cfg_args ca;
    char err[400];
    memset(&ca, 0, sizeof ca);
    assert_non_null(cfg);
    assert_int_equal(pmc_config_build(cfg, &ca, err, sizeof err), PMC_OK);
    struct pmc_rank_opts o;
    pmc_rank_opts_defaults(&o, cfg);
    struct pmc_manifest a, b, c, l;

    build(&a, &o, addrs, 3, H64);
    build(&b, &o, addrs, 3, H64);
    assert_string_equal(a.id, b.id); /* same inputs, same run */
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.text, b.text, a.len);
    assert_non_null(strstr(a.text, "\"copy_mode\""));
    assert_non_null(strstr(a.text, "tape bytes=12345 sha256=" H64 "\n"));
    pmc_manifest_free(&b);
    o.jobs = 7; /* no result depends on it: the same run */
    build(&b, &o, addrs, 3, H64);
    assert_string_equal(a.id, b.id);
    pmc_manifest_free(&b);
    o.jobs = 2;
    /* each of these is another run */
    o.latency = 401;
    build(&b, &o, addrs, 3, H64);
    assert_string_not_equal(a.id, b.id);
    pmc_manifest_free(&b);
    o.latency = 400;
    o.sim.seed++;
    build(&b, &o, addrs, 3, H64);
    assert_string_not_equal(a.id, b.id);
    pmc_manifest_free(&b);
    o.sim.seed--;
    build(&b, &o, addrs, 3, G64);
    assert_string_not_equal(a.id, b.id);
    pmc_manifest_free(&b);
    build(&b, &o, addrs, 2, H64);
    assert_string_not_equal(a.id, b.id);
    pmc_manifest_free(&b);
    cfg->coalesce_ms++;
    build(&b, &o, addrs, 3, H64);
    assert_string_not_equal(a.id, b.id);
    cfg->coalesce_ms--;

    /* published once; the same again is fine; another run is refused
     * with the first line that differs */
    assert_int_equal(pmc_shard_publish(tmpdir, a.text, a.len, err, sizeof err),
                     PMC_OK);
    assert_int_equal(pmc_shard_publish(tmpdir, a.text, a.len, err, sizeof err),
                     PMC_OK);
    assert_int_equal(pmc_shard_publish(tmpdir, b.text, b.len, err, sizeof err),
                     PMC_EMISMATCH);
    assert_non_null(strstr(err, "holds another run"));
    assert_non_null(strstr(err, "\"coalesce_ms\""));
    pmc_manifest_free(&b);

    /* read back: the id and the candidates */
    assert_int_equal(pmc_manifest_load(&l, tmpdir, err, sizeof err), PMC_OK);
    assert_string_equal(l.id, a.id);
    assert_int_equal(l.n, 3);
    for (size_t k = 0; k < 3; k++) {
        assert_string_equal(l.addr[k], addrs[k]);
        assert_int_equal(l.size[k], sizes[k]);
    }
    pmc_manifest_free(&l);

    /* a damaged manifest is refused with its line */
    char path[128];
    snprintf(path, sizeof path, "%s/manifest", tmpdir);
    char *t = malloc(a.len + 16);
    assert_non_null(t);
    memcpy(t, a.text, a.len);
    memcpy(t + a.len, "x\n", 2); /* a line after end */
    assert_int_equal(
        pmc_shard_write_atomic(path, t, a.len + 2, err, sizeof err), PMC_OK);
    assert_int_equal(pmc_manifest_load(&l, tmpdir, err, sizeof err),
                     PMC_EPARSE);
    assert_non_null(strstr(err, "not a rank manifest line"));
    char *cand = strstr(a.text, "candidates 3\n");
    assert_non_null(cand);
    size_t off = (size_t)(cand - a.text);
    memcpy(t, a.text, a.len);
    t[off + 11] = '4'; /* one candidate more than listed */
    assert_int_equal(pmc_shard_write_atomic(path, t, a.len, err, sizeof err),
                     PMC_OK);
    assert_int_equal(pmc_manifest_load(&l, tmpdir, err, sizeof err),
                     PMC_EPARSE);
    memcpy(t, a.text, a.len);
    t[off + 13 + 42] = '\t'; /* "ADDRESS SIZE" */
    assert_int_equal(pmc_shard_write_atomic(path, t, a.len, err, sizeof err),
                     PMC_OK);
    assert_int_equal(pmc_manifest_load(&l, tmpdir, err, sizeof err),
                     PMC_EPARSE);
    assert_non_null(strstr(err, "line "));
    free(t);
    unlink(path);
    assert_int_equal(pmc_manifest_load(&l, tmpdir, err, sizeof err),
                     PMC_ENOTFOUND);
    assert_non_null(strstr(err, "no manifest"));

    /* candidates the manifest cannot hold */
    const char *dup[] = {addrs[0], addrs[1], addrs[0]};
    struct pmc_manifest_in in = {&o, H64, 1, 3, dup, sizes};
    assert_int_equal(pmc_manifest_build(&c, &in, err, sizeof err),
                     PMC_EMISMATCH);
    assert_non_null(
        strstr(err, "candidate 3 (0x1111111111111111111111111111111111111111) "
                    "is listed twice"));
    const char *blank[] = {addrs[0], "0x12 34"};
    struct pmc_manifest_in in2 = {&o, H64, 1, 2, blank, sizes};
    assert_int_equal(pmc_manifest_build(&c, &in2, err, sizeof err), PMC_EPARSE);
    assert_non_null(strstr(err, "candidate 2"));
    pmc_manifest_free(&a);
    free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_parse_fixed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parse_auto, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assign_example, setup, teardown),
        cmocka_unit_test_setup_teardown(test_assign_balanced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_atomic_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_done_marker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_part_header_and_names, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_manifest, setup, teardown),
    };
    return cmocka_run_group_tests_name("shard", tests, NULL, NULL);
}
