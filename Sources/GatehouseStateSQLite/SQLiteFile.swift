#if canImport(Glibc)
import Glibc
#endif
import GatehouseCore

/// The database file before SQLite opens it: created with mode 0600 when missing (SQLite gives the `-wal` and
/// `-shm` files the database's mode), and the usual mistakes told plainly with the path, where SQLite would
/// say only "unable to open database file". An existing file keeps its mode: an operator who shares it
/// between users sets mode and group once.
enum SQLiteFile {
    static func prepare(_ path: String) throws(StateStoreError) {
        guard !path.isEmpty, path != ":memory:", !path.hasPrefix("file:") else {
            throw StateStoreError("SQLite state store: needs the path of a file, not \"\(path)\"")
        }
        let directory = directory(of: path)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            guard close(fd) == 0 else { throw failure(path, "cannot create it: \(systemError(errno))") }
        } else {
            let code = errno
            switch code {
            case EEXIST:
                break
            case ENOENT:
                throw failure(path, "the directory \(directory) does not exist")
            case ENOTDIR:
                throw failure(path, "a part of \(directory) is not a directory")
            case EACCES, EPERM, EROFS:
                throw failure(path, "cannot create it in \(directory): \(systemError(code))")
            default:
                throw failure(path, "cannot create it: \(systemError(code))")
            }
        }
        // An existing file still needs a writable directory: SQLite creates the -wal and -shm files beside it.
        guard access(directory, W_OK | X_OK) == 0 else {
            throw failure(path, "the directory \(directory) is not writable (SQLite creates the -wal and -shm files there): \(systemError(errno))")
        }
    }

    /// The directory part of `path` ("." for a bare name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    private static func failure(_ path: String, _ detail: String) -> StateStoreError {
        StateStoreError("SQLite state store \(path): \(detail)")
    }

    private static func systemError(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "errno \(code)" }
        return String(cString: text)
    }
}
