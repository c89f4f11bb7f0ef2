"""With several providers, identity says where it came from, through real nginx with the shipped snippets and a
proxied app: X-Auth-Request-Provider (never the client's copy), user_claim = "sub@" (the issuer appended, as
mod_auth_openidc's OIDCRemoteUserClaim sub@), and [gatehouse.rules] allowed_providers."""
import json

import requests
from harness import free_port, identity, proxied_site


PROVIDERS = """
redirect_uri = "https://app.example.com/oauth2/callback"
[auth.corp]
client_id = "c"
client_secret = "c"
server_metadata_url = "https://corp.example.com/.well-known/openid-configuration"
[auth.partner]
client_id = "p"
client_secret = "p"
server_metadata_url = "https://partner.example.net/.well-known/openid-configuration"
"""
SPOOF = {"X-Auth-Request-Provider": "corp", "x-auth-request-user": "bob@corp.example.com"}


def bob(g, provider, iss):
    return {"_gatehouse": g.seal(json.dumps({"sub": "bob", "iss": iss, "email": "bob@example.org", "email_verified": True}),
                                 provider=provider)}


def test_provider_header_and_sub_at_issuer_tell_two_bobs_apart(gatehouse_factory, nginx_factory, echo_app):
    g = gatehouse_factory(auth=PROVIDERS, extra_gatehouse='[gatehouse.headers]\nuser_claim = "sub@"\n')
    port = free_port()
    nginx = nginx_factory(proxied_site(g.address, port, echo_app.port), port)
    corp = requests.get(nginx.url + "/app/", cookies=bob(g, "corp", "https://corp.example.com"), headers=SPOOF)
    partner = requests.get(nginx.url + "/app/", cookies=bob(g, "partner", "https://partner.example.net"), headers=SPOOF)
    assert corp.status_code == 200 and partner.status_code == 200
    assert identity(corp.json()["headers"]) == [
        ("x-auth-request-email", "bob@example.org"), ("x-auth-request-provider", "corp"),
        ("x-auth-request-user", "bob@corp.example.com")]
    assert identity(partner.json()["headers"]) == [
        ("x-auth-request-email", "bob@example.org"), ("x-auth-request-provider", "partner"),
        ("x-auth-request-user", "bob@partner.example.net")], "the client's copies never pass"


def test_allowed_providers_keeps_the_other_providers_users_out(gatehouse_factory, nginx_factory, echo_app):
    g = gatehouse_factory(auth=PROVIDERS, extra_gatehouse='[gatehouse.rules]\nallowed_providers = ["corp"]\n'
                                                          'allowed_email_domains = ["example.org"]\n')
    port = free_port()
    nginx = nginx_factory(proxied_site(g.address, port, echo_app.port), port)
    nav = {"Sec-Fetch-Mode": "navigate", "Accept": "text/html"}
    ok = requests.get(nginx.url + "/app/", cookies=bob(g, "corp", "https://corp.example.com"), headers=nav)
    assert ok.status_code == 200
    denied = requests.get(nginx.url + "/app/", cookies=bob(g, "partner", "https://partner.example.net"), headers=nav,
                          allow_redirects=False)
    assert denied.status_code == 403 and "signed in as bob@example.org (Partner)" in denied.text  # the provider's shown name
    assert 'reason="provider not allowed"' in g.log_text()
