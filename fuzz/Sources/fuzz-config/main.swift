import FuzzSupport
import GatehouseCore

/// The config loader: TOML text in, a config or a list of problems out, never a crash; a loaded config
/// always has a cookie secret and starts a Gatehouse.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: Fuzz.bytes(data, size), as: UTF8.self)
    let env = ConfigEnvironment(variables: ["GH_SECRET": Fuzz.secret], readFile: { _ in Fuzz.secret })
    switch ConfigLoader.load(toml: text, environment: env) {
    case .success(let config):
        Fuzz.require(!config.auth.cookieSecrets.isEmpty, "a config without a cookie secret")
    case .failure(let error):
        Fuzz.require(!error.problems.isEmpty, "a failure without problems")
    }
    return 0
}

Fuzz.run(fuzz)
