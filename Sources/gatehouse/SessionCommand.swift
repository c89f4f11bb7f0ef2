import ArgumentParser
import Foundation
import GatehouseCore
import Logging

/// `gatehouse session open|seal`: look inside a session cookie, or make one, with the configured secret.
/// For operators debugging a login and for tests; anyone holding the secret can do this anyway.
struct SessionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "session",
        abstract: "Open or seal a session cookie value with the configured cookie_secret; revoke sessions.",
        subcommands: [Open.self, Seal.self, Revoke.self]
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
            if let id = session.id { out["session_id"] = .string(id.text) }
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

    /// Ends sessions on every instance that shares the configured state store (within a second with Redis, at
    /// the next poll with SQLite).
    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke sessions in the state store: every session of a user or an email address begun before now, or one session.")
        @OptionGroup var options: ConfigOption
        @Option(help: "The user's sub at the provider.") var user: String?
        @Option(help: "An email address (any case).") var email: String?
        @Option(help: "A session id (`gatehouse session open` prints it as session_id); write --session=ID, as an id may begin with -.") var session: String?
        @Option(help: "With --user: only this provider's user (default: the sub at every configured provider).") var provider: String?
        @Option(help: "With --user: the issuer, instead of asking each provider's discovery document.") var issuer: String?

        func validate() throws {
            guard [user, email, session].compactMap({ $0 }).count == 1 else { throw ValidationError("give exactly one of --user, --email, --session") }
            if let session, SessionID(base64url: session) == nil { throw ValidationError("--session: not a session id (22 base64url characters)") }
        }

        func run() throws {
            let config = try options.load()
            let store: any StateStore
            do {
                guard let opened = try StateStores.open(config.state) else {
                    throw ValidationError("[gatehouse] state = \"none\": there is no store to revoke sessions in")
                }
                store = opened
            } catch let error as StateStoreError {
                FileHandle.standardError.write(Data("the state store cannot be opened: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
            let lifecycle = try SessionLifecycle(store: store, config: config, logger: Logger(label: "gatehouse"))
            let now = Int64(Date().timeIntervalSince1970)
            do {
                if let session, let id = SessionID(base64url: session) {
                    try lifecycle.revoke(session: id, expiresAt: now + config.cookie.lifetime.wholeSeconds + 60, now: now)
                    print("revoked session \(id.text)")
                } else if let email {
                    try lifecycle.revoke(.email(email), before: now, now: now)
                    print("revoked every session of \(email) begun before now")
                } else if let user {
                    for iss in try issuers(config) {
                        try lifecycle.revoke(.subject(issuer: iss, subject: user), before: now, now: now)
                        print("revoked every session of \(user) at \(iss) begun before now")
                    }
                }
            } catch let error as StateStoreError {
                FileHandle.standardError.write(Data("not revoked: \(error.description)\n".utf8))
                throw ExitCode(1)
            }
        }

        /// The issuers a `--user` names: `--issuer`, or each (or the named) provider's, from its discovery document.
        func issuers(_ config: GatehouseConfig) throws -> [String] {
            if let issuer { return [issuer] }
            let names = provider.map { [$0] } ?? config.auth.providers.keys.sorted()
            let directory = ProviderDirectory(http: CurlOutbound(config: config.provider), ttl: config.provider.metadataTTL,
                                              now: { Int64(Date().timeIntervalSince1970) })
            return try names.map { name in
                guard let p = config.auth.providers[name] else { throw ValidationError("provider \"\(name)\" is not configured") }
                do { return try directory.metadata(for: p).issuer } catch {
                    throw ValidationError("provider \(name): its discovery document is unreachable (\((error as? GatehouseError)?.detail ?? "\(error)")); give --issuer")
                }
            }
        }
    }
}
