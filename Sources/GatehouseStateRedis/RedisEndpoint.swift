/// Where the store's Redis is and how to log in to it. `description` never holds the password.
struct RedisEndpoint: Sendable, CustomStringConvertible {
    var host: String
    var port: Int
    var database: Int
    var password: String?
    /// Seconds to wait for a TCP connection.
    var connectTimeout: Double
    /// Seconds to wait for any read or write of a command.
    var commandTimeout: Double

    var description: String {
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return "redis://\(address)/\(database)"
    }

    /// A new connection, logged in (AUTH) and on the store's database (SELECT).
    func connect() throws(RedisError) -> RedisConnection {
        let connection = try RedisConnection(
            host: host, port: port, connectTimeout: connectTimeout, commandTimeout: commandTimeout)
        do throws(RedisError) {
            if let password {
                try connection.command([Array("AUTH".utf8), Array(password.utf8)]).orThrow("AUTH")
            }
            // Always sent: it also shows at once that a password is missing (NOAUTH).
            try connection.command([Array("SELECT".utf8), Array(String(database).utf8)]).orThrow("SELECT")
        } catch {
            // Not logged in is not connected: nothing may use this connection.
            throw RedisError(.connect, error.description)
        }
        return connection
    }
}
