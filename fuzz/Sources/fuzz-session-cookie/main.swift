import FuzzSupport
import GatehouseCore

let sessions = try! SessionCookie(Fuzz.config)
let sealer = try! CookieSealer(secrets: [Fuzz.secret], purpose: .session)

/// Opening a session cookie: the input as a whole Cookie header, as the session value, and as the plaintext
/// inside a correctly sealed value (so the payload decoding behind the AEAD is fuzzed too).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Fuzz.bytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    let name = Fuzz.config.cookie.name
    Fuzz.require(sessions.read(RequestCookies(header: text), now: Fuzz.now) == nil || text.contains(name), "a session without the cookie name")
    Fuzz.require(sessions.read(RequestCookies(header: "\(name)=\(text)"), now: Fuzz.now) == nil, "an unsealed value opened")
    Fuzz.require(sessions.read(RequestCookies(header: "\(name)_0=\(text); \(name)_1=\(text)"), now: Fuzz.now) == nil, "unsealed chunks opened")
    let sealed = sealer.seal(bytes, cookieName: name)
    Fuzz.require(sealer.open(sealed, cookieName: name) == bytes, "seal/open round trip")
    Fuzz.require(sealer.open(sealed, cookieName: name + "x") == nil, "opened under another name")
    if let session = sessions.read(RequestCookies(header: "\(name)=\(sealed)"), now: Fuzz.now) {
        Fuzz.require(session.expiresAt > Fuzz.now, "expired session accepted")
        _ = session.claim("a.b.c")
    }
    return 0
}

Fuzz.run(fuzz)
