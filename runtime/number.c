/* runtime/number.c: the generic numeric operations on int, bool and float
 * operands: two ints (bools included) give int arithmetic, otherwise both
 * are converted to double (runtime/float.c) and the float rules apply.
 * Any thread; operands are immutable.
 */
#include "runtime/internal.h"

static int both_int(FtObject *a, FtObject *b)
{
    return ft_is_int(a) && ft_is_int(b);
}

FtObject *ft_number_add(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return both_int(a, b) ? ft_int_add(a, b) : ft_float_add(a, b);
}

FtObject *ft_number_sub(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return both_int(a, b) ? ft_int_sub(a, b) : ft_float_sub(a, b);
}

FtObject *ft_number_mul(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return both_int(a, b) ? ft_int_mul(a, b) : ft_float_mul(a, b);
}

FtObject *ft_number_truediv(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return both_int(a, b) ? ft_int_truediv(a, b) : ft_float_truediv(a, b);
}

FtObject *ft_number_floordiv(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return both_int(a, b) ? ft_int_floordiv(a, b) : ft_float_floordiv(a, b);
}

FtObject *ft_number_mod(FtObject *a, FtObject *b)
{
    FT_NONNULL(NULL, a, b);
    return both_int(a, b) ? ft_int_mod(a, b) : ft_float_mod(a, b);
}
