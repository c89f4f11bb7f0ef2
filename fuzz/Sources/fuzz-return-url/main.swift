import FuzzSupport
import GatehouseCore

let validator = ReturnURL(allowedHosts: ["app.example.com", ".corp.example.net"])

/// ReturnURL.validate: the answer is `/` or the input unchanged, and never leaves the site by the simple reading.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: Fuzz.bytes(data, size), as: UTF8.self)
    let result = validator.validate(text)
    Fuzz.require(result == "/" || result == text, "validate changed the URL")
    if result != "/" {
        Fuzz.require(result.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\\") }, "unsafe bytes kept: \(result.debugDescription)")
        if result.hasPrefix("/") {
            Fuzz.require(!result.hasPrefix("//"), "protocol-relative kept: \(result.debugDescription)")
        } else {
            let parts = URLParts(result)
            Fuzz.require(parts != nil, "absolute URL kept that URLParts cannot split: \(result.debugDescription)")
            let host = parts!.host
            Fuzz.require(host == "app.example.com" || host == "corp.example.net" || host.hasSuffix(".corp.example.net"),
                         "off-list host kept: \(result.debugDescription)")
            let afterScheme = result.range(of: "://").map { result[$0.upperBound...] } ?? ""
            let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
            Fuzz.require(!authority.contains("@"), "userinfo kept: \(result.debugDescription)")
        }
    }
    return 0
}

Fuzz.run(fuzz)
