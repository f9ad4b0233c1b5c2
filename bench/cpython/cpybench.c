/* bench/cpython/cpybench.c: the workloads of ../shared/bench/WORKLOADS.md
 * run through CPython 3.11's C API, embedded (mode "cpython311").
 *
 * It is the baseline that puts ftrt beside the runtime its users know, so it
 * does the same work as bench/ftbench.c with each API's ordinary idioms
 * (borrowed references where CPython's API hands them out, interned attribute
 * names as the bytecode uses). Threads: every worker takes the GIL with
 * PyGILState_Ensure and holds it while it runs, exactly as a C extension
 * that does not release the GIL; the GIL serialises the workers and the
 * report shows that. Automatic collection stays on (the default a user gets),
 * except in gc_cycles and gc_live, where it would collect during the build.
 *
 * `stw` has no CPython equivalent of stopping the world; the closest is the
 * time a thread waits to take the GIL back from T busy Python threads, which
 * is what it measures (extra.exclusive_ns_median).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "../bench_common.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static PyObject *g_main;        /* __main__ globals: class A, stw flag */
static PyObject *g_class_a;
static PyObject *g_name[4];     /* interned "x", "y", "z", "other" */
static __thread PyGILState_STATE tl_gil;
static __thread PyThreadState *tl_saved;
static char g_err[256];

/* ---- driver ---- */

static const char *cpy_error(void)
{
    PyObject *type, *value, *tb;

    if (!PyErr_Occurred())
        return g_err;
    PyErr_Fetch(&type, &value, &tb);
    if (value) {
        PyObject *s = PyObject_Str(value);
        const char *u = s ? PyUnicode_AsUTF8(s) : NULL;
        snprintf(g_err, sizeof g_err, "%s", u ? u : "?");
        Py_XDECREF(s);
    }
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    PyErr_Clear();
    return g_err;
}

static int cpy_init(void)
{
    PyConfig config;
    PyStatus st;
    static const char *names[4] = { "x", "y", "z", "other" };

    PyConfig_InitIsolatedConfig(&config);
    config.install_signal_handlers = 0;
    st = Py_InitializeFromConfig(&config);
    PyConfig_Clear(&config);
    if (PyStatus_Exception(st)) {
        snprintf(g_err, sizeof g_err, "%s", st.err_msg ? st.err_msg : "init");
        return -1;
    }
    /* bigint_mul prints numbers far longer than the default 4300 digits. */
    if (PyRun_SimpleString("import sys\n"
                           "sys.set_int_max_str_digits(0)\n"
                           "class A:\n"
                           "    pass\n"
                           "stop = False\n") != 0)
        return -1;
    g_main = PyModule_GetDict(PyImport_AddModule("__main__"));   /* borrowed */
    g_class_a = PyDict_GetItemString(g_main, "A");               /* borrowed */
    for (int i = 0; i < 4; i++)
        if (!(g_name[i] = PyUnicode_InternFromString(names[i])))
            return -1;
    return g_class_a ? 0 : -1;
}

static void cpy_fini(void)
{
    for (int i = 0; i < 4; i++)
        Py_CLEAR(g_name[i]);
    Py_FinalizeEx();
}

static int cpy_enter(void) { tl_gil = PyGILState_Ensure(); return 0; }
static void cpy_leave(void) { PyGILState_Release(tl_gil); }
static void cpy_block_begin(void) { tl_saved = PyEval_SaveThread(); }
static void cpy_block_end(void) { PyEval_RestoreThread(tl_saved); }

static const BenchDriver driver = {
    .mode = "cpython311",
    .init = cpy_init, .fini = cpy_fini,
    .thread_enter = cpy_enter, .thread_leave = cpy_leave,
    .block_begin = cpy_block_begin, .block_end = cpy_block_end,
    .last_error = cpy_error,
};

/* ---- helpers ---- */

/* --hold: room for every object of a thread, touched now so that its pages
 * count in the setup RSS rather than in the measured peak. */
static int hold_setup(BenchCtx *c, BenchThread *t)
{
    if (!c->hold)
        return 0;
    t->local[1] = calloc((size_t)c->n, sizeof(PyObject *));
    if (!t->local[1]) {
        PyErr_NoMemory();
        return -1;
    }
    memset(t->local[1], 0, (size_t)c->n * sizeof(PyObject *));
    return 0;
}

static void keep_or_drop(BenchCtx *c, BenchThread *t, long i, PyObject *o)
{
    if (c->hold)
        ((PyObject **)t->local[1])[i] = o;
    else
        Py_DECREF(o);
}

static void hold_release(BenchCtx *c, BenchThread *t)
{
    PyObject **a = t->local[1];
    if (!a)
        return;
    for (long i = 0; i < c->n; i++)
        Py_XDECREF(a[i]);
    memset(a, 0, (size_t)c->n * sizeof *a);
}

static void hold_teardown(BenchCtx *c, BenchThread *t)
{
    hold_release(c, t);
    free(t->local[1]);
    t->local[1] = NULL;
}

static void hold_report(BenchCtx *c)
{
    if (c->hold)
        bench_extra_int(c, "live_objects", c->n * c->threads);
}

/* ---- refcount_local, refcount_shared ---- */

static int count_loop(BenchCtx *c, PyObject *o)
{
    for (long i = 0; i < c->n; i++) {
        Py_INCREF(o);
        BENCH_CLOBBER();
        Py_DECREF(o);
        BENCH_CLOBBER();
    }
    return 0;
}

static int rc_local_setup(BenchCtx *c, BenchThread *t)
{
    t->local[0] = PyFloat_FromDouble(1.5);
    return t->local[0] ? 0 : -1;
}
static int rc_local_run(BenchCtx *c, BenchThread *t) { return count_loop(c, t->local[0]); }
static void rc_local_teardown(BenchCtx *c, BenchThread *t) { Py_CLEAR(t->local[0]); }

static int rc_shared_setup(BenchCtx *c)
{
    c->shared[0] = PyFloat_FromDouble(2.5);
    return c->shared[0] ? 0 : -1;
}
static int rc_shared_run(BenchCtx *c, BenchThread *t) { return count_loop(c, c->shared[0]); }
static void rc_shared_teardown(BenchCtx *c) { Py_CLEAR(c->shared[0]); }

/* ---- alloc_float, alloc_tuple3, alloc_instance ---- */

static int alloc_float_run(BenchCtx *c, BenchThread *t)
{
    for (long i = 0; i < c->n; i++) {
        PyObject *o = PyFloat_FromDouble((double)i + 0.5);
        if (!o)
            return -1;
        keep_or_drop(c, t, i, o);
    }
    hold_release(c, t);
    return 0;
}

static int alloc_tuple3_run(BenchCtx *c, BenchThread *t)
{
    PyObject *a = PyLong_FromLong(1), *b = PyLong_FromLong(2),
             *d = PyLong_FromLong(3);   /* cached small ints */
    int rc = 0;

    for (long i = 0; i < c->n; i++) {
        PyObject *o = PyTuple_Pack(3, a, b, d);
        if (!o) {
            rc = -1;
            break;
        }
        keep_or_drop(c, t, i, o);
    }
    hold_release(c, t);
    Py_DECREF(a), Py_DECREF(b), Py_DECREF(d);
    return rc;
}

static PyObject *new_a(void)
{
    return PyObject_CallNoArgs(g_class_a);
}

static int alloc_instance_run(BenchCtx *c, BenchThread *t)
{
    PyObject *v[3] = { PyLong_FromLong(0), PyLong_FromLong(1), PyLong_FromLong(2) };
    int rc = 0;

    for (long i = 0; i < c->n && rc == 0; i++) {
        PyObject *o = new_a();
        if (!o) {
            rc = -1;
            break;
        }
        for (int k = 0; k < 3; k++)
            if (PyObject_SetAttr(o, g_name[k], v[k]) < 0)
                rc = -1;
        keep_or_drop(c, t, i, o);
    }
    hold_release(c, t);
    for (int k = 0; k < 3; k++)
        Py_DECREF(v[k]);
    return rc;
}

/* ---- list_append ---- */

static int list_append_run(BenchCtx *c, BenchThread *t)
{
    PyObject *l = PyList_New(0);
    int rc = 0;

    if (!l)
        return -1;
    for (long i = 0; i < c->n; i++) {
        PyObject *v = PyLong_FromLong(i);
        if (!v || PyList_Append(l, v) < 0) {
            Py_XDECREF(v);
            rc = -1;
            break;
        }
        Py_DECREF(v);
    }
    t->count = PyList_GET_SIZE(l);
    Py_DECREF(l);
    return rc;
}

static void live_n_report(BenchCtx *c)
{
    bench_extra_int(c, "live_objects", c->n * c->threads);
}

/* ---- dict_str ---- */

static int dict_str_setup(BenchCtx *c, BenchThread *t)
{
    PyObject **keys = calloc((size_t)c->n, sizeof *keys);

    if (!(t->local[0] = keys))
        return -1;
    for (long i = 0; i < c->n; i++)
        if (!(keys[i] = PyUnicode_FromFormat("key_%ld", i)))
            return -1;
    return 0;
}

static int dict_str_run(BenchCtx *c, BenchThread *t)
{
    PyObject **keys = t->local[0];
    PyObject *d = PyDict_New();
    uint64_t t0 = bench_now_ns(), t1;
    long found = 0;

    if (!(t->local[1] = d))
        return -1;
    for (long i = 0; i < c->n; i++) {
        PyObject *v = PyLong_FromLong(i + 1000);
        if (!v || PyDict_SetItem(d, keys[i], v) < 0) {
            Py_XDECREF(v);
            return -1;
        }
        Py_DECREF(v);
    }
    t1 = bench_now_ns();
    for (long i = 0; i < c->n; i++) {
        PyObject *v = PyDict_GetItemWithError(d, keys[i]);   /* borrowed */
        if (v)
            found++;
        else if (PyErr_Occurred())
            return -1;
    }
    t->phase_ns[0] = t1 - t0;
    t->phase_ns[1] = bench_now_ns() - t1;
    t->count = found;
    return found == c->n ? 0 : -1;
}

static void dict_str_teardown(BenchCtx *c, BenchThread *t)
{
    PyObject **keys = t->local[0];

    Py_CLEAR(t->local[1]);
    if (keys)
        for (long i = 0; i < c->n; i++)
            Py_XDECREF(keys[i]);
    free(keys);
    t->local[0] = NULL;
}

static void phases_report(BenchCtx *c, const char *k0, const char *k1, double scale)
{
    double a = 0, b = 0;
    int n = c->nworkers;

    for (int i = 0; i < n; i++)
        a += (double)c->thr[i].phase_ns[0], b += (double)c->thr[i].phase_ns[1];
    bench_extra_num(c, k0, a / n / scale);
    bench_extra_num(c, k1, b / n / scale);
}

static void dict_str_report(BenchCtx *c)
{
    phases_report(c, "insert_ns", "lookup_ns", (double)c->n);
}

/* ---- dict_shared_read ---- */

#define SHARED_KEYS 1000
#define WRITER_KEYS 64

static int dsr_setup(BenchCtx *c)
{
    PyObject **keys = calloc(SHARED_KEYS, sizeof *keys);
    PyObject *d = PyDict_New();

    c->shared[0] = d, c->shared[1] = keys;
    if (!d || !keys)
        return -1;
    for (long i = 0; i < SHARED_KEYS; i++) {
        PyObject *v = PyLong_FromLong(i + 1000);
        keys[i] = PyUnicode_FromFormat("shared_key_%ld", i);
        if (!v || !keys[i] || PyDict_SetItem(d, keys[i], v) < 0) {
            Py_XDECREF(v);
            return -1;
        }
        Py_DECREF(v);
    }
    return 0;
}

static int dsr_thread_setup(BenchCtx *c, BenchThread *t)
{
    PyObject **wk;

    if (!t->is_writer)
        return 0;
    if (!(wk = calloc(WRITER_KEYS, sizeof *wk)))
        return -1;
    t->local[0] = wk;
    for (int j = 0; j < WRITER_KEYS; j++)
        if (!(wk[j] = PyUnicode_FromFormat("writer_%d_%d", t->tid, j)))
            return -1;
    return 0;
}

static int dsr_write(BenchCtx *c, BenchThread *t)
{
    PyObject *d = c->shared[0], **wk = t->local[0];

    for (long i = 0; i < c->n; i++) {
        PyObject *k = wk[i % WRITER_KEYS];
        int rc = (i / WRITER_KEYS) % 2 == 0 ? PyDict_SetItem(d, k, k)
                                            : PyDict_DelItem(d, k);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int dsr_run(BenchCtx *c, BenchThread *t)
{
    PyObject *d = c->shared[0], **keys = c->shared[1];
    uint64_t t0 = bench_now_ns();
    long found = 0;

    if (t->is_writer)
        return dsr_write(c, t);
    for (long i = 0; i < c->n; i++) {
        PyObject *v = PyDict_GetItemWithError(d, keys[(i * 7 + t->tid) % SHARED_KEYS]);
        if (v)
            found++;
        else if (PyErr_Occurred())
            return -1;
    }
    t->phase_ns[0] = bench_now_ns() - t0;
    t->count = found;
    return found == c->n ? 0 : -1;
}

static void dsr_thread_teardown(BenchCtx *c, BenchThread *t)
{
    PyObject **wk = t->local[0];
    if (wk)
        for (int j = 0; j < WRITER_KEYS; j++)
            Py_XDECREF(wk[j]);
    free(wk);
    t->local[0] = NULL;
}

static void dsr_teardown(BenchCtx *c)
{
    PyObject **keys = c->shared[1];
    double sum = 0;
    int readers = 0;

    for (int i = 0; i < c->nworkers; i++)
        if (!c->thr[i].is_writer)
            sum += (double)c->thr[i].phase_ns[0], readers++;
    if (readers)
        bench_extra_num(c, "read_ns", sum / readers / (double)c->n);
    Py_CLEAR(c->shared[0]);
    if (keys)
        for (int i = 0; i < SHARED_KEYS; i++)
            Py_XDECREF(keys[i]);
    free(keys);
}

/* ---- str_intern ---- */

static int str_intern_run(BenchCtx *c, BenchThread *t)
{
    long half = c->n / 2 > 0 ? c->n / 2 : 1;
    char buf[64];

    for (long i = 0; i < c->n; i++) {
        snprintf(buf, sizeof buf, "interned_name_%ld", i % half);
        PyObject *s = PyUnicode_InternFromString(buf);
        if (!s)
            return -1;
        Py_DECREF(s);
    }
    return 0;
}

/* ---- bigint_mul ---- */

/* A uniformly random int of exactly n 30-bit digits (top digit non-zero). */
static PyObject *random_digits(long n, uint64_t *state)
{
    size_t nbytes = ((size_t)n * 30 + 7) / 8;
    unsigned char *bytes = calloc(nbytes, 1);
    PyObject *r;

    if (!bytes)
        return PyErr_NoMemory();
    for (long d = 0; d < n; d++) {
        uint32_t digit = (uint32_t)(bench_rand(state) & 0x3FFFFFFF);
        if (d == n - 1 && digit == 0)
            digit = 1;
        for (int b = 0; b < 30; b++)
            if (digit >> b & 1) {
                size_t bit = (size_t)d * 30 + (size_t)b;
                bytes[bit / 8] |= (unsigned char)(1u << (bit % 8));
            }
    }
    r = _PyLong_FromByteArray(bytes, nbytes, 1, 0);
    free(bytes);
    return r;
}

static int bigint_setup(BenchCtx *c, BenchThread *t)
{
    uint64_t state = 0x5EED0000u + (uint64_t)t->tid;

    t->local[0] = random_digits(c->n, &state);
    t->local[1] = random_digits(c->n, &state);
    return t->local[0] && t->local[1] ? 0 : -1;
}

static int bigint_run(BenchCtx *c, BenchThread *t)
{
    uint64_t t0 = bench_now_ns(), t1;
    PyObject *p = PyNumber_Multiply(t->local[0], t->local[1]), *s;

    t1 = bench_now_ns();
    if (!p)
        return -1;
    s = PyObject_Str(p);
    t->phase_ns[0] = t1 - t0;
    t->phase_ns[1] = bench_now_ns() - t1;
    t->count = s ? (long)PyUnicode_GET_LENGTH(s) : 0;
    Py_DECREF(p);
    Py_XDECREF(s);
    return s ? 0 : -1;
}

static void bigint_teardown(BenchCtx *c, BenchThread *t)
{
    Py_CLEAR(t->local[0]);
    Py_CLEAR(t->local[1]);
}

static void bigint_report(BenchCtx *c)
{
    phases_report(c, "mul_ms", "str_ms", 1e6);
    bench_extra_int(c, "decimal_digits", c->thr[0].count);
}

/* ---- gc_cycles, gc_live ---- */

static int gc_off(BenchCtx *c)
{
    PyGC_Collect();       /* start from a clean heap */
    PyGC_Disable();
    return 0;
}

static int gc_cycles_run(BenchCtx *c, BenchThread *t)
{
    uint64_t t0;

    for (long i = 0; i < c->n / 2; i++) {
        PyObject *a = new_a(), *b = new_a();
        if (!a || !b || PyObject_SetAttr(a, g_name[3], b) < 0 ||
            PyObject_SetAttr(b, g_name[3], a) < 0) {
            Py_XDECREF(a);
            Py_XDECREF(b);
            return -1;
        }
        Py_DECREF(a);
        Py_DECREF(b);
    }
    PyGC_Enable();        /* PyGC_Collect does nothing while disabled */
    t0 = bench_now_ns();
    t->count = (long)PyGC_Collect();
    t->phase_ns[0] = bench_now_ns() - t0;
    return 0;
}

static void gc_report(BenchCtx *c)
{
    bench_extra_num(c, "pause_ms", (double)c->thr[0].phase_ns[0] / 1e6);
    bench_extra_int(c, "collected", c->thr[0].count);
}

static int gc_live_setup(BenchCtx *c, BenchThread *t)
{
    PyObject *holder = PyList_New(0), *zero = PyLong_FromLong(0);

    if (!(t->local[0] = holder))
        return -1;
    for (long i = 0; i < c->n; i++) {
        PyObject *l = PyList_New(0);
        if (!l || PyList_Append(l, zero) < 0 || PyList_Append(holder, l) < 0) {
            Py_XDECREF(l);
            return -1;
        }
        Py_DECREF(l);
    }
    Py_DECREF(zero);
    return 0;
}

static int gc_live_run(BenchCtx *c, BenchThread *t)
{
    uint64_t t0;

    PyGC_Enable();        /* PyGC_Collect does nothing while disabled */
    t0 = bench_now_ns();
    t->count = (long)PyGC_Collect();
    t->phase_ns[0] = bench_now_ns() - t0;
    return 0;
}

static void gc_live_teardown(BenchCtx *c, BenchThread *t) { Py_CLEAR(t->local[0]); }

static void gc_live_report(BenchCtx *c)
{
    gc_report(c);
    bench_extra_int(c, "live_objects", c->n);
}

/* ---- thread_churn ---- */

#define CHURN_OBJECTS 100

typedef struct Churn {
    PyObject *handed[CHURN_OBJECTS / 2];
    int ok;
} Churn;

static void *churn_child(void *arg)
{
    Churn *ch = arg;
    PyGILState_STATE g = PyGILState_Ensure();
    int ok = 1;

    for (int i = 0; i < CHURN_OBJECTS; i++) {
        PyObject *o = i % 2 ? PyList_New(0) : PyFloat_FromDouble(i);
        if (!o) {
            ok = 0;
            continue;
        }
        if (i < CHURN_OBJECTS / 2)
            ch->handed[i] = o;
        else
            Py_DECREF(o);
    }
    if (!ok)
        PyErr_Clear();
    ch->ok = ok;
    PyGILState_Release(g);
    return NULL;
}

static int churn_run(BenchCtx *c, BenchThread *t)
{
    for (long i = 0; i < c->n; i++) {
        Churn ch;
        pthread_t th;
        memset(&ch, 0, sizeof ch);
        if (pthread_create(&th, NULL, churn_child, &ch) != 0)
            return -1;
        cpy_block_begin();
        pthread_join(th, NULL);
        cpy_block_end();
        for (int k = 0; k < CHURN_OBJECTS / 2; k++)
            Py_XDECREF(ch.handed[k]);
        if (!ch.ok)
            return -1;
    }
    return 0;
}

/* ---- stw: GIL acquisition latency with T busy Python threads ---- */

static int stw_setup(BenchCtx *c)
{
    c->shared[0] = calloc((size_t)c->n, sizeof(uint64_t));
    return c->shared[0] ? 0 : -1;
}

static int stw_run(BenchCtx *c, BenchThread *t)
{
    uint64_t *lat = c->shared[0];
    struct timespec pause = { 0, 500000 };

    if (t->tid != 0) {
        PyObject *r = PyRun_String("while not stop:\n    y = [0]\n",
                                   Py_file_input, g_main, g_main);
        Py_XDECREF(r);
        return r ? 0 : -1;
    }
    for (long i = 0; i < c->n; i++) {
        uint64_t t0;
        cpy_block_begin();
        nanosleep(&pause, NULL);
        t0 = bench_now_ns();
        cpy_block_end();
        lat[i] = bench_now_ns() - t0;
    }
    return PyDict_SetItemString(g_main, "stop", Py_True);
}

static void stw_teardown(BenchCtx *c)
{
    uint64_t *lat = c->shared[0], max = 0;

    for (long i = 0; i < c->n; i++)
        max = lat[i] > max ? lat[i] : max;
    bench_extra_num(c, "exclusive_ns_median", (double)bench_median_u64(lat, (size_t)c->n));
    bench_extra_num(c, "exclusive_ns_max", (double)max);
    bench_extra_str(c, "what", "GIL acquisition with T busy Python threads");
    free(lat);
}

/* ---- the table ---- */

static const BenchWorkload workloads[] = {
    { .name = "refcount_local", .thread_setup = rc_local_setup,
      .thread_run = rc_local_run, .thread_teardown = rc_local_teardown },
    { .name = "refcount_shared", .setup = rc_shared_setup,
      .thread_run = rc_shared_run, .teardown = rc_shared_teardown },
    { .name = "alloc_float", .thread_setup = hold_setup,
      .thread_run = alloc_float_run, .thread_teardown = hold_teardown,
      .teardown = hold_report },
    { .name = "alloc_tuple3", .thread_setup = hold_setup,
      .thread_run = alloc_tuple3_run, .thread_teardown = hold_teardown,
      .teardown = hold_report },
    { .name = "alloc_instance", .thread_setup = hold_setup,
      .thread_run = alloc_instance_run, .thread_teardown = hold_teardown,
      .teardown = hold_report },
    { .name = "list_append", .thread_run = list_append_run,
      .teardown = live_n_report },
    { .name = "dict_str", .thread_setup = dict_str_setup,
      .thread_run = dict_str_run, .thread_teardown = dict_str_teardown,
      .teardown = dict_str_report },
    { .name = "dict_shared_read", .setup = dsr_setup,
      .thread_setup = dsr_thread_setup, .thread_run = dsr_run,
      .thread_teardown = dsr_thread_teardown, .teardown = dsr_teardown },
    { .name = "str_intern", .thread_run = str_intern_run },
    { .name = "bigint_mul", .thread_setup = bigint_setup,
      .thread_run = bigint_run, .thread_teardown = bigint_teardown,
      .teardown = bigint_report },
    { .name = "gc_cycles", .single_thread = 1, .setup = gc_off,
      .thread_run = gc_cycles_run, .teardown = gc_report },
    { .name = "gc_live", .single_thread = 1, .setup = gc_off,
      .thread_setup = gc_live_setup, .thread_run = gc_live_run,
      .thread_teardown = gc_live_teardown, .teardown = gc_live_report },
    { .name = "thread_churn", .thread_run = churn_run },
    { .name = "stw", .stopper = 1, .setup = stw_setup,
      .thread_run = stw_run, .teardown = stw_teardown },
};

int main(int argc, char **argv)
{
    return bench_main(argc, argv, &driver, workloads,
                      sizeof workloads / sizeof workloads[0]);
}
