"""The integration tests' harness: real processes (`processes`), shared site configs (`sites`), request headers and
walks (`walks`), FastCGI params (`fastcgi`), a recording FastCGI app (`fcgi_recorder`), rp_provider drivers (`rp`) and
the browser (`browser`). Tests import from here, never from each other; conftest.py holds only pytest fixtures built
on it."""
from .processes import (APACHE_MODULES, ARTIFACTS, DEFAULT_PROVIDER, ROOT, USERS, Apache, EchoApp, Gatehouse, Lighttpd,
                        MockProvider, Nginx, RedisServer, apache_gatehouse, apache_site, binary, free_port, login_without_browser, new_secret,
                        nginx_site, run_rp_provider, server_factory, stop_process, wait_for)
from .sites import CLAIMS, bearer_site, identity, proxied_site, rules_site, shipped_config, site, start_stack
from .walks import ENV_CGI, NAV, SPOOF, login_and_see_identity
from .fastcgi import auth_params
from .fcgi_recorder import FastCGIRecorder
from .rp import (BACKCHANNEL_CASES, CASE, RPClient, bearer_gatehouse, login_through, mint_token, provider_tables, rp_stack,
                 send_backchannel_logout, start_rp_provider, token_requests)
from .browser import LOOKS, Waiter, chromium, find, look_at, shot, text_of
