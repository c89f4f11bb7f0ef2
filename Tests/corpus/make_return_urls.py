#!/usr/bin/env python3
"""Writes return-urls.json: the return-URL attack corpus (our own), read by the Swift unit tests
(ReturnURLAttackTests) and the nginx integration tests (test_attacks.py).

Every `attack` entry is a value of `rd` that must never send a browser anywhere but the allowed hosts
(app.example.com, and corp.example.net with its subdomains, in the tests). `allowed` entries must be kept
as they are, so that the validator cannot pass the suite by refusing everything.

Run it after editing: python3 Tests/corpus/make_return_urls.py
"""
import json
import urllib.parse
from pathlib import Path

EVIL = "evil.com"
GOOD = "app.example.com"

HAND = {
    "protocol-relative": [
        "//evil.com", "//evil.com/", "//evil.com/path", "///evil.com", "////evil.com", "/////evil.com/x",
        "//evil.com:443/", "//evil.com?x=/", "//evil.com#/", "//EVIL.COM", "//evil.com@app.example.com/",
        "//app.example.com@evil.com/", "//app.example.com.evil.com/", "// evil.com", "//evil%2Ecom", "//127.0.0.1/",
        "//[::1]/", "//0x7f.1/", "//2130706433/", "//evil.com\\@app.example.com/", "//./evil.com", "//../evil.com",
    ],
    "backslash": [
        "/\\evil.com", "\\\\evil.com", "\\/evil.com", "/\\/evil.com", "\\\\\\evil.com", "\\evil.com", "/\\\\evil.com",
        "https:\\\\evil.com", "https:\\\\evil.com\\", "http:\\\\evil.com/", "https://app.example.com\\@evil.com/",
        "https://evil.com\\app.example.com", "https://evil.com\\.app.example.com/", "https:/\\evil.com", "/path\\..\\\\evil.com",
    ],
    "mixed-slashes": [
        "/\\/\\evil.com", "\\//evil.com", "/\\//evil.com", "https:/\\/evil.com", "https:\\/\\evil.com", "https:/evil.com",
        "https:evil.com", "http:evil.com", "https:///evil.com", "https:////evil.com/", "http:/evil.com/x", "/./\\evil.com",
        "/.\\/evil.com",
    ],
    "percent-encoding": [
        "%2F%2Fevil.com", "%2f%2fevil.com", "/%2Fevil.com", "/%2fevil.com", "/%2F/evil.com", "%2F/evil.com", "/%5Cevil.com",
        "/%5cevil.com", "%5C%5Cevil.com", "/%5C/evil.com", "https%3A%2F%2Fevil.com", "https%3A//evil.com", "%68ttps://evil.com",
        "/%2e%2e/%2F%2Fevil.com", "//%65vil.com", "/%252F%252Fevil.com", "/%252f/evil.com", "/%255Cevil.com",
        "/%25252F%25252Fevil.com", "/%2525252F%2525252Fevil.com", "/%u002F%u002Fevil.com", "/%c0%afevil.com",
        "/%e2%88%95evil.com", "/%ef%bc%8fevil.com", "/%2", "/%zz", "/%%2F%2Fevil.com", "%252F%252Fevil.com",
        "https://app.example.com%2F@evil.com/", "https://app.example.com%2f%2f@evil.com/", "https://evil.com%2F.app.example.com/",
        "https://evil.com%23.app.example.com/", "https://evil.com%3F.app.example.com/", "https://app.example.com%2eevil.com/",
        "https://%61pp.example.com/", "https://app.example.com%00.evil.com/",
    ],
    "control-bytes": [
        "/\t/evil.com", "/\n/evil.com", "/\r/evil.com", "/\r\n/evil.com", "\t//evil.com", "\n//evil.com", " //evil.com",
        "/\u000b/evil.com", "/\u000c/evil.com", "\u0000//evil.com", "/\u0000/evil.com", "//evil.com\u0000.app.example.com",
        "/%09/evil.com", "/%0a/evil.com", "/%0d/evil.com", "/%0D%0A/evil.com", "/%00/evil.com", "/%2509/evil.com",
        "java\tscript:alert(1)", "java\nscript:alert(1)", "\u0001javascript:alert(1)", "https://app.example.com\r\nLocation: https://evil.com/",
        "/x\r\nSet-Cookie: a=b", "/x%0d%0aSet-Cookie:%20a=b", "https://app.example.com\t.evil.com/", "htt\tps://evil.com",
        "/\u007f/evil.com", "/\u0085/evil.com", "/\u00a0/evil.com", "\u200b//evil.com", "/\u2028/evil.com", "/\u001f/evil.com",
        "https://evil.com\u0000@app.example.com/",
    ],
    "userinfo": [
        "https://app.example.com@evil.com/", "https://app.example.com:443@evil.com/", "https://app.example.com:@evil.com/",
        "https://user:pass@evil.com/", "https://evil.com@app.example.com/", "https://app.example.com%40evil.com/",
        "https://evil.com#@app.example.com/", "https://evil.com?@app.example.com/", "https://evil.com%23@app.example.com/",
        "https://app.example.com@@evil.com/", "https://@evil.com/", "https://:@evil.com/", "http://app.example.com@evil.com",
        "https://app.example.com&@evil.com/", "https://app.example.com;@evil.com/", "https://app.example.com%5C@evil.com/",
        "https://app.example.com\uff20evil.com/", "https://app.example.com\ufe6bevil.com/", "//app.example.com%40evil.com",
        "https://corp.example.net@evil.com/", "https://wiki.corp.example.net:80@evil.com/",
    ],
    "look-alike-host": [
        "https://app.example.com.evil.com/", "https://app.example.com.evil.com", "https://app-example.com/", "https://appexample.com/",
        "https://app.examp1e.com/", "https://app.ex\u0430mple.com/", "https://\u0430pp.example.com/", "https://app.example.co/",
        "https://app.example.com./", "https://APP.EXAMPLE.COM.evil.com/", "https://evilapp.example.com/", "https://xapp.example.com/",
        "https://app.example.comevil.com/", "https://app.example.com-evil.com/", "https://app.example.com_evil.com/",
        "https://corp.example.net.evil.com/", "https://evilcorp.example.net/", "https://xcorp.example.net/", "https://corp-example.net/",
        "https://corpexample.net/", "https://wiki.corp.example.net.evil.com/", "https://corp.example.netevil.com/",
        "https://corp.example.n3t/", "https://example.net/", "https://example.com/", "https://sub.app.example.com/",
        "https://app.example.com\u3002evil.com/", "https://app.example.com\uff0eevil.com/", "https://app\u3002example\u3002com/",
        "https://app.example.com\u2024evil.com/", "https://xn--pp-8cd.example.com/", "https://app.example.com:evil.com/",
        "https://app.example.com:0/", "https://app.example.com:99999/", "https://[app.example.com]/", "https://127.0.0.1/",
        "https://[::ffff:127.0.0.1]/", "https://0/", "https://localhost/",
    ],
    "other-scheme": [
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "javascript://app.example.com/%0aalert(1)", "javascript:/\\/app.example.com",
        " javascript:alert(1)", "javascript&colon;alert(1)", "data:text/html,<script>alert(1)</script>",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)", "file:///etc/passwd",
        "file://app.example.com/etc/passwd", "ftp://app.example.com/", "ws://app.example.com/", "wss://app.example.com/",
        "blob:https://app.example.com/uuid", "view-source:https://evil.com/", "mailto:x@evil.com", "tel:+1", "chrome://settings",
        "intent://evil.com#Intent;scheme=https;end", "gopher://evil.com/", "ldap://evil.com/", "jar:https://evil.com!/",
        "https+evil://app.example.com/", "httpss://app.example.com/", "http2://app.example.com/", "evil.com", "evil.com/x",
        "app.example.com", "www.evil.com/", "./evil.com", "../evil.com", "?x=//evil.com", "#//evil.com", "", "*", "@evil.com",
    ],
    "very-long": [
        "/" + "a" * 5000, "/" + "a" * 4095, "/" + "%2F" * 1500, "//" + "a" * 300 + ".evil.com", "https://" + "a" * 250 + ".evil.com/",
        "https://app.example.com/" + "x" * 5000, "/" + "/a" * 3000, "https://app.example.com" + "." * 500 + "evil.com/",
        "/" + "\\" * 100 + "evil.com", "https://" + "app.example.com@" * 200 + "evil.com/", "/" + "%25" * 2000 + "2F",
    ],
    "unicode-slash": [
        "/\uff0fevil.com", "\uff0f\uff0fevil.com", "/\u2215evil.com", "\u2215\u2215evil.com", "/\u2044evil.com", "\u2044\u2044evil.com",
        "/\u29f8evil.com", "/\ufe68evil.com", "/\uff3cevil.com", "\uff3c\uff3cevil.com", "/\u2216evil.com", "/\u29f5evil.com",
        "https:\uff0f\uff0fevil.com", "https://evil.com\uff0fapp.example.com", "https://evil.com\u2215.app.example.com/",
        "/\u3033evil.com", "\u02f8\u02f8evil.com", "/\u1735evil.com", "/\u0337evil.com", "/\u0338evil.com",
        "\ufe30evil.com", "/\u2571evil.com", "/\u29f6evil.com", "/\u2f03evil.com",
    ],
}

# Variations of a few cores, so that every class is also tried upper-cased, with a leading space, and
# percent-encoded once and twice (a layer a proxy or the browser might decode).
CORES = ["//evil.com", "/\\evil.com", "https://evil.com", "https://app.example.com@evil.com", "javascript:alert(1)",
         "https://app.example.com.evil.com", "\\\\evil.com", "https:evil.com", "//app.example.com@evil.com/"]


def variants(core: str) -> dict:
    once = urllib.parse.quote(core, safe="")
    return {
        "upper": core.upper(), "leading-space": " " + core, "trailing-dot": core + ".", "tab-inside": core.replace("/", "/\t", 1),
        "encoded-once": once, "encoded-twice": urllib.parse.quote(once, safe=""), "slash-then-encoded": "/" + once,
        "slash-then-encoded-twice": "/" + urllib.parse.quote(once, safe=""),
    }


ALLOWED = [
    "/", "/page", "/a/b?x=1&y=%2F", "/search?q=a%20b#top", "/private/page.html?tab=2&x=y", "/%E2%9C%93",
    "https://app.example.com/x", "http://app.example.com:8080/", "https://corp.example.net/", "https://wiki.corp.example.net/p?q=1",
    "https://APP.example.com/", "https://app.example.com", "/a//b", "/a/./b/../c",
]


def main():
    attacks = []
    for cls, entries in HAND.items():
        attacks += [{"class": cls, "url": u} for u in entries]
    for core in CORES:
        attacks += [{"class": "variant:" + name, "url": u} for name, u in variants(core).items()]
    seen, unique = set(), []
    for a in attacks:
        if a["url"] not in seen:
            seen.add(a["url"])
            unique.append(a)
    out = {"allowed_hosts": ["app.example.com", ".corp.example.net"], "allowed": ALLOWED, "attacks": unique}
    path = Path(__file__).with_name("return-urls.json")
    path.write_text(json.dumps(out, indent=1, ensure_ascii=True) + "\n")
    print(f"{len(unique)} attacks, {len(ALLOWED)} allowed -> {path}")


if __name__ == "__main__":
    main()
