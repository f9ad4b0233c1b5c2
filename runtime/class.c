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
 * Thread safety (docs/concurrency.md):
 *   - slot attributes are read and written inside a critical section on
 *     the instance; the old value is released after leaving it;
 *   - the __dict__ pointer is written once (created lazily under the
 *     instance's lock, published with release) and read lock-free
 *     (acquire); attribute lookups in it are the dict's lock-free lookups;
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
    if (tp->tp_dictoffset)
        FT_VISIT(*field(op, tp->tp_dictoffset));
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
    if (tp->tp_dictoffset)
        FT_CLEAR(*field(op, tp->tp_dictoffset));
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

/* What `name` (a str) names on instances of cls: one of NAME_*, with
 * *slot set for NAME_SLOT; -1 with the error set if a non-interned name
 * cannot be encoded. Interned names (every name the API interns, e.g.
 * ft_str_intern_cstr) need no text: a pointer compare per candidate. */
static int classify_name(FtClass *cls, FtObject *name, const SlotDef **slot)
{
    *slot = NULL;
    if (ft_atomic_load_relaxed(&((FtStr *)name)->interned) != FT_STR_NOT_INTERNED) {
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
 * created on first use. NULL + error on allocation failure. */
static FtObject *instance_dict_borrow(FtObject *op)
{
    FtObject **slot = field(op, op->ob_type->tp_dictoffset);
    /* acquire: pairs with the release below, so the dict is seen built. */
    FtObject *d = FT_LOAD_ACQUIRE(*slot);
    if (d)
        return d;
    FtObject *fresh = ft_dict_new();          /* outside the lock */
    if (!fresh)
        return NULL;
    FT_BEGIN_CRITICAL_SECTION(op);
    d = FT_LOAD_RELAXED(*slot);
    if (!d) {
        /* release: publishes the new dict to lock-free readers. */
        FT_STORE_RELEASE(*slot, fresh);
        d = fresh;
        fresh = NULL;
    }
    FT_END_CRITICAL_SECTION();
    if (fresh)
        ft_decref(fresh);                     /* another thread won */
    return d;
}

static FtObject *slot_get(FtObject *op, const SlotDef *s)
{
    FtObject *v;
#if defined(FT_BROKEN_SLOTS_LOCK)
    /* BROKEN ON PURPOSE (-Dbreak_protocol=slots_lock): the slot is read and
     * its value increfed without the instance's lock, so a concurrent
     * slot_set may release the old value in between (incref of a freed,
     * reused object). Caught by stress_containers/attrs: TSan race on the
     * value (plain build: a value of another attribute, or refcounts off). */
    v = FT_LOAD_RELAXED(*field(op, s->offset));
    if (v)
        ft_incref(v);
#else
    FT_BEGIN_CRITICAL_SECTION(op);
    v = FT_LOAD_RELAXED(*field(op, s->offset));
    if (v)
        ft_incref(v);
    FT_END_CRITICAL_SECTION();
#endif
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
    if (value) {
        FtObject *d = instance_dict_borrow(op);
        return d ? ft_dict_set_item(d, name, value) : -1;
    }
    FtObject *d = FT_LOAD_ACQUIRE(*field(op, tp->tp_dictoffset));
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
