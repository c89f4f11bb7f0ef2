"""FastCGI params as nginx's auth subrequest sends them, for tests that speak FastCGI directly."""

def auth_params(cookie=None, uri="/private/page?x=1&y=2", **extra):
    p = {"REQUEST_METHOD": "GET", "REQUEST_URI": uri, "DOCUMENT_URI": "/oauth2/auth", "SCRIPT_NAME": "/oauth2/auth",
         "HTTP_HOST": "localhost", "HTTP_SEC_FETCH_MODE": "navigate", "REMOTE_ADDR": "127.0.0.1"}
    if cookie:
        p["HTTP_COOKIE"] = cookie
    p.update(extra)
    return p

