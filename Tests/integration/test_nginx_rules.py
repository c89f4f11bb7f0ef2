"""Per-location rules through real nginx and the shipped snippets, under nginx's location rules: nested and
regex locations, try_files, error_page and rewrite internal redirects. The documented form,
`auth_request /oauth2/auth?allowed_groups=...;`, must fail closed everywhere; the traps that remain are shown
as they are documented (docs/configuration.md, "Per-location rules")."""
import re

import pytest
import requests
from harness import ROOT, free_port, nginx_site


NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
PROTECT = f"include {ROOT}/nginx/gatehouse-protect.conf;"
IDENTITY = f"include {ROOT}/nginx/gatehouse-identity.conf;"
ADMINS = "auth_request /oauth2/auth?allowed_groups=admins;"


def rules_site(workdir, socket_path, port):
    www = workdir / "www"
    for d in ("admin", "admin/deep", "nested", "nested/admin", "plain", "fallback", "broken", "moved", "typo", "empty",
              "legacy", "legacy-nested", "both", "emails"):
        (www / d).mkdir(parents=True, exist_ok=True)
        (www / d / "index.html").write_text(f"CONTENT {d} page\n")
        (www / d / "secret.txt").write_text(f"CONTENT {d} secret\n")
    return nginx_site(socket_path, port, www, f"""
        location / {{ {PROTECT} }}

        # The documented forms: a top-level location (^~: no regex location can outrank it) ...
        location ^~ /admin/ {{
            {ADMINS}
            {IDENTITY}
            location ~ \\.txt$ {{ }}
            location /admin/deep/ {{ }}
        }}
        # ... and one line in a location nested in a protected one.
        location /nested/ {{
            {PROTECT}
            location /nested/admin/ {{
                {ADMINS}
                location ~ \\.txt$ {{ }}
            }}
        }}

        # A server-level regex location, as sites have for assets.
        location ~ \\.txt$ {{ {PROTECT} }}
        # The trap docs name: a plain prefix location is outranked by that regex location.
        location /plain/ {{ {ADMINS} {IDENTITY} }}

        # Internal redirects into the narrowed area: try_files, error_page, rewrite.
        location /fallback/ {{ {PROTECT} try_files /nothing-here /admin/index.html; }}
        location /broken/ {{ {PROTECT} error_page 404 /admin/index.html; }}
        location ^~ /moved/ {{ {PROTECT} rewrite ^/moved/(.*)$ /admin/$1 last; }}

        # Mistakes fail closed.
        location ^~ /typo/ {{ auth_request /oauth2/auth?allowed_group=admins; {IDENTITY} }}
        location ^~ /empty/ {{ auth_request /oauth2/auth?allowed_groups=; {IDENTITY} }}

        # The older `set` form: narrows where it is written, lost in a nested location (documented trap).
        location /legacy/ {{ {PROTECT} set $gatehouse_allowed_groups admins; }}
        location /legacy-nested/ {{
            {PROTECT}
            set $gatehouse_allowed_groups admins;
            location ~ \\.txt$ {{ }}
        }}
        # Both forms at once: each must hold (never a union).
        location /both/ {{ auth_request /oauth2/auth?allowed_groups=staff; {IDENTITY} set $gatehouse_allowed_groups admins; }}
        location /emails/ {{ auth_request /oauth2/auth?allowed_emails=ann@example.com&allowed_groups=admins,staff; {IDENTITY} }}
    """)


@pytest.fixture
def stack(gatehouse_factory, nginx_factory, workdir):
    g = gatehouse_factory(extra_gatehouse='log_level = "debug"')
    port = free_port()
    nginx = nginx_factory(rules_site(workdir, g.address, port), port)
    admin = {"_gatehouse": g.seal('{"sub":"ann","email":"ann@example.com","email_verified":true,"groups":["admins","staff"]}')}
    staff = {"_gatehouse": g.seal('{"sub":"sam","email":"sam@example.com","email_verified":true,"groups":["staff"]}')}

    def get(path, cookies=None, **kw):
        return requests.get(nginx.url + path, cookies=cookies, headers=NAV, allow_redirects=False, **kw)

    return g, nginx, get, admin, staff


NARROWED = ["/admin/", "/admin/index.html", "/admin/secret.txt", "/admin/deep/index.html", "/admin/deep/secret.txt",
            "/nested/admin/", "/nested/admin/secret.txt", "/fallback/", "/broken/missing.html", "/moved/index.html",
            "/moved/secret.txt", "/legacy/", "/both/"]


@pytest.mark.parametrize("path", NARROWED)
def test_a_narrowed_location_refuses_others_wherever_nginx_routes_the_request(stack, path):
    g, nginx, get, admin, staff = stack
    refused = get(path, staff)
    assert refused.status_code == 403, (path, refused.status_code, refused.text[:200])
    assert "CONTENT" not in refused.text
    # Inside an error_page redirect nginx shows its own 403 page (recursive_error_pages is off), else Gatehouse's.
    assert ("Access denied" in refused.text) != path.startswith("/broken/")
    if path != "/both/":
        allowed = get(path, admin)
        assert "CONTENT" in allowed.text, (path, allowed.status_code)
        assert allowed.status_code == (404 if path.startswith("/broken/") else 200), "error_page keeps its status"
    assert get(path).status_code == 302, "no session: the login, as anywhere"


def test_the_query_form_is_enforced_not_ignored(stack):
    """The HIGH finding: this form used to reach the public /oauth2/ location and lose its rule (200)."""
    g, nginx, get, admin, staff = stack
    assert get("/admin/index.html", staff).status_code == 403
    assert get("/admin/index.html", admin).text == "CONTENT admin page\n"
    assert "not in an allowed group" in g.log_text()


def test_rules_combine_conditions_within_one_url(stack):
    g, nginx, get, admin, staff = stack
    assert get("/emails/", admin).status_code == 200
    assert get("/emails/", staff).status_code == 403, "sam's email is not on the list though staff is"


@pytest.mark.parametrize("path", ["/typo/", "/typo/secret.txt", "/empty/"])
def test_a_mistake_in_a_rule_never_opens_the_location(stack, path):
    g, nginx, get, admin, staff = stack
    for cookies in (admin, staff):
        r = get(path, cookies)
        assert r.status_code in (403, 500), (path, r.status_code)
        assert "CONTENT" not in r.text


def test_a_typo_is_a_500_that_names_the_parameter_in_the_log(stack):
    g, nginx, get, admin, staff = stack
    assert get("/typo/", admin).status_code == 500
    assert "unknown rule parameter" in g.log_text() and "allowed_group" in g.log_text()


def test_documented_traps_are_real(stack):
    """What docs/configuration.md warns about, shown so the warning stays true: a server-level regex location
    outranks a plain prefix location, and `set` is not inherited by nested locations."""
    g, nginx, get, admin, staff = stack
    assert get("/plain/index.html", staff).status_code == 403
    assert get("/plain/secret.txt", staff).status_code == 200, "regex location outranks /plain/: use ^~"
    assert get("/legacy-nested/index.html", staff).status_code == 403
    assert get("/legacy-nested/secret.txt", staff).status_code == 200, "`set` is lost in the nested location"


@pytest.mark.parametrize("path", ["/oauth2/auth", "/oauth2/auth?allowed_groups=staff", "/oauth2/auth%3Fallowed_groups=staff",
                                  "/oauth2/auth%23x", "/oauth2/auth%3F?bogus=1", "/oauth2/auth/x", "/oauth2/authx"])
def test_the_check_is_never_reachable_from_outside(stack, path):
    """The LOW finding: /oauth2/auth%3F and %23 reached the check and answered 200 with identity headers."""
    g, nginx, get, admin, staff = stack
    r = get(path, admin)
    assert r.status_code == 404, (path, r.status_code)
    assert not [h for h in r.headers if h.lower().startswith("x-auth-request")]
    assert "ann@example.com" not in r.text


def test_clients_cannot_write_error_lines_into_the_log(stack):
    g, nginx, get, admin, staff = stack
    before = g.log_text()
    for path in ("/oauth2/auth%3F?bogus=1", "/oauth2/start%3Fx", "/oauth2/userinfo%23", "/oauth2/sign_out%3Frd=/"):
        r = get(path, admin)
        assert r.status_code == 404, (path, r.status_code)
    after = g.log_text()[len(before):]
    assert after.strip(), "the requests reached Gatehouse and were logged"
    assert not re.search(r"^\S+ (error|critical) ", after, re.M), after


def test_identity_snippet_is_protect_without_its_auth_request_line():
    def directives(name):
        return [l.strip() for l in (ROOT / "nginx" / name).read_text().splitlines() if l.strip() and not l.strip().startswith("#")]
    assert directives("gatehouse-protect.conf") == ["auth_request /oauth2/auth;"] + directives("gatehouse-identity.conf")


def test_checks_leave_no_uninitialized_variable_warnings(stack, workdir):
    """With the shipped routes, every check used to log three `using uninitialized variable` warnings."""
    g, nginx, get, admin, staff = stack
    for path in ("/admin/", "/nested/admin/", "/legacy/", "/"):
        get(path, admin)
    log = (workdir / "nginx-logs" / "error.log").read_text()
    assert get("/legacy/", staff).status_code == 403, "the `set` form still reaches the check"
    assert "uninitialized" not in log, [l for l in log.splitlines() if "uninitialized" in l][:3]
