import Testing

@testable import CSIWire

@Suite struct JSONValueTests {
    @Test func parsesAndSerializesDeterministically() throws {
        let text = #" { "b" : [1, -2.5e3, true, false, null], "a" : "x\"\\\n\u00e9\ud83d\ude00", "c": {} } "#
        let value = try JSONValue(parsing: Array(text.utf8))
        #expect(value["a"]?.stringValue == "x\"\\\né😀")
        #expect(value["b"]?.arrayValue?.count == 5)
        #expect(value["b"]?.arrayValue?[1].doubleValue == -2500)
        let out = value.serializedString()
        #expect(out == #"{"a":"x\"\\\né😀","b":[1,-2.5e3,true,false,null],"c":{}}"#)
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test func keepsIntegerLiteralsExactly() throws {
        let value = try JSONValue(parsing: Array("[18446744073709551615, -9223372036854775808]".utf8))
        #expect(value.arrayValue?[0].numberValue?.uint64Value == UInt64.max)
        #expect(value.arrayValue?[1].numberValue?.int64Value == Int64.min)
    }

    @Test func doublesRoundTripAndNonFiniteBecomesNull() throws {
        for x in [
            0.1, 1.0 / 3.0, -0.0, 1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, 123456789.123456789,
            3.0,
        ] {
            let bytes = JSONValue.double(x).serialized()
            let back = try JSONValue(parsing: bytes).doubleValue
            #expect(back?.bitPattern == x.bitPattern, "\(x) -> \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(JSONValue.double(.nan) == .null)
        #expect(JSONValue.double(.infinity).serializedString() == "null")
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc",
        "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{01}b\"", "{\"a\":1,\"a\":2}", "[1] 2", "{1:2}",
        "NaN", "Infinity", "[1 2]",
    ])
    func rejectsInvalid(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Array(text.utf8)) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() throws {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22, 0xED, 0xA0, 0x80, 0x22]) }
        // Overlong, truncated, lone continuation, beyond U+10FFFF, and invalid bytes after an escape.
        for bad: [UInt8] in [[0xC0, 0x80], [0xE2, 0x82], [0x80], [0xF4, 0x90, 0x80, 0x80], [0x5C, 0x6E, 0xFF]] {
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: [0x22] + bad + [0x22]) }
        }
        // Multi-byte scalars in runs between escapes decode to the same text.
        let mixed = Array("\"é\\n😀\\u00e9x€\"".utf8)
        #expect(try JSONValue(parsing: mixed) == .string("é\n😀éx€"))
        let deep = Array(repeating: UInt8(ascii: "["), count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: deep) }
        let ok = Array(repeating: UInt8(ascii: "["), count: 64) + Array(repeating: UInt8(ascii: "]"), count: 64)
        #expect(throws: Never.self) { try JSONValue(parsing: ok) }
    }

    @Test func escapesControlCharacters() throws {
        let value = JSONValue.string("a\u{01}\t\u{1F}")
        #expect(value.serializedString() == #""a\u0001\t\u001f""#)
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }
}
