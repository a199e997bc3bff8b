import Foundation

/// How every `--json` report of `csiloc` is written: one line, keys sorted (byte order), `/` escaped as `\/`,
/// non-finite numbers as `null` (``FiniteOrNull``).
public enum ReportJSON {
    /// `report` as one line of JSON.
    ///
    /// - Throws: `EncodingError` only for a non-finite `Double` outside a ``FiniteOrNull`` field (a bug in a
    ///   report type).
    public static func encode<Report: Encodable>(_ report: Report) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    /// Decodes a report written by ``encode(_:)`` (for tests and for tools that read reports back).
    package static func decode<Report: Decodable>(_ type: Report.Type, from text: String) throws -> Report {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
