/* fuzz/fuzz_containers.c: list, dict and set operations against a model.
 *
 * Input: a byte code. Each op takes an opcode byte and up to two argument
 * bytes, and runs on one list, one dict and one set (ftrt objects) and on
 * their C models (an array; a value per key 0..63 or absent; a 64-bit
 * mask). Values are ints: key k is the int k * 2**40 + 7 (a heap int, so
 * counting is exercised), list items and dict values are ints v * 2**40.
 * After every op: lengths and the op's result agree with the model; every
 * 16 ops, and at the end, the whole contents are compared; some ops make
 * cyclic garbage (a list holding itself, a dict holding the list) and
 * ft_gc_collect runs in between. At the end every object is dropped and the
 * live object count must be back where it started. */
#include "fuzz_common.h"

#define MAXL 512
#define NKEYS 64

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_init();
    return 0;
}

static FtObject *val(int64_t v) { return ft_int_from_i64(v * ((int64_t)1 << 40)); }
static FtObject *key(int k) { return ft_int_from_i64((int64_t)k * ((int64_t)1 << 40) + 7); }

static int64_t val_of(FtObject *o)
{
    int64_t x;
    FUZZ_ASSERT(o && ft_int_as_i64(o, &x) == 0, "not an int");
    return x >> 40;
}

typedef struct Model {
    int64_t l[MAXL];
    int nl;
    int64_t dv[NKEYS];
    uint8_t dpresent[NKEYS];
    int nd;
    uint64_t set;
} Model;

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static void compare_all(FtObject *l, FtObject *d, FtObject *s, const Model *m)
{
    FUZZ_ASSERT(ft_len(l) == m->nl, "list len %td, model %d", ft_len(l), m->nl);
    for (int i = 0; i < m->nl; i++) {
        FtObject *x = ft_list_get_item(l, i);
        FUZZ_ASSERT(val_of(x) == m->l[i], "list[%d]", i);
        ft_decref(x);
    }
    FUZZ_ASSERT(ft_len(d) == m->nd, "dict len %td, model %d", ft_len(d), m->nd);
    int nset = 0;
    for (int k = 0; k < NKEYS; k++) {
        FtObject *kk = key(k);
        FtObject *v = NULL;
        int found = ft_dict_lookup(d, kk, &v);
        FUZZ_ASSERT(found >= 0, "dict lookup");
        FUZZ_ASSERT(found == m->dpresent[k], "dict key %d presence", k);
        if (v) {
            FUZZ_ASSERT(val_of(v) == m->dv[k], "dict[%d]", k);
            ft_decref(v);
        }
        int in = ft_set_contains(s, kk);
        FUZZ_ASSERT(in == (int)((m->set >> k) & 1), "set key %d", k);
        nset += in;
        ft_decref(kk);
    }
    FUZZ_ASSERT(ft_len(s) == nset, "set len");
    /* dict order is insertion order: ft_dict_next visits only present keys */
    FtSsize pos = 0;
    FtObject *k, *v;
    int seen = 0;
    while (ft_dict_next(d, &pos, &k, &v) == 1) {
        seen++;
        ft_decref(k);
        ft_decref(v);
    }
    FUZZ_ASSERT(seen == m->nd, "dict_next saw %d", seen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t before = fuzz_live();
    FtObject *l = ft_list_new(0), *d = ft_dict_new(), *s = ft_set_new(NULL);
    FUZZ_ASSERT(l && d && s, "alloc");
    static Model m;
    memset(&m, 0, sizeof m);
    size_t i = 0;
    int nops = 0;
    while (i + 3 <= size) {
        uint8_t op = data[i], a = data[i + 1], b = data[i + 2];
        i += 3;
        int k = a % NKEYS;
        int64_t v = (int64_t)b - 128;
        FtObject *o = NULL, *kk = NULL;
        switch (op % 24) {
        case 0: case 1:                                   /* list append */
            if (m.nl >= MAXL)
                break;
            o = val(v);
            FUZZ_ASSERT(ft_list_append(l, o) == 0, "append");
            m.l[m.nl++] = v;
            break;
        case 2: {                                         /* list insert */
            if (m.nl >= MAXL)
                break;
            int at = m.nl ? a % (m.nl + 1) : 0;
            o = val(v);
            FUZZ_ASSERT(ft_list_insert(l, at, o) == 0, "insert");
            memmove(m.l + at + 1, m.l + at, (size_t)(m.nl - at) * sizeof(int64_t));
            m.l[at] = v;
            m.nl++;
            break;
        }
        case 3: {                                         /* list pop */
            FtSsize at = m.nl ? (FtSsize)(a % m.nl) : 0;
            o = ft_list_pop(l, at);
            if (!m.nl) {
                FUZZ_ASSERT(!o && ft_error_kind() == FT_ERR_INDEX, "pop of empty");
                ft_error_clear();
                break;
            }
            FUZZ_ASSERT(val_of(o) == m.l[at], "pop value");
            memmove(m.l + at, m.l + at + 1, (size_t)(m.nl - at - 1) * sizeof(int64_t));
            m.nl--;
            break;
        }
        case 4: {                                         /* list set item, any index */
            FtSsize at = (FtSsize)(int8_t)a;
            o = val(v);
            int rc = ft_list_set_item(l, at, o);
            FtSsize real = at < 0 ? at + m.nl : at;
            if (real < 0 || real >= m.nl) {
                FUZZ_ASSERT(rc == -1 && ft_error_kind() == FT_ERR_INDEX, "set_item range");
                ft_error_clear();
            } else {
                FUZZ_ASSERT(rc == 0, "set_item");
                m.l[real] = v;
            }
            break;
        }
        case 5: {                                         /* list del slice */
            FtSsize lo = a % (m.nl + 1), hi = b % (m.nl + 1);
            FUZZ_ASSERT(ft_list_del_slice(l, lo, hi, 1) == 0, "del_slice");
            if (lo < hi) {
                memmove(m.l + lo, m.l + hi, (size_t)(m.nl - hi) * sizeof(int64_t));
                m.nl -= (int)(hi - lo);
            }
            break;
        }
        case 6:                                           /* list sort */
            FUZZ_ASSERT(ft_list_sort(l, NULL, NULL, b & 1) == 0, "sort");
            qsort(m.l, (size_t)m.nl, sizeof(int64_t), cmp_i64);
            if (b & 1)
                for (int x = 0; x < m.nl / 2; x++) {
                    int64_t t = m.l[x];
                    m.l[x] = m.l[m.nl - 1 - x];
                    m.l[m.nl - 1 - x] = t;
                }
            break;
        case 7:                                           /* list reverse */
            FUZZ_ASSERT(ft_list_reverse(l) == 0, "reverse");
            for (int x = 0; x < m.nl / 2; x++) {
                int64_t t = m.l[x];
                m.l[x] = m.l[m.nl - 1 - x];
                m.l[m.nl - 1 - x] = t;
            }
            break;
        case 8: {                                         /* list extend by itself */
            if (2 * m.nl > MAXL)
                break;
            FUZZ_ASSERT(ft_list_extend(l, l) == 0, "extend self");
            memcpy(m.l + m.nl, m.l, (size_t)m.nl * sizeof(int64_t));
            m.nl *= 2;
            break;
        }
        case 9: {                                         /* list index / count */
            o = val(v);
            FtSsize c = ft_list_count(l, o);
            int want = 0, first = -1;
            for (int x = 0; x < m.nl; x++)
                if (m.l[x] == v) {
                    want++;
                    if (first < 0)
                        first = x;
                }
            FUZZ_ASSERT(c == want, "count %td, model %d", c, want);
            FtSsize ix = ft_list_index(l, o);
            FUZZ_ASSERT(ix == first, "index %td, model %d", ix, first);
            if (ix < 0) {
                FUZZ_ASSERT(ft_error_kind() == FT_ERR_VALUE, "index error kind");
                ft_error_clear();
            }
            break;
        }
        case 10:                                          /* list clear */
            if (b < 32) {
                FUZZ_ASSERT(ft_list_clear(l) == 0, "clear");
                m.nl = 0;
            }
            break;
        case 11: case 12: case 13:                        /* dict set */
            kk = key(k);
            o = val(v);
            FUZZ_ASSERT(ft_dict_set_item(d, kk, o) == 0, "dict set");
            if (!m.dpresent[k])
                m.nd++;
            m.dpresent[k] = 1;
            m.dv[k] = v;
            break;
        case 14: {                                        /* dict del */
            kk = key(k);
            int rc = ft_dict_del_item(d, kk);
            if (m.dpresent[k]) {
                FUZZ_ASSERT(rc == 0, "dict del");
                m.dpresent[k] = 0;
                m.nd--;
            } else {
                FUZZ_ASSERT(rc == -1 && ft_error_kind() == FT_ERR_KEY, "dict del missing");
                ft_error_clear();
            }
            break;
        }
        case 15: {                                        /* dict pop with default */
            kk = key(k);
            FtObject *dflt = val(999);
            o = ft_dict_pop(d, kk, dflt);
            FUZZ_ASSERT(val_of(o) == (m.dpresent[k] ? m.dv[k] : 999), "pop");
            if (m.dpresent[k]) {
                m.dpresent[k] = 0;
                m.nd--;
            }
            ft_decref(dflt);
            break;
        }
        case 16: {                                        /* dict setdefault */
            kk = key(k);
            FtObject *dv = val(v);
            o = ft_dict_setdefault(d, kk, dv);
            ft_decref(dv);
            if (!m.dpresent[k]) {
                m.dpresent[k] = 1;
                m.dv[k] = v;
                m.nd++;
            }
            FUZZ_ASSERT(val_of(o) == m.dv[k], "setdefault");
            break;
        }
        case 17:                                          /* dict clear */
            if (b < 16) {
                FUZZ_ASSERT(ft_dict_clear(d) == 0, "dict clear");
                memset(m.dpresent, 0, sizeof m.dpresent);
                m.nd = 0;
            }
            break;
        case 18: case 19:                                 /* set add */
            kk = key(k);
            FUZZ_ASSERT(ft_set_add(s, kk) == 0, "set add");
            m.set |= (uint64_t)1 << k;
            break;
        case 20: {                                        /* set discard */
            kk = key(k);
            int rc = ft_set_discard(s, kk);
            FUZZ_ASSERT(rc == (int)((m.set >> k) & 1), "discard");
            m.set &= ~((uint64_t)1 << k);
            break;
        }
        case 21: {                                        /* set pop */
            o = ft_set_pop(s);
            if (!m.set) {
                FUZZ_ASSERT(!o && ft_error_kind() == FT_ERR_KEY, "pop of empty set");
                ft_error_clear();
                break;
            }
            int64_t x;
            FUZZ_ASSERT(o && ft_int_as_i64(o, &x) == 0, "set pop");
            int pk = (int)(x >> 40);
            FUZZ_ASSERT(pk >= 0 && pk < NKEYS && ((m.set >> pk) & 1), "popped %d", pk);
            m.set &= ~((uint64_t)1 << pk);
            break;
        }
        case 22: {                                        /* cyclic garbage */
            FtObject *c = ft_list_new(0), *cd = ft_dict_new();
            FUZZ_ASSERT(c && cd, "alloc");
            FUZZ_ASSERT(ft_list_append(c, c) == 0 && ft_list_append(c, cd) == 0, "cycle");
            kk = key(k);
            FUZZ_ASSERT(ft_dict_set_item(cd, kk, c) == 0, "cycle");
            ft_decref(c);
            ft_decref(cd);
            break;
        }
        case 23:                                          /* collect */
            ft_gc_collect();
            break;
        }
        ft_xdecref(o);
        ft_xdecref(kk);
        FUZZ_ASSERT(!ft_error_occurred(), "op %d left an error", op % 24);
        FUZZ_ASSERT(ft_len(l) == m.nl && ft_len(d) == m.nd, "lengths after op %d", op % 24);
        if (++nops % 16 == 0)
            compare_all(l, d, s, &m);
    }
    compare_all(l, d, s, &m);
    /* repr of the whole state does not fail */
    FtObject *r = ft_repr(l);
    FUZZ_ASSERT(r, "list repr");
    ft_decref(r);
    r = ft_repr(d);
    FUZZ_ASSERT(r, "dict repr");
    ft_decref(r);
    r = ft_repr(s);
    FUZZ_ASSERT(r, "set repr");
    ft_decref(r);
    ft_decref(l);
    ft_decref(d);
    ft_decref(s);
    FUZZ_CHECK_LIVE(before);
    return 0;
}
