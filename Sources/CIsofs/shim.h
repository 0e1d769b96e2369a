#ifndef SANDBOX_CISOFS_SHIM_H
#define SANDBOX_CISOFS_SHIM_H

#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#define LIBISOFS_WITHOUT_LIBBURN 1
#include <libisofs/libisofs.h>

#endif
