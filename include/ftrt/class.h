/* ftrt/class.h: classes created at run time from C, their instances, and
 * weak references.
 */
#ifndef FTRT_CLASS_H
#define FTRT_CLASS_H

#include <ftrt/object.h>

typedef struct FtClassSpec {
    const char *name;             /* required */
    FtType *base;                 /* NULL: object */
    /* NULL: instances have a __dict__. Otherwise a NULL-terminated list of
     * slot names: attributes at fixed offsets, no __dict__. */
    const char *const *slots;
    int weakrefs;                 /* non-zero: instances accept weak refs */
    /* Like __del__: called at most once per instance (PEP 442), before the
     * instance is cleared, with the world running. May resurrect. */
    void (*finalize)(FtObject *self);
    /* Extra C-level state: bytes reserved after the attributes, zeroed at
     * creation, reachable through ft_instance_cdata(). traverse/clear must
     * report and drop the references held there. */
    size_t cdata_size;
    int (*traverse)(FtObject *self, FtVisitProc visit, void *arg);
    int (*clear)(FtObject *self);
} FtClassSpec;

FT_API extern FtType ft_type_type, ft_object_type;

/* Create a class (a new reference to a type object). */
FT_API FtType *ft_class_new(const FtClassSpec *spec);
/* A new instance: all slots unset, empty __dict__ created lazily. */
FT_API FtObject *ft_instance_new(FtType *cls);
FT_API void *ft_instance_cdata(FtObject *self);
/* The instance's __dict__ (new reference), NULL + FT_ERR_ATTRIBUTE for a
 * slotted class. */
FT_API FtObject *ft_instance_dict(FtObject *self);
/* Attribute access by str object (the cstr forms are in object.h). */
FT_API FtObject *ft_getattr_obj(FtObject *op, FtObject *name);
FT_API int ft_setattr_obj(FtObject *op, FtObject *name, FtObject *value);
FT_API int ft_delattr_obj(FtObject *op, FtObject *name);

/* ---- weak references ---- */
FT_API extern FtType ft_weakref_type;
/* A weak reference to op (which must support them: FT_ERR_TYPE otherwise).
 * callback(wr, arg), if given, runs exactly once after op has died. The
 * callback-less reference to an object is shared (same object returned). */
typedef void (*FtWeakCallback)(FtObject *weakref, void *arg);
FT_API FtObject *ft_weakref_new(FtObject *op, FtWeakCallback callback, void *arg);
/* A new strong reference to the referent, or NULL (no error) once it died.
 * Never resurrects an object whose count has reached zero. */
FT_API FtObject *ft_weakref_get(FtObject *wr);
FT_API FtSsize ft_weakref_count(FtObject *op);

/* Weak-value dictionary: entries vanish when their value dies. */
FT_API FtObject *ft_weakvaluedict_new(void);
FT_API int ft_weakvaluedict_set(FtObject *wd, FtObject *key, FtObject *value);
FT_API FtObject *ft_weakvaluedict_get(FtObject *wd, FtObject *key); /* NULL, no error, if gone */
FT_API FtSsize ft_weakvaluedict_len(FtObject *wd);

#endif /* FTRT_CLASS_H */
