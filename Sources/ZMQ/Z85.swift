/// Z85, ZeroMQ's printable encoding of binary keys (ZeroMQ RFC 32): every 4 bytes become 5 characters of an
/// 85-letter alphabet, so a 32-byte CURVE key is 40 characters.
///
/// Pure Swift and total: decoding rejects (returns `nil`) a length that is not a multiple of 5, a character
/// outside the alphabet and a group above 2³²−1, instead of trusting the input. libzmq's `zmq_z85_encode`
/// produces the same text (checked by the tests).
public enum Z85 {
    /// The 85 characters, in value order.
    static let alphabet: [UInt8] = Array(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// Value of each ASCII character, 0xFF for characters outside the alphabet.
    static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in alphabet.enumerated() { table[Int(character)] = UInt8(index) }
        return table
    }()

    /// Encodes `bytes`, whose count must be a multiple of 4; `nil` otherwise.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count / 4 * 5)
        var index = 0
        while index < bytes.count {
            var value = UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16
            value |= UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
            var group = [UInt8](repeating: 0, count: 5)
            for position in stride(from: 4, through: 0, by: -1) {
                group[position] = alphabet[Int(value % 85)]
                value /= 85
            }
            text += group
            index += 4
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Decodes Z85 text; `nil` unless its length is a multiple of 5 and every group is valid.
    public static func decode(_ text: String) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 5 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(characters.count / 5 * 4)
        var index = 0
        while index < characters.count {
            var value: UInt64 = 0
            for offset in 0..<5 {
                let digit = values[Int(characters[index + offset])]
                guard digit != 0xFF else { return nil }
                value = value * 85 + UInt64(digit)
            }
            guard value <= UInt64(UInt32.max) else { return nil }
            bytes += [
                UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
            ]
            index += 5
        }
        return bytes
    }
}
