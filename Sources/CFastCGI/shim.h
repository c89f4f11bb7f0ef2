// libfcgi (Debian libfcgi-dev). fcgiapp.h is the thread-safe FCGX_* API; nothing here needs wrapping.
#ifndef GATEHOUSE_CFASTCGI_SHIM_H
#define GATEHOUSE_CFASTCGI_SHIM_H
#include <fcgiapp.h>
#include <fastcgi.h>  // FCGI_RESPONDER, FCGI_AUTHORIZER role numbers
#endif
