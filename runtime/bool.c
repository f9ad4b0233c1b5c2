/* runtime/bool.c: None and bool.
 *
 * None, True and False are static immortal objects: their headers are
 * constant initialisers, so they exist before ft_runtime_init and any
 * thread may use them without counting. bool is a subtype of int sharing
 * int's layout (runtime/int_impl.h): True is the one-digit int 1 and False
 * the int 0, so every int operation accepts them, True == 1 and
 * hash(True) == hash(1). Operations on bools return plain ints.
 */
#include "runtime/int_impl.h"
#include "runtime/init.h"

/* ---- None ---- */

static FtObject *none_repr(FtObject *op)
{
    return ft_str_from_utf8("None", 4);
}

static int none_bool(FtObject *op)
{
    return 0;
}

static int64_t none_hash(FtObject *op)
{
    return ft__object_identity_hash(op);
}

FtType ft_none_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "NoneType",
    .tp_basicsize = sizeof(FtObject),
    .tp_hash = none_hash,
    .tp_repr = none_repr,
    .tp_bool = none_bool,
};

FtObject ft__none_object = FT_STATIC_OBJECT_HEAD(&ft_none_type);

/* ---- bool ---- */

static FtIntObject true_object = {
    .ob_base = { .ob_base = FT_STATIC_OBJECT_HEAD(&ft_bool_type), .ob_size = 1 },
    .ob_digit = { 1 },
};
static FtIntObject false_object = {
    .ob_base = { .ob_base = FT_STATIC_OBJECT_HEAD(&ft_bool_type), .ob_size = 0 },
    .ob_digit = { 0 },
};
FtObject *const ft__true_ptr = (FtObject *)&true_object;
FtObject *const ft__false_ptr = (FtObject *)&false_object;

static FtObject *bool_repr(FtObject *op)
{
    return op == FT_TRUE ? ft_str_from_utf8("True", 4)
                         : ft_str_from_utf8("False", 5);
}

static int bool_bool(FtObject *op)
{
    return op == FT_TRUE;
}

FtType ft_bool_type = {
    .ob_base = FT_STATIC_TYPE_HEAD,
    .tp_name = "bool",
    .tp_basicsize = FT_INT_HEADER_SIZE,
    .tp_itemsize = sizeof(ft_digit),
    .tp_flags = FT_TPFLAGS_INT_SUBCLASS,
    .tp_base = &ft_int_type,
    .tp_hash = ft__int_hash,
    .tp_richcompare = ft__int_richcompare,
    .tp_repr = bool_repr,
    .tp_bool = bool_bool,
    .tp_sizeof = ft__int_sizeof,
};

int ft__bool_init(void)
{
    if (ft__type_ready(&ft_none_type) < 0 || ft__type_ready(&ft_bool_type) < 0)
        return -1;
    return 0;
}
