// libcjose (Debian libcjose-dev): JWK import and JWS verification, as mod_auth_openidc uses it.
#ifndef GATEHOUSE_CJOSE_SHIM_H
#define GATEHOUSE_CJOSE_SHIM_H
#include <cjose/cjose.h>
#endif
