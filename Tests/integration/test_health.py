"""`<prefix>/health` through the shipped nginx, Apache and lighttpd configs with the real binary: 200 with JSON, no
session needed, never behind the check; the state store's reachability reported without failing (Redis stopped and
started again under a running Gatehouse)."""
import requests

from harness import ROOT, RedisServer, apache_site, free_port, nginx_site, shipped_config, wait_for


def health(url):
    r = requests.get(url + "/oauth2/health", headers={"Accept": "application/json"}, allow_redirects=False, timeout=5)
    assert r.status_code == 200, (r.status_code, r.text[:300])
    assert r.headers["Content-Type"] == "application/json" and r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["status"] == "ok", body
    return body["state_store"]


def test_health_answers_through_nginx_apache_and_lighttpd(gatehouse_factory, nginx_factory, apache_factory, lighttpd_factory,
                                                          workdir):
    gport = free_port()
    gatehouse_factory(listen=f"tcp:127.0.0.1:{gport}")   # TCP: mod_authnz_fcgi has no unix sockets
    root = workdir / "site"
    root.mkdir()
    (root / "page.html").write_text("secret page\n")

    port = free_port()
    nginx_conf = nginx_site("/unused", port, root, f"location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}")
    nginx = nginx_factory(nginx_conf.replace("server unix:/unused;", f"server 127.0.0.1:{gport};"), port)
    aport = free_port()
    apache = apache_factory(apache_site(gport, aport, root), aport)
    lport = free_port()
    lighttpd = lighttpd_factory(shipped_config(workdir, gport, lport), lport)

    for server in (nginx, apache, lighttpd):
        # The site itself is behind the check; health is not, and needs no session.
        r = requests.get(server.url + "/page.html", headers={"Accept": "application/json"}, allow_redirects=False)
        assert r.status_code == 401, (server.url, r.text[:300])
        store = health(server.url)
        assert store["backend"] == "sqlite" and store["reachable"] is True, (server.url, store)
        assert isinstance(store["last_sync"], int) and 0 <= store["seconds_since_sync"] < 5


def test_an_unreachable_store_is_reported_not_failed(gatehouse_factory, nginx_factory, workdir):
    redis = RedisServer(workdir)
    try:
        g = gatehouse_factory(extra_gatehouse=f'state = "{redis.url}"')
        port = free_port()
        root = workdir / "site"
        root.mkdir()
        n = nginx_factory(nginx_site(g.address, port, root, f"location / {{ include {ROOT}/nginx/gatehouse-protect.conf; }}"), port)
        up = health(n.url)
        assert up["backend"] == "redis" and up["reachable"] is True and isinstance(up["last_sync"], int)
        assert str(redis.port) not in requests.get(n.url + "/oauth2/health").text

        redis.stop()
        g.wait_for_log("state store unreachable")
        down = health(n.url)
        assert down["backend"] == "redis" and down["reachable"] is False and isinstance(down["last_sync"], int)

        redis.start()
        g.wait_for_log("state store reachable again", timeout=40)
        wait_for(lambda: health(n.url)["reachable"] is True, what="health to see the store again")
    finally:
        redis.stop()
