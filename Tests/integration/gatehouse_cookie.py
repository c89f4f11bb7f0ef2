"""A second, independent implementation of Gatehouse's sealed cookie (docs/cookie-format.md), in Python.

It proves the format is documented well enough for another program holding the secret to open and make
Gatehouse cookies. Only the `cryptography` package is used.
"""
import base64
import json
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = 1
SALT = b"gatehouse-cookie-v1"


def derive_key(secret: str, purpose: str = "session") -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SALT, info=purpose.encode()).derive(secret.encode())


def aad(cookie_name: str, purpose: str = "session") -> bytes:
    return f"gatehouse:{VERSION}:{purpose}:{cookie_name}".encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(plaintext: bytes, secret: str, cookie_name: str, purpose: str = "session", nonce: bytes | None = None) -> str:
    nonce = nonce if nonce is not None else os.urandom(12)
    body = AESGCM(derive_key(secret, purpose)).encrypt(nonce, plaintext, aad(cookie_name, purpose))
    return b64url(bytes([VERSION]) + nonce + body)


def open_value(value: str, secret: str, cookie_name: str, purpose: str = "session") -> bytes:
    raw = unb64url(value)
    if raw[0] != VERSION:
        raise ValueError("unknown version")
    return AESGCM(derive_key(secret, purpose)).decrypt(raw[1:13], raw[13:], aad(cookie_name, purpose))


def seal_session(secret: str, cookie_name: str, provider: str, claims: dict, iat: int, exp: int, **tokens) -> str:
    payload = {"p": provider, "iat": iat, "exp": exp, "c": claims}
    if tokens.get("id_token"):
        payload["it"] = tokens["id_token"]
    if tokens.get("access_token"):
        payload["at"] = tokens["access_token"]
    return seal(json.dumps(payload, separators=(",", ":")).encode(), secret, cookie_name)


def open_session(value: str, secret: str, cookie_name: str) -> dict:
    return json.loads(open_value(value, secret, cookie_name))


if __name__ == "__main__":
    # Prints the known-answer vector used by the Swift unit tests (fixed nonce 000102...0b).
    secret = "k" * 10 + "Q7fP2xZr9LmN4vB8cT1yW6eH3jK5sD0aG"
    print(seal(b'{"hello":"world"}', secret, "_gatehouse", nonce=bytes(range(12))))
