import Foundation
/// A conservative estimate of how many bits of entropy a secret string carries.
/// Counts per character by the smallest alphabet the text fits (hex 4 bits, base64 6 bits, other printable 6.5),
/// and refuses repetitive text whose character distribution carries far less.
public enum SecretStrength {
    public static let requiredBits = 256.0

    public static func estimatedBits(_ secret: String) -> Double {
        let bytes = Array(secret.utf8)
        guard !bytes.isEmpty else { return 0 }
        let isHex = bytes.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }
        let isBase64 = bytes.allSatisfy {
            ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || "+/=-_".utf8.contains($0)
        }
        let perChar = isHex ? 4.0 : isBase64 ? 6.0 : 6.5
        let byAlphabet = perChar * Double(bytes.count)
        // Shannon entropy of the observed characters: "aaaa..." or "abababab..." scores near zero.
        var counts = [Int](repeating: 0, count: 256)
        for b in bytes { counts[Int(b)] += 1 }
        let n = Double(bytes.count)
        let shannon = counts.filter { $0 > 0 }.reduce(0.0) { acc, c in
            let p = Double(c) / n
            return acc - p * log2(p)
        }
        // A random 32-byte secret shows well over 3 bits per character; repetitive text well under 2.
        return shannon * n < byAlphabet / 2 ? shannon * n : byAlphabet
    }

    public static func isStrong(_ secret: String) -> Bool { estimatedBits(secret) >= requiredBits }
}

