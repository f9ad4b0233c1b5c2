/* runtime/init.c: the order in which subsystems start and stop.
 *
 * ft_runtime_init (threads/tstate.c) calls ft__subsystems_init after the
 * allocator and the calling thread's state exist; each entry readies its
 * static types and builds its singletons. ft_runtime_fini calls the fini
 * functions in reverse order. Subsystems append one line to each table.
 */
#include "runtime/internal.h"
#include "runtime/init.h"

static const FtSubsystem subsystems[] = {
    { "object", ft__object_init, NULL },
    { "str", ft__str_init, ft__str_fini },
    { "seq", ft__seq_init, NULL },
    { "dict", ft__dict_init, NULL },
    { "set", ft__set_init, NULL },
    { "gc", ft__gc_init, ft__gc_fini },
    { "int", ft__int_init, NULL },
    { "bool", ft__bool_init, NULL },
    { "float", ft__float_init, NULL },
    { "class", ft__class_init, NULL },
    { "weakvaluedict", ft__weakvaluedict_init, NULL },
    { "bytes", ft__bytes_init, NULL },
    { "deque", ft__deque_init, NULL },
    /* append subsystems here, in dependency order */
};

int ft__subsystems_init(void)
{
    for (size_t i = 0; i < FT_ARRAY_LEN(subsystems); i++) {
        if (subsystems[i].init && subsystems[i].init() < 0) {
            while (i-- > 0)
                if (subsystems[i].fini)
                    subsystems[i].fini();
            return -1;
        }
    }
    return 0;
}

void ft__subsystems_fini(void)
{
    for (size_t i = FT_ARRAY_LEN(subsystems); i-- > 0;)
        if (subsystems[i].fini)
            subsystems[i].fini();
}

/* The build-mode guard's symbol (ftrt/common.h): defined only for the mode
 * this library was built in. */
const char FT_ABI_MODE_SYMBOL = 1;
