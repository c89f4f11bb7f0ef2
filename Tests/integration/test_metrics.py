"""<prefix>/metrics through the shipped nginx routes: Prometheus's own text parser (prometheus-client's
text_string_to_metric_families) reads what a scraper on this machine gets, and the counts move with what happened:
a check that allows, one that asks for a login (401), one that refuses (403), a login with its provider calls.
From another address the shipped config refuses the scrape."""
import http.client

import requests
from prometheus_client.parser import text_string_to_metric_families

from harness import CLAIMS, ROOT, apache_site, free_port, login_without_browser, nginx_site, shipped_config


def scrape(url):
    r = requests.get(url + "/oauth2/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def stack(gatehouse_factory, nginx_factory, workdir, provider):
    port = free_port()
    g = gatehouse_factory(auth=f"""
redirect_uri = "http://127.0.0.1:{port}/oauth2/callback"
client_id = "gatehouse-test"
client_secret = "test-secret-!@#"
server_metadata_url = "{provider.metadata_url}"
""", extra_gatehouse="cookie_secure = false\n")
    root = workdir / "www"
    (root / "private").mkdir(parents=True)
    (root / "admin").mkdir()
    (root / "private" / "page.html").write_text("secret page\n")
    (root / "admin" / "index.html").write_text("admin area\n")
    n = nginx_factory(nginx_site(g.address, port, root, f"""
        location /private/ {{ include {ROOT}/nginx/gatehouse-protect.conf; }}
        location /admin/ {{
            auth_request /oauth2/auth?allowed_groups=admins;
            include {ROOT}/nginx/gatehouse-identity.conf;
        }}
    """), port)
    return g, n


def test_scraped_counts_follow_checks_and_a_login(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    before = scrape(nginx.url)
    checks = "gatehouse_checks_total"

    http = requests.Session()
    assert http.get(nginx.url + "/private/page.html", headers={"Accept": "application/json"}).status_code == 401
    done = login_without_browser(http, nginx.url + "/oauth2/start?rd=%2Fprivate%2Fpage.html", "bob")
    assert done.status_code == 302, done.text
    assert http.get(nginx.url + "/private/page.html").status_code == 200
    assert http.get(nginx.url + "/admin/").status_code == 403, "bob is not in admins"

    after = scrape(nginx.url)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved(checks, role="responder", outcome="unauthenticated") == 1
    assert moved(checks, role="responder", outcome="allow") == 1
    assert moved(checks, role="responder", outcome="forbidden") == 1
    assert moved(checks, role="responder", outcome="error") == 0
    assert moved("gatehouse_check_duration_seconds_count", role="responder") == 3
    assert moved("gatehouse_check_duration_seconds_bucket", role="responder", le="+Inf") == 3
    assert value(after, "gatehouse_check_duration_seconds_sum", role="responder") > 0
    assert moved("gatehouse_logins_total", provider="default", outcome="success") == 1
    # The login's calls: discovery, the key set, the token and userinfo endpoints, each answered 2xx.
    for endpoint in ("discovery", "jwks", "token", "userinfo"):
        assert moved("gatehouse_provider_calls_total", endpoint=endpoint, outcome="2xx") >= 1, endpoint
        assert moved("gatehouse_provider_call_duration_seconds_count", endpoint=endpoint) >= 1, endpoint
    assert moved("gatehouse_provider_calls_total", endpoint="token", outcome="2xx") == 1
    # The provider budget: nothing waits on the provider now; the limit is workers - workers/4.
    assert value(after, "gatehouse_provider_slots_busy") == 0
    assert value(after, "gatehouse_provider_slots_limit") > 0
    assert value(after, "gatehouse_provider_budget_rejections_total") == 0

    # A failed callback counts as a failed login, with no provider known yet.
    assert http.get(nginx.url + "/oauth2/callback?state=forged&code=x").status_code == 400
    last = scrape(nginx.url)
    assert value(last, "gatehouse_logins_total", provider="unknown", outcome="bad_request") \
        - value(after, "gatehouse_logins_total", provider="unknown", outcome="bad_request") == 1
    # Scrapes are not checks.
    assert value(last, checks, role="responder", outcome="allow") == value(after, checks, role="responder", outcome="allow")


def from_elsewhere(port):
    """A scrape from 127.0.0.2: another address than the shipped configs let in."""
    conn = http.client.HTTPConnection("127.0.0.1", port, source_address=("127.0.0.2", 0), timeout=5)
    conn.request("GET", "/oauth2/metrics")
    r = conn.getresponse()
    body = r.read()
    conn.close()
    return r.status, body


def test_scrape_from_another_address_is_refused(gatehouse_factory, nginx_factory, workdir, mock_provider):
    g, nginx = stack(gatehouse_factory, nginx_factory, workdir, mock_provider)
    status, body = from_elsewhere(nginx.port)
    assert status == 403 and b"gatehouse_checks_total" not in body
    assert requests.get(nginx.url + "/oauth2/metrics").status_code == 200


def test_apache_and_lighttpd_let_only_this_machine_scrape(gatehouse_factory, apache_factory, lighttpd_factory, workdir):
    """The same rule in the shipped Apache and lighttpd configs, through the real servers (Authorizer role checks
    counted as such)."""
    gport = free_port()
    g = gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}", extra_gatehouse="cookie_secure = false")
    cookie = g.seal(CLAIMS)
    www = workdir / "apache-www"
    www.mkdir()
    (www / "page.html").write_text("secret page\n")
    aport = free_port()
    apache = apache_factory(apache_site(gport, aport, www), aport)
    assert requests.get(apache.url + "/page.html", cookies={"_gatehouse": cookie}).status_code == 200
    scraped = scrape(apache.url)
    assert value(scraped, "gatehouse_checks_total", role="authorizer", outcome="allow") == 1
    assert from_elsewhere(aport)[0] == 403

    lport = free_port()
    lighttpd = lighttpd_factory(shipped_config(workdir, gport, lport), lport)
    assert requests.get(lighttpd.url + "/page.html", cookies={"_gatehouse": cookie}).status_code == 200
    assert value(scrape(lighttpd.url), "gatehouse_checks_total", role="authorizer", outcome="allow") == 2
    assert from_elsewhere(lport)[0] == 403


def test_no_metrics_counts_nothing_and_serves_no_metrics(gatehouse_factory):
    """`serve --no-metrics` (what bench/run measures the metrics' cost against): the check works as ever, and the
    metrics route is 404, not an empty scrape."""
    import fcgi_client
    from harness import CLAIMS, auth_params
    g = gatehouse_factory(serve_args=("--no-metrics",))
    ok = fcgi_client.request(g.address, auth_params("_gatehouse=" + g.seal(CLAIMS)))
    assert ok.status == 200 and ok.header("X-Auth-Request-User") == "diana"
    scrape = fcgi_client.request(g.address, auth_params(DOCUMENT_URI="/oauth2/metrics", SCRIPT_NAME="/oauth2/metrics",
                                                        REQUEST_URI="/oauth2/metrics"))
    assert scrape.status == 404 and b"gatehouse_checks_total" not in scrape.body
    # The same instance without the flag serves the counts.
    g.stop()
    g.serve_args = ()
    g.start()
    scrape = fcgi_client.request(g.address, auth_params(DOCUMENT_URI="/oauth2/metrics", SCRIPT_NAME="/oauth2/metrics",
                                                        REQUEST_URI="/oauth2/metrics"))
    assert scrape.status == 200 and b"gatehouse_checks_total" in scrape.body

