// hiredis (Debian libhiredis-dev, 0.14). Only the non-variadic calls are used (redisCommandArgv,
// redisAppendCommandArgv), so nothing here needs wrapping.
#ifndef GATEHOUSE_CHIREDIS_SHIM_H
#define GATEHOUSE_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#endif
