import Foundation

/// `[gatehouse.pages] accent_color`: one sRGB colour for links and buttons, written as `#rgb` or `#rrggbb` (so
/// nothing but hex digits ever reaches the stylesheet). The light card shows it as it is, which is why the loader
/// asks for 4.5:1 against white (WCAG AA for text); the dark card gets a lighter mix of it with the same contrast
/// against the dark card, and each gets the button text (white or near-black) that reads best on it.
public struct AccentColor: Sendable, Equatable {
    public let red: UInt8, green: UInt8, blue: UInt8

    /// A blue with 6.5:1 on white.
    public static let `default` = AccentColor(red: 0x1a, green: 0x56, blue: 0xdb)
    /// The card backgrounds of the stylesheet (`PageStyle`), light and dark.
    static let lightCard = AccentColor(red: 0xff, green: 0xff, blue: 0xff)
    static let darkCard = AccentColor(red: 0x1f, green: 0x23, blue: 0x2b)
    static let white = lightCard
    static let ink = AccentColor(red: 0x11, green: 0x18, blue: 0x27)
    /// WCAG 2 AA for normal text.
    public static let minimumContrast = 4.5

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red; self.green = green; self.blue = blue
    }

    /// `#1a56db` or `#15d`; nil for anything else (names, rgb(), spaces).
    public init?(hex text: String) {
        guard text.hasPrefix("#") else { return nil }
        let digits = Array(text.utf8.dropFirst())
        guard digits.count == 3 || digits.count == 6, digits.allSatisfy({ Self.nibble($0) != nil }) else { return nil }
        let values = digits.map { Self.nibble($0)! }
        if values.count == 3 {
            self.init(red: values[0] * 17, green: values[1] * 17, blue: values[2] * 17)
        } else {
            self.init(red: values[0] << 4 | values[1], green: values[2] << 4 | values[3], blue: values[4] << 4 | values[5])
        }
    }

    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    public var hex: String {
        let digits = Array("0123456789abcdef")
        return "#" + String([red, green, blue].flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] })
    }

    /// WCAG 2 relative luminance.
    var luminance: Double {
        func channel(_ v: UInt8) -> Double {
            let c = Double(v) / 255
            return c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    }

    /// WCAG 2 contrast ratio, 1...21.
    func contrast(with other: AccentColor) -> Double {
        let (a, b) = (luminance, other.luminance)
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    /// Text on a button of this colour: white or near-black, whichever contrasts more.
    var buttonText: AccentColor { contrast(with: Self.white) >= contrast(with: Self.ink) ? Self.white : Self.ink }

    /// For the dark card: mixed with white in steps until it reaches the minimum contrast there.
    var forDarkCard: AccentColor {
        var mix = self
        var step = 0.0
        while mix.contrast(with: Self.darkCard) < Self.minimumContrast && step < 1 {
            step += 0.05
            func blend(_ v: UInt8) -> UInt8 { UInt8((Double(v) + (255 - Double(v)) * step).rounded()) }
            mix = AccentColor(red: blend(red), green: blend(green), blue: blend(blue))
        }
        return mix
    }
}
