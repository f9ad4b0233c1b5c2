/* runtime/class.c: classes made at run time from C (ftrt/class.h), their
 * instances, attribute access, and the type/object root types' slots.
 *
 * A class is a heap type: a GC-tracked object of type ft_type_type
 * (FT_TPFLAGS_HEAPTYPE) whose memory is an FtClass, i.e. an FtType followed
 * by the class data (name, slot table, hooks). It holds a strong reference
 * to a heap base class; every instance holds a strong reference to its
 * class, so a class outlives its instances.
 *
 * Instance layout (docs/layouts.md), fields in this order after the base
 * class's own layout (the 32-byte header for `object`):
 *
 *   [ header 32 ][ slots of the base ... ][ own __slots__, 8 each ]
 *   [ __dict__ pointer, if needed and not inherited ]
 *   [ weak-list word, if asked for and not inherited ]
 *   [ cdata, 16-byte aligned, if asked for ]
 *
 * so a __dict__ class with weak references is 48 bytes and a 3-slot class
 * 56, CPython's sys.getsizeof figures.
 *
 * Instance attributes (classes with a __dict__): split keys, as CPython
 * 3.11. The class keeps an append-only table of attribute names (interned
 * strs, at most FT_CLASS_MAX_KEYS; the table is made with the class); an
 * instance keeps its values in a raw block indexed like that table,
 * pointed to by the __dict__ word with its low bit set. No dict exists
 * until one is asked for (ft_instance_dict, "__dict__") or a name the
 * table cannot take is set (the table is full, or the name is not
 * interned and not yet a key);
 * then the values move into a new dict, which replaces the block for
 * good. The __dict__ word thus goes NULL -> values -> dict, or NULL ->
 * dict, never back.
 *
 * Thread safety (docs/concurrency.md):
 *   - slot attributes and split-key values are read and written inside a
 *     critical section on the instance; the old value is released after
 *     leaving it; a values block is allocated outside the section, and the
 *     section re-checks the __dict__ word before using it (an allocation
 *     may suspend the section);
 *   - a class's key table is appended under keys_mu (a leaf pthread mutex
 *     held for a few stores, never across an allocation or a safepoint):
 *     keys[n] is written, then nkeys = n + 1 with release; readers load
 *     nkeys with acquire, then keys, then keys[i < nkeys], lock-free;
 *   - the __dict__ word is written inside the instance's critical section
 *     (release) and read lock-free (acquire) only to find a dict, which is
 *     final once installed; attribute lookups in it are the dict's
 *     lock-free lookups;
 *   - tp_clear and dealloc run on objects no other thread can reach.
 *
 * Finalizers (PEP 442): at most once per instance (FT_GC_FINALIZED). From
 * a dealloc, the instance is temporarily revived with one reference while
 * weak references to it are blocked (ft__weakrefs_mark_dying); if the
 * finalizer stored a new reference somewhere, the dealloc stops there.
 */
#include "runtime/internal.h"
#include "runtime/init.h"
#include "runtime/weakref.h"
#include "runtime/str_impl.h"
#include "runtime/trashcan.h"
#include "alloc/alloc.h"
#include "gc/gc.h"
#include "threads/lock.h"

typedef struct SlotDef {
    char *name;                 /* raw copy, owned by the class */
    FtObject *name_obj;         /* the interned str (immortal) */
    FtSsize offset;
} SlotDef;

/* Interned "__class__" and "__dict__" (immortal), set by ft__class_init.
 * Attribute names are matched by identity when the name is interned (an
 * interned str equal to one of these, or to a slot name, is that object);
 * other names by their UTF-8 text. */
static FtObject *s_class, *s_dict;

typedef struct FtClass {
    FtType type;                /* must be first: a class is a type */
    char *name;                 /* raw copy (tp_name points here) */
    SlotDef *slots;             /* all slots, inherited first; raw */
    FtSsize nslots;
    FtSsize cdata_offset;       /* 0: none (own or inherited) */
    size_t cdata_size;
    void (*finalize)(FtObject *);   /* own or inherited */
    /* this class's own hooks (the chain is walked for inherited ones) */
    int (*traverse)(FtObject *, FtVisitProc, void *);
    int (*clear)(FtObject *);
    /* Shared attribute keys (split keys) of this class's instances: see
     * "Instance attributes" above. keys: a raw array of
     * FT_CLASS_MAX_KEYS interned names, made with the class (NULL without
     * a __dict__); nkeys: how many are set. Appended under keys_mu only. */
    FtObject **keys;            /* immutable once the class is built */
    FtSsize nkeys;              /* ATOMIC: release/acquire */
} FtClass;

static inline int is_class(const FtType *tp)
{
    return (tp->tp_flags & FT_TPFLAGS_HEAPTYPE) && tp->tp_class != NULL;
}

static inline FtClass *class_of(FtObject *op)
{
    return (FtClass *)op->ob_type->tp_class;
}

static inline FtObject **field(FtObject *op, FtSsize offset)
{
    return (FtObject **)((char *)op + offset);
}

static char *dup_cstr(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = ft_mem_alloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

/* ---- Split keys: the class's key table and the instances' values ---- */

#define FT_CLASS_MAX_KEYS 30        /* as CPython's SHARED_KEYS_MAX_SIZE */

/* Serialises appends to every class's key table (rare: once per name and
 * class). A leaf: nothing is taken, allocated or polled while it is held. */
static pthread_mutex_t keys_mu = PTHREAD_MUTEX_INITIALIZER;

typedef struct InstValues {
    FtSsize cap;                /* values[0..cap) <-> the class's keys[0..cap) */
    FtObject *values[];         /* NULL: not set */
} InstValues;

#define VALUES_TAG ((uintptr_t)1)
static inline int is_values(FtObject *w) { return ((uintptr_t)w & VALUES_TAG) != 0; }
static inline InstValues *as_values(FtObject *w)
{
    return (InstValues *)((uintptr_t)w & ~VALUES_TAG);
}
static inline FtObject *tag_values(InstValues *v)
{
    return (FtObject *)((uintptr_t)v | VALUES_TAG);
}

/* Index of `name` in cls's key table, or -1. Lock-free. Interned names are
 * compared by identity only (an equal interned str is the same object). */
static FtSsize key_find(FtClass *cls, FtObject *name, int interned)
{
    /* acquire: pairs with the release store of nkeys in key_add, so
     * keys[0..n) are visible. */
    FtSsize n = FT_LOAD_ACQUIRE(cls->nkeys);
    if (n == 0)
        return -1;
    FtObject **keys = cls->keys;
    for (FtSsize i = 0; i < n; i++)
        if (keys[i] == name)
            return i;
    if (!interned)
        for (FtSsize i = 0; i < n; i++)
            if (ft_str_equal(keys[i], name) == 1)
                return i;
    return -1;
}

/* Index of `name`, appended if absent; -1 if the table is full or the
 * name is not interned and not yet a key (the caller falls back to a dict:
 * only interned names become keys, so a key needs no reference and
 * ft_setattr's one-off strs create nothing that outlives the call). */
static FtSsize key_add(FtClass *cls, FtObject *name, int interned)
{
    FtSsize i = key_find(cls, name, interned);
    if (i >= 0 || !interned || !cls->keys
        || FT_LOAD_ACQUIRE(cls->nkeys) >= FT_CLASS_MAX_KEYS)
        return i;
    pthread_mutex_lock(&keys_mu);
    FtSsize n = FT_LOAD_RELAXED(cls->nkeys);
    for (FtSsize j = 0; j < n && i < 0; j++)
        if (cls->keys[j] == name)
            i = j;
    if (i < 0 && n < FT_CLASS_MAX_KEYS) {
        cls->keys[n] = name;
        /* release: keys[n] before the count (key_find's acquire). */
        FT_STORE_RELEASE(cls->nkeys, n + 1);
        i = n;
    }
    pthread_mutex_unlock(&keys_mu);
    return i;
}

static InstValues *values_new(FtSsize cap)
{
    InstValues *v = ft_mem_alloc(sizeof(InstValues) + (size_t)cap * sizeof(FtObject *));
    if (v) {
        v->cap = cap;
        memset(v->values, 0, (size_t)cap * sizeof(FtObject *));
    }
    return v;
}

/* Drop a detached values block: its references, then the block. */
static void values_free(InstValues *v)
{
    for (FtSsize i = 0; i < v->cap; i++)
        FT_CLEAR(v->values[i]);
    ft_mem_free(v);
}

/* ---- Instances: lifetime ---- */

/* Every heap class in tp's chain, most derived first. */
#define FOR_EACH_CLASS(c, tp) \
    for (const FtType *c##_t = (tp); c##_t && is_class(c##_t); c##_t = c##_t->tp_base) \
        for (FtClass *c = (FtClass *)c##_t->tp_class; c; c = NULL)

static int instance_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtType *tp = op->ob_type;
    FtClass *cls = class_of(op);
    FT_VISIT(&tp->ob_base);
    for (FtSsize i = 0; i < cls->nslots; i++)
        FT_VISIT(*field(op, cls->slots[i].offset));
    if (tp->tp_dictoffset) {
        FtObject *w = FT_LOAD_RELAXED(*field(op, tp->tp_dictoffset));
        if (w && is_values(w)) {
            InstValues *v = as_values(w);
            for (FtSsize i = 0; i < v->cap; i++)
                FT_VISIT(v->values[i]);
        } else {
            FT_VISIT(w);
        }
    }
    FOR_EACH_CLASS(c, tp) {
        if (c->traverse) {
            int rc = c->traverse(op, visit, arg);
            if (rc)
                return rc;
        }
    }
    return 0;
}

/* Drop the references an instance holds (not its class's). */
static int instance_clear(FtObject *op)
{
    FtType *tp = op->ob_type;
    FtClass *cls = class_of(op);
    FOR_EACH_CLASS(c, tp) {
        if (c->clear)
            c->clear(op);
    }
    for (FtSsize i = 0; i < cls->nslots; i++)
        FT_CLEAR(*field(op, cls->slots[i].offset));
    if (tp->tp_dictoffset) {
        /* Detached first: what the decrefs run cannot see a half-cleared
         * block. */
        FtObject *w = FT_LOAD_RELAXED(*field(op, tp->tp_dictoffset));
        FT_STORE_RELAXED(*field(op, tp->tp_dictoffset), NULL);
        if (w && is_values(w))
            values_free(as_values(w));
        else
            ft_xdecref(w);
    }
    return 0;
}

static void instance_finalize(FtObject *op)
{
    FtClass *cls = class_of(op);
    if (cls->finalize)
        cls->finalize(op);
}

/* Run the finalizer from a dealloc (count reached zero). Returns 1 if the
 * instance was resurrected: the caller must stop. */
static int finalize_from_dealloc(FtObject *op)
{
    ft__gc_bits_set(op, FT_GC_FINALIZED);     /* at most once (PEP 442) */
    ft__weakrefs_mark_dying(op);
    ft_incref(op);                            /* temporary reference */
    FtErrorState saved;
    ft_error_fetch(&saved);
    op->ob_type->tp_finalize(op);
    ft_error_restore(&saved);
    /* Drops the temporary reference; > 0: someone else holds one now. */
    return ft__finalizer_release(op) > 0;
}

static void instance_dealloc(FtObject *op)
{
    FtType *tp = op->ob_type;
    if (tp->tp_finalize && !(ft__gc_bits(op) & FT_GC_FINALIZED)
        && finalize_from_dealloc(op))
        return;                               /* resurrected */
    ft__gc_untrack(op);
    /* A chain of instances a million long (a.next = b, ...) must not
     * recurse a million deep: the trashcan (runtime/trashcan.h). */
    FT_TRASHCAN_BEGIN(op)
    if (tp->tp_weaklistoffset)
        ft__weakrefs_clear(op);               /* callbacks run here */
    instance_clear(op);
    ft__object_free(op);
    ft_decref(&tp->ob_base);                  /* the instance's class */
    FT_TRASHCAN_END
}

/* ---- Instances: attributes ---- */

static const SlotDef *find_slot(FtClass *cls, const char *name)
{
    for (FtSsize i = 0; i < cls->nslots; i++)
        if (strcmp(cls->slots[i].name, name) == 0)
            return &cls->slots[i];
    return NULL;
}

enum { NAME_OTHER, NAME_SLOT, NAME_CLASS, NAME_DICT };

static inline int is_interned(FtObject *name)
{
    return ft_atomic_load_relaxed(&((FtStr *)name)->interned) != FT_STR_NOT_INTERNED;
}

/* What `name` (a str) names on instances of cls: one of NAME_*, with
 * *slot set for NAME_SLOT; -1 with the error set if a non-interned name
 * cannot be encoded. Interned names (every name the API interns, e.g.
 * ft_str_intern_cstr) need no text: a pointer compare per candidate. */
static int classify_name(FtClass *cls, FtObject *name, const SlotDef **slot)
{
    *slot = NULL;
    if (is_interned(name)) {
        for (FtSsize i = 0; i < cls->nslots; i++)
            if (cls->slots[i].name_obj == name) {
                *slot = &cls->slots[i];
                return NAME_SLOT;
            }
        return name == s_class ? NAME_CLASS : name == s_dict ? NAME_DICT : NAME_OTHER;
    }
    const char *s = ft_str_as_utf8(name, NULL);
    if (!s)
        return -1;
    if ((*slot = find_slot(cls, s)) != NULL)
        return NAME_SLOT;
    return strcmp(s, "__class__") == 0 ? NAME_CLASS
         : strcmp(s, "__dict__") == 0 ? NAME_DICT : NAME_OTHER;
}

/* The name's text for an error message ("?" if it has none). */
static const char *name_text(FtObject *name)
{
    FtErrorState saved;
    ft_error_fetch(&saved);
    const char *s = ft_str_as_utf8(name, NULL);
    ft_error_restore(&saved);
    return s ? s : "?";
}

static FtObject *no_attribute(FtObject *op, const char *name)
{
    ft_error_set(FT_ERR_ATTRIBUTE, "'%s' object has no attribute '%s'",
                 op->ob_type->tp_name, name);
    return NULL;
}

/* The instance's dict (borrowed; the instance keeps it until it dies),
 * created on first use: the split-key values, if any, move into it. NULL +
 * error on allocation failure. */
static FtObject *instance_dict_borrow(FtObject *op)
{
    FtClass *cls = class_of(op);
    FtObject **slot = field(op, op->ob_type->tp_dictoffset);
    /* acquire: pairs with the release stores below, so the dict is seen
     * built. A dict, once installed, stays. */
    FtObject *d = FT_LOAD_ACQUIRE(*slot);
    if (d && !is_values(d))
        return d;
    for (;;) {
        FtObject *keys[FT_CLASS_MAX_KEYS], *vals[FT_CLASS_MAX_KEYS];
        FtSsize n = 0;
        FtObject *seen;
        /* 1. Snapshot the values (new references) under the lock. */
        d = NULL;
        FT_BEGIN_CRITICAL_SECTION(op);
        seen = FT_LOAD_RELAXED(*slot);
        if (seen && !is_values(seen)) {
            d = seen;
        } else if (seen) {
            InstValues *v = as_values(seen);
            FtObject **ktab = cls->keys;
            for (FtSsize i = 0; i < v->cap; i++)
                if (v->values[i]) {
                    keys[n] = ktab[i];
                    vals[n++] = ft_newref(v->values[i]);
                }
        }
        FT_END_CRITICAL_SECTION();
        if (d)
            return d;
        /* 2. Build the dict outside the lock (it allocates). */
        FtObject *fresh = ft_dict_new();
        for (FtSsize j = 0; fresh && j < n; j++)
            if (ft_dict_set_item(fresh, keys[j], vals[j]) < 0)
                FT_CLEAR(fresh);
        /* 3. Install it if the values did not change meanwhile (the
         * snapshot's references keep its objects alive: no ABA). */
        InstValues *dead = NULL;
        int installed = 0;
        if (fresh) {
            FT_BEGIN_CRITICAL_SECTION(op);
            FtObject *w = FT_LOAD_RELAXED(*slot);
            if (w == seen) {
                int same = 1;
                if (w) {
                    InstValues *v = as_values(w);
                    FtSsize j = 0;
                    for (FtSsize i = 0; i < v->cap && same; i++)
                        if (v->values[i])
                            same = j < n && v->values[i] == vals[j++];
                    same = same && j == n;
                }
                if (same) {
                    /* release: the dict's contents before its pointer. */
                    FT_STORE_RELEASE(*slot, fresh);
                    dead = w ? as_values(w) : NULL;
                    installed = 1;
                }
            } else if (!is_values(w)) {
                d = w;                        /* another thread made one */
            }
            FT_END_CRITICAL_SECTION();
        }
        for (FtSsize j = 0; j < n; j++)
            ft_decref(vals[j]);
        if (installed) {
            if (dead)
                values_free(dead);            /* the dict holds its own */
            return fresh;
        }
        if (!fresh)
            return NULL;
        ft_decref(fresh);
        if (d)
            return d;
    }
}

/* Split-key access. Each returns 2 when the instance has a dict (the
 * caller uses it), else: */
/* get: 1 with *out (new reference), 0 not set. */
static int values_get(FtObject *op, FtObject *name, int interned, FtObject **out)
{
    FtSsize i = key_find(class_of(op), name, interned);
    FtObject **slot = field(op, op->ob_type->tp_dictoffset);
    int r = 0;
    FT_BEGIN_CRITICAL_SECTION(op);
    FtObject *w = FT_LOAD_RELAXED(*slot);
    if (w && !is_values(w)) {
        r = 2;
    } else if (w && i >= 0 && i < as_values(w)->cap && as_values(w)->values[i]) {
        *out = ft_newref(as_values(w)->values[i]);
        r = 1;
    }
    FT_END_CRITICAL_SECTION();
    return r;
}

/* set (value != NULL): 1 done, 0 the name cannot be a split key (make a
 * dict), -1 error. del (value == NULL): 1 done, 0 not set. */
static int values_set(FtObject *op, FtObject *name, int interned, FtObject *value)
{
    FtClass *cls = class_of(op);
    FtObject **slot = field(op, op->ob_type->tp_dictoffset);
    FtSsize i;
    if (value) {
        i = key_add(cls, name, interned);
        if (i < 0)
            return 0;
        ft_incref(value);
    } else {
        i = key_find(cls, name, interned);
    }
    InstValues *fresh = NULL, *dead = NULL;
    FtObject *old = NULL;
    int r = -3;                               /* -3: needs a bigger block */
    while (r == -3) {
        FT_BEGIN_CRITICAL_SECTION(op);
        FtObject *w = FT_LOAD_RELAXED(*slot);
        InstValues *v = w && is_values(w) ? as_values(w) : NULL;
        if (w && !v) {
            r = 2;
        } else if (!value) {
            if (v && i >= 0 && i < v->cap && v->values[i]) {
                old = v->values[i];
                FT_STORE_RELAXED(v->values[i], NULL);
                r = 1;
            } else {
                r = 0;
            }
        } else if (v && i < v->cap) {
            old = v->values[i];
            FT_STORE_RELAXED(v->values[i], value);
            r = 1;
        } else if (fresh && i < fresh->cap && (!v || v->cap <= fresh->cap)) {
            if (v)
                memcpy(fresh->values, v->values, (size_t)v->cap * sizeof(FtObject *));
            fresh->values[i] = value;
            FT_STORE_RELEASE(*slot, tag_values(fresh));
            dead = v;                         /* its references moved */
            fresh = NULL;
            r = 1;
        }
        FT_END_CRITICAL_SECTION();
        if (r == -3) {
            /* Room for every key the class has now (later instances get
             * their block at the right size at once). */
            FtSsize cap = FT_LOAD_ACQUIRE(cls->nkeys);
            if (cap <= i)
                cap = i + 1;
            ft_mem_free(fresh);
            if (!(fresh = values_new(cap))) {
                ft_decref(value);
                return -1;
            }
        }
    }
    ft_mem_free(fresh);
    ft_mem_free(dead);
    if (value && r != 1)
        ft_decref(value);                     /* r == 2: the caller sets it */
    ft_xdecref(old);                          /* outside the lock */
    return r == 2 ? (value ? 0 : 2) : r;
}

static FtObject *slot_get(FtObject *op, const SlotDef *s)
{
    FtObject *v;
    FT_BEGIN_CRITICAL_SECTION(op);
    v = FT_LOAD_RELAXED(*field(op, s->offset));
    if (v)
        ft_incref(v);
    FT_END_CRITICAL_SECTION();
    if (!v)
        ft_error_set(FT_ERR_ATTRIBUTE, "'%s' object has no attribute '%s'",
                     op->ob_type->tp_name, s->name);
    return v;
}

static int slot_set(FtObject *op, const SlotDef *s, FtObject *value)
{
    FtObject *old;
    if (value)
        ft_incref(value);
    FT_BEGIN_CRITICAL_SECTION(op);
    old = FT_LOAD_RELAXED(*field(op, s->offset));
    FT_STORE_RELAXED(*field(op, s->offset), value);
    FT_END_CRITICAL_SECTION();
    if (!value && !old) {
        ft_error_set(FT_ERR_ATTRIBUTE, "'%s' object has no attribute '%s'",
                     op->ob_type->tp_name, s->name);
        return -1;
    }
    ft_xdecref(old);              /* outside the lock: may run finalizers */
    return 0;
}

static FtObject *instance_getattro(FtObject *op, FtObject *name)
{
    const SlotDef *slot;
    int what = classify_name(class_of(op), name, &slot);
    if (what < 0)
        return NULL;
    if (what == NAME_SLOT)
        return slot_get(op, slot);
    FtType *tp = op->ob_type;
    if (what == NAME_CLASS)
        return ft_newref(&tp->ob_base);
    if (what == NAME_DICT)
        return ft_instance_dict(op);
    if (tp->tp_dictoffset) {
        FtObject *d = FT_LOAD_ACQUIRE(*field(op, tp->tp_dictoffset));
        FtObject *v = NULL;
        if (d && is_values(d)) {
            int rc = values_get(op, name, is_interned(name), &v);
            if (rc == 1)
                return v;
            d = rc == 2 ? FT_LOAD_ACQUIRE(*field(op, tp->tp_dictoffset)) : NULL;
        }
        if (d) {
            int rc = ft_dict_lookup(d, name, &v);
            if (rc < 0)
                return NULL;
            if (rc > 0)
                return v;
        }
    }
    return no_attribute(op, name_text(name));
}

static int instance_setattro(FtObject *op, FtObject *name, FtObject *value)
{
    const SlotDef *slot;
    int what = classify_name(class_of(op), name, &slot);
    if (what < 0)
        return -1;
    if (what == NAME_SLOT)
        return slot_set(op, slot, value);
    FtType *tp = op->ob_type;
    if (what == NAME_CLASS || what == NAME_DICT) {
        ft_error_set(FT_ERR_ATTRIBUTE,
                     "attribute '%s' of '%s' objects is not writable",
                     name_text(name), tp->tp_name);
        return -1;
    }
    if (!tp->tp_dictoffset) {
        no_attribute(op, name_text(name));
        return -1;
    }
    FtObject *d = FT_LOAD_ACQUIRE(*field(op, tp->tp_dictoffset));
    if (!d || is_values(d)) {
        int rc = values_set(op, name, is_interned(name), value);
        if (rc < 0)
            return -1;
        if (rc == 1)
            return 0;
        if (!value && rc == 0) {
            no_attribute(op, name_text(name));
            return -1;
        }
        /* The instance has a dict, or the name needs one. */
    }
    if (value) {
        d = instance_dict_borrow(op);
        return d ? ft_dict_set_item(d, name, value) : -1;
    }
    d = FT_LOAD_ACQUIRE(*field(op, tp->tp_dictoffset));
    if (!d) {
        no_attribute(op, name_text(name));
        return -1;
    }
    if (ft_dict_del_item(d, name) < 0) {
        if (ft_error_kind() == FT_ERR_KEY)
            no_attribute(op, name_text(name));
        return -1;
    }
    return 0;
}

/* ---- Generic attribute entry points (ftrt/object.h, ftrt/class.h) ---- */

FtObject *ft_getattr_obj(FtObject *op, FtObject *name)
{
    FT_NONNULL(NULL, op, name);
    if (!ft_is_str(name)) {
        ft_error_set(FT_ERR_TYPE, "attribute name must be string, not '%s'",
                     name->ob_type->tp_name);
        return NULL;
    }
    FtType *tp = op->ob_type;
    if (tp->tp_getattro)
        return tp->tp_getattro(op, name);
    const char *s = ft_str_as_utf8(name, NULL);
    if (!s)
        return NULL;
    if (strcmp(s, "__class__") == 0)
        return ft_newref(&tp->ob_base);
    return no_attribute(op, s);
}

int ft_setattr_obj(FtObject *op, FtObject *name, FtObject *value)
{
    FT_NONNULL(-1, op, name);
    if (!ft_is_str(name)) {
        ft_error_set(FT_ERR_TYPE, "attribute name must be string, not '%s'",
                     name->ob_type->tp_name);
        return -1;
    }
    FtType *tp = op->ob_type;
    if (tp->tp_setattro)
        return tp->tp_setattro(op, name, value);
    const char *s = ft_str_as_utf8(name, NULL);
    if (!s)
        return -1;
    no_attribute(op, s);
    return -1;
}

int ft_delattr_obj(FtObject *op, FtObject *name)
{
    FT_NONNULL(-1, op, name);
    return ft_setattr_obj(op, name, NULL);
}

FtObject *ft_getattr(FtObject *op, const char *name)
{
    FT_NONNULL(NULL, op, name);
    FtObject *n = ft_str_from_utf8(name, -1);
    if (!n)
        return NULL;
    FtObject *r = ft_getattr_obj(op, n);
    ft_decref(n);
    return r;
}

int ft_setattr(FtObject *op, const char *name, FtObject *value)
{
    FT_NONNULL(-1, op, name, value);    /* deleting is ft_delattr */
    FtObject *n = ft_str_from_utf8(name, -1);
    if (!n)
        return -1;
    int r = ft_setattr_obj(op, n, value);
    ft_decref(n);
    return r;
}

int ft_delattr(FtObject *op, const char *name)
{
    FT_NONNULL(-1, op, name);
    FtObject *n = ft_str_from_utf8(name, -1);
    if (!n)
        return -1;
    int r = ft_setattr_obj(op, n, NULL);
    ft_decref(n);
    return r;
}

/* ---- Instances: public ---- */

static void object_dealloc(FtObject *op)
{
    ft__object_free(op);
}

FtObject *ft_instance_new(FtType *cls)
{
    FT_NONNULL(NULL, cls);
    if (cls == &ft_object_type)
        return ft__object_alloc(cls, sizeof(FtObject));
    if (!is_class(cls)) {
        ft_error_set(FT_ERR_TYPE, "cannot create '%s' instances with ft_instance_new",
                     cls->tp_name);
        return NULL;
    }
    FtObject *op = ft__object_alloc(cls, cls->tp_basicsize);
    if (!op)
        return NULL;
    memset((char *)op + sizeof(FtObject), 0, cls->tp_basicsize - sizeof(FtObject));
    ft_incref(&cls->ob_base);
    ft__gc_track(op);
    return op;
}

void *ft_instance_cdata(FtObject *self)
{
    FT_NONNULL(NULL, self);
    if (!is_class(self->ob_type) || !class_of(self)->cdata_offset)
        return NULL;
    return (char *)self + class_of(self)->cdata_offset;
}

FtObject *ft_instance_dict(FtObject *self)
{
    FT_NONNULL(NULL, self);
    if (!is_class(self->ob_type) || !self->ob_type->tp_dictoffset) {
        ft_error_set(FT_ERR_ATTRIBUTE, "'%s' object has no attribute '__dict__'",
                     self->ob_type->tp_name);
        return NULL;
    }
    FtObject *d = instance_dict_borrow(self);
    return d ? ft_newref(d) : NULL;
}

/* ---- Classes ---- */

static void class_free_data(FtClass *c)
{
    ft_mem_free(c->keys);                     /* interned names: immortal */
    if (c->slots) {
        for (FtSsize i = 0; i < c->nslots; i++)
            ft_mem_free(c->slots[i].name);
        ft_mem_free(c->slots);
    }
    ft_mem_free(c->name);
}

static void type_dealloc(FtObject *op)
{
    FtType *tp = (FtType *)op;
    FT_ASSERT(tp->tp_flags & FT_TPFLAGS_HEAPTYPE);
    ft__gc_untrack(op);
    FtType *base = tp->tp_base;
    class_free_data((FtClass *)tp);
    ft__object_free(op);
    if (base && (base->tp_flags & FT_TPFLAGS_HEAPTYPE))
        ft_decref(&base->ob_base);
}

static int type_traverse(FtObject *op, FtVisitProc visit, void *arg)
{
    FtType *tp = (FtType *)op;
    if ((tp->tp_flags & FT_TPFLAGS_HEAPTYPE) && tp->tp_base
        && (tp->tp_base->tp_flags & FT_TPFLAGS_HEAPTYPE))
        FT_VISIT(&tp->tp_base->ob_base);
    return 0;
}

static int type_clear(FtObject *op)
{
    (void)op;          /* a class refers only to its base: no cycles */
    return 0;
}

static FtObject *type_getattro(FtObject *op, FtObject *name)
{
    FtType *tp = (FtType *)op;
    const char *s = ft_str_as_utf8(name, NULL);
    if (!s)
        return NULL;
    if (strcmp(s, "__name__") == 0)
        return ft_str_from_utf8(tp->tp_name, -1);
    if (strcmp(s, "__class__") == 0)
        return ft_newref(&ft_type_type.ob_base);
    if (strcmp(s, "__base__") == 0)
        return ft_newref(tp->tp_base ? &tp->tp_base->ob_base : FT_NONE);
    ft_error_set(FT_ERR_ATTRIBUTE, "type object '%s' has no attribute '%s'",
                 tp->tp_name, s);
    return NULL;
}

static size_t type_sizeof(FtObject *op)
{
    FtType *tp = (FtType *)op;
    if (!is_class(tp))
        return sizeof(FtType);
    FtClass *c = (FtClass *)tp;
    return sizeof(FtClass) + strlen(c->name) + 1
        + (size_t)c->nslots * sizeof(SlotDef);
}

/* Validate the spec against the base; -1 with FT_ERR_TYPE/VALUE. */
static int check_spec(const FtClassSpec *spec, FtType *base)
{
    if (!spec->name || !spec->name[0]) {
        ft_error_set(FT_ERR_VALUE, "class name is required");
        return -1;
    }
    if (base != &ft_object_type && !is_class(base)) {
        ft_error_set(FT_ERR_TYPE, "type '%s' is not an acceptable base type",
                     base->tp_name);
        return -1;
    }
    if (spec->cdata_size && is_class(base) && ((FtClass *)base)->cdata_size) {
        ft_error_set(FT_ERR_TYPE, "class '%s': base '%s' already has C data",
                     spec->name, base->tp_name);
        return -1;
    }
    for (size_t i = 0; spec->slots && spec->slots[i]; i++) {
        const char *s = spec->slots[i];
        if (!s[0] || strcmp(s, "__dict__") == 0 || strcmp(s, "__class__") == 0) {
            ft_error_set(FT_ERR_VALUE, "invalid slot name '%s'", s);
            return -1;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(spec->slots[j], s) == 0) {
                ft_error_set(FT_ERR_VALUE, "duplicate slot name '%s'", s);
                return -1;
            }
        if (is_class(base) && find_slot((FtClass *)base, s)) {
            ft_error_set(FT_ERR_VALUE, "slot '%s' already defined by the base", s);
            return -1;
        }
    }
    return 0;
}

/* Copy the base's slot table and append the spec's, laying out offsets
 * from *offset on. */
static int build_slots(FtClass *c, const FtClassSpec *spec, FtType *base,
                       FtSsize *offset)
{
    FtClass *bc = is_class(base) ? (FtClass *)base : NULL;
    FtSsize nbase = bc ? bc->nslots : 0, nown = 0;
    while (spec->slots && spec->slots[nown])
        nown++;
    if (nbase + nown == 0)
        return 0;
    c->slots = ft_mem_calloc((size_t)(nbase + nown), sizeof(SlotDef));
    if (!c->slots)
        return -1;
    for (FtSsize i = 0; i < nbase + nown; i++) {
        const char *name = i < nbase ? bc->slots[i].name : spec->slots[i - nbase];
        c->slots[i].name = dup_cstr(name);
        if (!c->slots[i].name)
            return -1;            /* c->nslots counts what to free */
        c->nslots = i + 1;
        /* Interned strs are immortal: nothing to release with the class. */
        c->slots[i].name_obj = i < nbase ? bc->slots[i].name_obj
                                         : ft_str_intern_cstr(name);
        if (!c->slots[i].name_obj)
            return -1;
        if (i < nbase) {
            c->slots[i].offset = bc->slots[i].offset;
        } else {
            c->slots[i].offset = *offset;
            *offset += (FtSsize)sizeof(FtObject *);
        }
    }
    return 0;
}

static void init_type_fields(FtClass *c, const FtClassSpec *spec, FtType *base)
{
    FtType *tp = &c->type;
    tp->tp_name = c->name;
    tp->tp_flags = FT_TPFLAGS_GC | FT_TPFLAGS_HEAPTYPE | FT_TPFLAGS_BASETYPE;
    tp->tp_base = base;
    tp->tp_dealloc = instance_dealloc;
    tp->tp_traverse = instance_traverse;
    tp->tp_clear = instance_clear;
    tp->tp_hash = ft__object_identity_hash;
    tp->tp_getattro = instance_getattro;
    tp->tp_setattro = instance_setattro;
    tp->tp_class = c;
    c->finalize = spec->finalize ? spec->finalize
                : is_class(base) ? ((FtClass *)base)->finalize : NULL;
    tp->tp_finalize = c->finalize ? instance_finalize : NULL;
    c->traverse = spec->traverse;
    c->clear = spec->clear;
    tp->tp_dictoffset = base->tp_dictoffset;
    tp->tp_weaklistoffset = base->tp_weaklistoffset;
}

FtType *ft_class_new(const FtClassSpec *spec)
{
    FT_NONNULL(NULL, spec);
    FtType *base = spec->base ? spec->base : &ft_object_type;
    if (check_spec(spec, base) < 0)
        return NULL;
    FtClass *c = (FtClass *)ft__object_alloc(&ft_type_type, sizeof(FtClass));
    if (!c)
        return NULL;
    memset((char *)c + sizeof(FtObject), 0, sizeof(FtClass) - sizeof(FtObject));
    FtType *tp = &c->type;
    FtSsize offset = (FtSsize)base->tp_basicsize;
    if (!(c->name = dup_cstr(spec->name)) || build_slots(c, spec, base, &offset) < 0) {
        class_free_data(c);
        ft__object_free(&c->type.ob_base);
        return NULL;
    }
    init_type_fields(c, spec, base);
    if (!spec->slots && !tp->tp_dictoffset) {
        tp->tp_dictoffset = offset;
        offset += (FtSsize)sizeof(FtObject *);
    }
    if (tp->tp_dictoffset
        && !(c->keys = ft_mem_calloc(FT_CLASS_MAX_KEYS, sizeof(FtObject *)))) {
        class_free_data(c);
        ft__object_free(&c->type.ob_base);
        return NULL;
    }
    if (spec->weakrefs && !tp->tp_weaklistoffset) {
        tp->tp_weaklistoffset = offset;
        offset += (FtSsize)sizeof(uintptr_t);
    }
    if (is_class(base) && ((FtClass *)base)->cdata_size) {
        c->cdata_offset = ((FtClass *)base)->cdata_offset;
        c->cdata_size = ((FtClass *)base)->cdata_size;
    } else if (spec->cdata_size) {
        offset = (offset + 15) & ~(FtSsize)15;
        c->cdata_offset = offset;
        c->cdata_size = spec->cdata_size;
        offset += (FtSsize)((spec->cdata_size + 7) & ~(size_t)7);
    }
    tp->tp_basicsize = (size_t)offset;
    if (ft__type_ready(tp) < 0) {
        class_free_data(c);
        ft__object_free(&c->type.ob_base);
        return NULL;
    }
    if (is_class(base))
        ft_incref(&base->ob_base);
    ft__gc_track(&tp->ob_base);
    return tp;
}

/* ---- Subsystem init ---- */

int ft__class_init(void)
{
    /* The root types are defined in runtime/object.c; classes need these
     * slots of them. Set before any class exists. */
    ft_type_type.tp_flags |= FT_TPFLAGS_GC;
    ft_type_type.tp_dealloc = type_dealloc;
    ft_type_type.tp_traverse = type_traverse;
    ft_type_type.tp_clear = type_clear;
    ft_type_type.tp_getattro = type_getattro;
    ft_type_type.tp_sizeof = type_sizeof;
    if (!ft_object_type.tp_dealloc)
        ft_object_type.tp_dealloc = object_dealloc;
    /* Interned (immortal) until ft__str_fini frees the table; re-made by
     * the next ft_runtime_init. */
    if (!(s_class = ft_str_intern_cstr("__class__"))
        || !(s_dict = ft_str_intern_cstr("__dict__")))
        return -1;
    return ft__weakref_init();
}
