public import Foundation
import Yams

/// Strict YAML decoding for configuration and scene files.
///
/// Synthesised `Decodable` silently ignores unknown keys and reports errors without a line number; both
/// cost users hours (a misspelt key is a setting that silently does nothing). Types decoded through
/// `StrictYAML` call `rejectUnknownKeys` (or `strictContainer`) in their `init(from:)`, and every failure is
/// reported as a `YAMLFileError` naming the file, line, column and dotted key path, with the offending line quoted.
public enum StrictYAML {
    /// Most nodes a document may expand to once its aliases are resolved (each alias counts as the node it
    /// repeats): bounds the work of composing and decoding any accepted document, whatever its anchors.
    package static let maxExpandedNodes = 100_000
    /// Deepest nesting of mappings and lists accepted (composing and decoding recurse).
    package static let maxDepth = 64

    /// Decodes `T` from YAML text; `file` is used in error messages only; `userInfo` reaches every
    /// `init(from:)` as `decoder.userInfo` (e.g. the directory relative paths are resolved against).
    ///
    /// Before anything is built, a linear pass over the event stream rejects documents that would expand past
    /// ``maxExpandedNodes`` through aliases, nest deeper than ``maxDepth``, or use a mapping or list as a mapping
    /// key (hashing keys built from nested aliases is exponential), with the error located at the offending node.
    public static func decode<T: Decodable>(
        _ type: T.Type, from text: String, file: String, userInfo: [CodingUserInfoKey: any Sendable] = [:]
    ) throws -> T {
        try checkExpansion(text, file: file)
        let node: Node
        do {
            // UTF-8 named here: the default encoding reads the process environment on every parse.
            guard let composed = try Yams.compose(yaml: text, .default, .default, .utf8) else {
                // An empty document decodes like an empty mapping, so that all defaults apply.
                return try decode(type, from: "{}", file: file, userInfo: userInfo)
            }
            node = composed
        } catch let error as YamlError {
            throw YAMLFileError(
                file: file, line: nil, column: nil, path: "", message: "YAML syntax error: \(error)", snippet: nil)
        }
        do {
            return try YAMLDecoder(encoding: .utf8).decode(type, from: node, userInfo: userInfo)
        } catch let error as DecodingError {
            throw YAMLFileError(decodingError: error, root: node, text: text, file: file)
        } catch let error as YAMLFileError {
            throw error
        } catch {
            throw YAMLFileError(file: file, line: nil, column: nil, path: "", message: "\(error)", snippet: nil)
        }
    }

    /// Throws a located error if `text` expands past ``maxExpandedNodes``, nests past ``maxDepth`` or has a
    /// complex mapping key (see ``decode(_:from:file:)``); for callers that compose YAML themselves.
    static func checkExpansion(_ text: String, file: String) throws {
        do {
            try ExpansionGuard.check(text, maxNodes: maxExpandedNodes, maxDepth: maxDepth)
        } catch {
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let snippet =
                error.line <= lines.count
                ? String(lines[error.line - 1]) + "\n" + String(repeating: " ", count: max(0, error.column - 1)) + "^"
                : nil
            throw YAMLFileError(
                file: file, line: error.line, column: error.column, path: "", message: error.message, snippet: snippet)
        }
    }

    /// Reads and decodes a YAML file.
    public static func decode<T: Decodable>(_ type: T.Type, contentsOf path: String) throws -> T {
        try decode(type, from: try readFile(path), file: path)
    }

    /// The text of a YAML file (UTF-8).
    ///
    /// - Throws: `YAMLFileError` naming the file when it cannot be read.
    public static func readFile(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw YAMLFileError(
                file: path, line: nil, column: nil, path: "",
                message: "cannot read file: \(error.localizedDescription)", snippet: nil)
        }
    }
}

/// A configuration error located in its file: `file:line:column: key.path: message`.
public struct YAMLFileError: Error, CustomStringConvertible, LocalizedError, Sendable {
    /// Path of the configuration file.
    public let file: String
    /// 1-based line of the offending node, when known.
    public let line: Int?
    /// 1-based column of the offending node, when known.
    public let column: Int?
    /// Dotted key path, e.g. `array.spacing` or `planes[2].normal`.
    public let path: String
    /// What is wrong, e.g. `unknown key` or `expected a number`.
    public let message: String
    /// The offending line with a caret, when known.
    public let snippet: String?

    /// Creates an error at `file:line:column`, key `path`.
    public init(file: String, line: Int?, column: Int?, path: String, message: String, snippet: String?) {
        self.file = file; self.line = line; self.column = column
        self.path = path; self.message = message; self.snippet = snippet
    }

    /// `file:line:column: path: message`, then the snippet when known.
    public var description: String {
        var s = file
        if let line, let column { s += ":\(line):\(column)" }
        s += ": "
        if !path.isEmpty { s += "\(path): " }
        s += message
        if let snippet { s += "\n" + snippet.trimmingCharacters(in: .newlines) }
        return s
    }

    /// The same text as `description`, for `localizedDescription`.
    public var errorDescription: String? { description }
}
