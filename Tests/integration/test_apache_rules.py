"""Per-location rules through real Apache (mod_authnz_fcgi) with the shipped gatehouse-protect-rules.conf:
the rule holds in the section, under later sections that include gatehouse-protect.conf, and in subrequests
(SSI include virtual, DirectoryIndex into the section), where Apache drops SetEnvIf variables. The check is
never reachable as a page."""
import pytest
import requests
from harness import ROOT, apache_gatehouse, free_port


NAV = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}


def site(workdir, gport, port):
    www = workdir / "www"
    for d in ("admin", "admin/sub", "noindex", "team"):
        (www / d).mkdir(parents=True, exist_ok=True)
    (www / "admin" / "index.html").write_text("CONTENT admin index\n")
    (www / "admin" / "page.html").write_text("CONTENT admin page\n")
    (www / "admin" / "sub" / "x.txt").write_text("CONTENT admin sub\n")
    (www / "inc.shtml").write_text('before <!--#include virtual="/admin/page.html" --> after\n')
    (www / "team" / "index.html").write_text("CONTENT team\n")
    return apache_gatehouse(gport) + f"""
<VirtualHost 127.0.0.1:{port}>
    DocumentRoot {www}
    DirectoryIndex index.html
    <Directory {www}>
        Options +Includes
        AddOutputFilter INCLUDES .shtml
        Require all granted
    </Directory>
    <Directory {www}/noindex>
        DirectoryIndex /admin/page.html
    </Directory>
    <Location "/">
        Include {ROOT}/apache/gatehouse-protect.conf
    </Location>
    <Location "/admin/">
        SetEnvIfExpr "true" GATEHOUSE_ALLOWED_GROUPS=admins
        Include {ROOT}/apache/gatehouse-protect-rules.conf
    </Location>
    <Location "/team/">
        SetEnvIfExpr "true" GATEHOUSE_ALLOWED_GROUPS=staff,admins
        Include {ROOT}/apache/gatehouse-protect-rules.conf
    </Location>
    # A later section, as sites have for file types: it must not lift the admins rule.
    <LocationMatch "\\.txt$">
        Include {ROOT}/apache/gatehouse-protect.conf
    </LocationMatch>
    Include {ROOT}/apache/gatehouse-routes.conf
</VirtualHost>
"""


@pytest.fixture
def stack(gatehouse_factory, apache_factory, workdir):
    gport, port = free_port(), free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}")
    apache = apache_factory(site(workdir, gport, port), port)
    admin = {"_gatehouse": g.seal('{"sub":"ann","email":"ann@example.com","groups":["admins"]}')}
    staff = {"_gatehouse": g.seal('{"sub":"sam","email":"sam@example.com","groups":["staff"]}')}

    def get(path, cookies=None):
        return requests.get(apache.url + path, cookies=cookies, headers=NAV, allow_redirects=False)
    return g, apache, get, admin, staff


@pytest.mark.parametrize("path", ["/admin/", "/admin/page.html", "/admin/sub/x.txt", "//admin/page.html", "/x/../admin/page.html"])
def test_the_rule_holds_in_its_section_and_under_later_sections(stack, path):
    g, apache, get, admin, staff = stack
    refused = get(path, staff)
    assert refused.status_code == 403 and "CONTENT" not in refused.text, (path, refused.status_code)
    assert "CONTENT" in get(path, admin).text
    assert get(path).status_code == 302


@pytest.mark.parametrize("path", ["/inc.shtml", "/noindex/"])
def test_subrequests_into_a_narrowed_section_fail_closed(stack, path):
    """Apache does not run SetEnvIf for subrequests: the guard in gatehouse-protect-rules.conf refuses them
    rather than letting "any signed-in user" through."""
    g, apache, get, admin, staff = stack
    r = get(path, staff)
    assert "CONTENT admin" not in r.text, (path, r.status_code, r.text[:200])


def test_a_section_that_allows_several_groups(stack):
    g, apache, get, admin, staff = stack
    assert get("/team/", staff).text == "CONTENT team\n"
    assert get("/team/", admin).text == "CONTENT team\n"


@pytest.mark.parametrize("path", ["/oauth2/auth", "/oauth2/auth%3Fallowed_groups=x", "/oauth2/auth%23x", "/oauth2/auth?x=1"])
def test_the_check_is_never_a_page(stack, path):
    g, apache, get, admin, staff = stack
    r = get(path, admin)
    assert r.status_code in (403, 404), (path, r.status_code)
    assert not [h for h in r.headers if h.lower().startswith(("x-auth-request", "variable"))]
    assert "ann@example.com" not in r.text
