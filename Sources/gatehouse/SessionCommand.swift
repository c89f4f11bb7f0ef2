import ArgumentParser
import Foundation
import GatehouseCore

/// `gatehouse session open|seal`: look inside a session cookie, or make one, with the configured secret.
/// For operators debugging a login and for tests; anyone holding the secret can do this anyway.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Open or seal a session cookie value with the configured cookie_secret.",
        subcommands: [Open.self, Seal.self]
    )

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read a cookie value on stdin; print the session as JSON (exit 1: no session).")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let config = try options.load()
            let value = (readLine(strippingNewline: true) ?? "").trimmingCharacters(in: .whitespaces)
            let cookie = try SessionCookie(config)
            let now = Int64(Date().timeIntervalSince1970)
            guard let session = cookie.read(RequestCookies(header: "\(config.cookie.name)=\(value)"), now: now) else {
                FileHandle.standardError.write(Data("no session: the value is not a valid, unexpired cookie for this secret, cookie name, lifetime and the configured providers\n".utf8))
                throw ExitCode(1)
            }
            var out = session.claims
            out["provider"] = .string(session.provider)
            out["iat"] = .number(Double(session.issuedAt))
            out["exp"] = .number(Double(session.expiresAt))
            print(String(decoding: JSONText.encode(out), as: UTF8.self))
        }
    }

    struct Seal: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Read identity claims as a JSON object on stdin; print a sealed session cookie value.")
        @OptionGroup var options: ConfigOption
        @Option(help: "Provider name stored in the session.") var provider = AuthConfig.defaultProviderName
        @Option(help: "Seconds until the session expires (default: the configured cookie_lifetime).") var lifetime: Int64?

        func run() throws {
            let config = try options.load()
            // A session of a provider that is not configured would be refused by every check.
            guard config.auth.providers[provider] != nil else {
                throw ValidationError("provider \"\(provider)\" is not configured (configured: \(config.auth.providers.keys.sorted().joined(separator: ", ")))")
            }
            let input = FileHandle.standardInput.readDataToEndOfFile()
            guard let claims = JSONText.parseObject(Array(input)) else { throw ValidationError("stdin must be a JSON object of claims") }
            let now = Int64(Date().timeIntervalSince1970)
            let session = Session(provider: provider, claims: claims, issuedAt: now,
                                  expiresAt: now + (lifetime ?? config.cookie.lifetime.wholeSeconds))
            let cookie = try SessionCookie(config)
            print(cookie.seal(session))
        }
    }
}
