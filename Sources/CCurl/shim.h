// libcurl (Debian libcurl4-openssl-dev). curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
// cannot call: each use gets a typed, prefixed wrapper.
#ifndef GATEHOUSE_CCURL_SHIM_H
#define GATEHOUSE_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode gh_curl_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_curl_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_curl_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
// curl_off_t options (the _LARGE sizes) must receive a curl_off_t through the variadic argument, not a long.
static inline CURLcode gh_curl_setopt_off_t(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_curl_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*gh_curl_write_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
static inline CURLcode gh_curl_setopt_write(CURL *h, CURLoption o, gh_curl_write_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode gh_curl_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
#endif
