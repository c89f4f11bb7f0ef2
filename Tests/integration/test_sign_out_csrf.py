"""Sign-out through real nginx with the shipped routes: another site's link or form only gets a confirmation page
(the session stays), the confirmation's own POST (no body: the routes pass none) signs out."""
import html
import re

import requests
from harness import CLAIMS, free_port, site



def test_cross_site_sign_out_asks_and_same_origin_post_signs_out(gatehouse, nginx_factory, workdir):
    port = free_port()
    nginx = nginx_factory(site(workdir, gatehouse.address, port), port)
    cookie = {"_gatehouse": gatehouse.seal(CLAIMS)}
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}

    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}):
        asked = requests.get(nginx.url + "/oauth2/sign_out?rd=/public.html", cookies=cookie, headers={**nav, **headers},
                             allow_redirects=False)
        assert asked.status_code == 200 and "Set-Cookie" not in asked.headers and "Location" not in asked.headers
        assert asked.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in asked.headers["Content-Security-Policy"]
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)">', asked.text).group(1))
    assert action == "/oauth2/sign_out?rd=%2Fpublic.html"
    # An auto-submitted form from another site (old browser: Origin only) is not a confirmation either.
    forged = requests.post(nginx.url + action, cookies=cookie, headers={"Origin": "https://evil.example"}, allow_redirects=False)
    assert forged.status_code == 200 and "Set-Cookie" not in forged.headers
    # The session is untouched.
    assert requests.get(nginx.url + "/private/page.html", cookies=cookie, headers=nav).text == "secret page\n"

    out = requests.post(nginx.url + action, cookies=cookie, headers={**nav, "Sec-Fetch-Site": "same-origin", "Origin": nginx.url},
                        allow_redirects=False)
    assert out.status_code == 302 and out.headers["Location"] == "/public.html"
    assert "_gatehouse=;" in out.headers["Set-Cookie"] and "Max-Age=0" in out.headers["Set-Cookie"]
    # A typed URL (Sec-Fetch-Site: none) signs out directly.
    typed = requests.get(nginx.url + "/oauth2/sign_out?rd=/public.html", cookies=cookie, headers={**nav, "Sec-Fetch-Site": "none"},
                         allow_redirects=False)
    assert typed.status_code == 302 and "_gatehouse=;" in typed.headers["Set-Cookie"]
