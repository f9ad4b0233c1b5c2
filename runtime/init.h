/* runtime/init.h: subsystem start/stop functions (runtime/init.c). */
#ifndef FT_RUNTIME_INIT_H
#define FT_RUNTIME_INIT_H

#include "runtime/internal.h"

typedef struct FtSubsystem {
    const char *name;
    int (*init)(void);     /* 0 or -1 with the error set */
    void (*fini)(void);
} FtSubsystem;

int ft__subsystems_init(void);
void ft__subsystems_fini(void);

/* One declaration per subsystem; append. */
int ft__object_init(void);
int ft__str_init(void);
void ft__str_fini(void);
int ft__seq_init(void);
int ft__dict_init(void);
int ft__set_init(void);
int ft__gc_init(void);
void ft__gc_fini(void);
int ft__int_init(void);
int ft__bool_init(void);
int ft__float_init(void);
int ft__class_init(void);
int ft__weakvaluedict_init(void);
int ft__bytes_init(void);
int ft__deque_init(void);

#endif /* FT_RUNTIME_INIT_H */
