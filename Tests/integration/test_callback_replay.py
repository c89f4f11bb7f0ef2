"""A pending login serves one callback: made-up codes replayed with one pending-login cookie reach the provider's
token endpoint once. Real nginx with the shipped routes, the real binary, and rp_provider.py counting requests."""
import urllib.parse

import pytest
import requests
from harness import rp_stack, run_rp_provider, token_requests



@pytest.fixture(scope="module")
def rp_provider():
    yield from run_rp_provider(5)


def test_ten_junk_codes_after_one_start_make_one_token_request(gatehouse_factory, nginx_factory, workdir, rp_provider):
    g, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider)
    requests.post(rp_provider + "/_reset")
    start = requests.get(nginx.url + "/oauth2/start?rd=%2F", allow_redirects=False)
    assert start.status_code == 302, start.text
    pending = start.headers["Set-Cookie"].split(";")[0]
    name = pending.split("=")[0]
    state = urllib.parse.parse_qs(urllib.parse.urlsplit(start.headers["Location"]).query)["state"][0]
    for i in range(10):
        r = requests.get(f"{nginx.url}/oauth2/callback?code=made-up-{i}&state={state}", headers={"Cookie": pending},
                         allow_redirects=False)
        assert r.status_code == 400 and "Reference:" in r.text
        assert f"{name}=;" in r.headers.get("Set-Cookie", "") and "Max-Age=0" in r.headers["Set-Cookie"], \
            "every refusal deletes the pending login"
        assert "_gatehouse=" not in r.headers["Set-Cookie"].replace(f"{name}=", "")
    assert len(token_requests(rp_provider)) == 1
    assert "state already used on this instance" in g.log_text()


def test_a_finished_logins_callback_cannot_be_replayed(gatehouse_factory, nginx_factory, workdir, rp_provider):
    g, nginx = rp_stack(gatehouse_factory, nginx_factory, workdir, rp_provider)
    requests.post(rp_provider + "/_reset")
    start = requests.get(nginx.url + "/oauth2/start?rd=%2Fpublic.html", allow_redirects=False)
    pending = start.headers["Set-Cookie"].split(";")[0]
    back = requests.get(start.headers["Location"], allow_redirects=False)
    callback = urllib.parse.urlsplit(back.headers["Location"])
    url = f"{nginx.url}{callback.path}?{callback.query}"
    done = requests.get(url, headers={"Cookie": pending}, allow_redirects=False)
    assert done.status_code == 302 and done.headers["Location"] == "/public.html"
    again = requests.get(url, headers={"Cookie": pending}, allow_redirects=False)
    assert again.status_code == 400 and "_gatehouse=" not in again.headers.get("Set-Cookie", "").replace(pending.split("=")[0], "")
    assert len(token_requests(rp_provider)) == 1
