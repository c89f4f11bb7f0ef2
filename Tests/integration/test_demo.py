"""README's first command: scripts/demo starts a provider, Gatehouse and nginx on 127.0.0.1, a login through it
works, and Ctrl-C (SIGINT to its process group, as a terminal sends it) stops everything it started."""
import os
import re
import signal
import subprocess
import urllib.parse

import requests
from harness import ROOT, binary, free_port, login_without_browser, wait_for



def group_alive(pgid: int) -> list[int]:
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(pid))
    return alive


def test_demo_logs_in_and_ctrl_c_stops_everything(workdir):
    port, provider_port = free_port(), free_port()
    env = {**os.environ, "GATEHOUSE_BIN": str(binary()), "GATEHOUSE_DEMO_PORT": str(port),
           "GATEHOUSE_DEMO_PROVIDER_PORT": str(provider_port)}
    out = open(workdir / "demo.out", "w+")
    tmp = None
    demo = subprocess.Popen([str(ROOT / "scripts" / "demo")], stdout=out, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    try:
        wait_for(lambda: "Ctrl-C stops" in (workdir / "demo.out").read_text() or demo.poll() is not None,
                 timeout=60, what="the demo's banner")
        banner = (workdir / "demo.out").read_text()
        assert demo.poll() is None, banner
        url = f"http://127.0.0.1:{port}/"
        assert url in banner and re.search(r"Log in as\s+alice", banner) and "bob" in banner and "carol" in banner

        http = requests.Session()
        http.headers.update({"Sec-Fetch-Mode": "navigate", "Accept": "text/html"})
        first = http.get(url, allow_redirects=False)
        assert first.status_code == 302
        done = login_without_browser(http, urllib.parse.urljoin(url, first.headers["Location"]), "bob")
        assert done.status_code == 302 and done.headers["Location"] == "/"
        page = http.get(url).text
        assert "Bob Builder" in page and "bob@example.net" in page
        assert http.get(url + "oauth2/userinfo").json()["groups"] == ["staff"]
        # The browser's icon request, without a session: never a login of its own (no check, no redirect).
        icon = requests.get(url + "favicon.ico", headers={"Sec-Fetch-Mode": "no-cors"}, allow_redirects=False)
        assert icon.status_code == 404 and "Location" not in icon.headers
        tmp = re.search(r"(/tmp/gatehouse-demo\.\w+) \(removed on exit\)", banner).group(1)
        assert os.path.isdir(tmp)
        started = group_alive(demo.pid)
        assert len(started) >= 4, started  # the script, the provider, gatehouse, nginx (and nginx's worker)
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(30)
    wait_for(lambda: not group_alive(demo.pid), timeout=20, what="every demo process to stop")
    for p in (port, provider_port):
        try:
            requests.get(f"http://127.0.0.1:{p}/", timeout=1)
            raise AssertionError(f"port {p} still answers after Ctrl-C")
        except requests.ConnectionError:
            pass
    assert not os.path.exists(tmp)
    assert "demo: stopped" in (workdir / "demo.out").read_text()
