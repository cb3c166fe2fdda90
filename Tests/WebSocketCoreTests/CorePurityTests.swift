import Foundation
import Testing

/// The core stays sans-I/O: no platform or Foundation imports and no `async` code.
///
/// This reads the module's sources next to this test file, so it runs wherever `swift test` runs.
@Suite("WebSocketCore purity")
struct CorePurityTests {
    static let sourceRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/WebSocketCore")

    static func sources() throws -> [(name: String, text: String)] {
        let enumerator = try #require(FileManager.default.enumerator(at: sourceRoot, includingPropertiesForKeys: nil))
        var files: [(String, String)] = []
        for case let url as URL in enumerator where url.pathExtension == "swift" {
            files.append((url.lastPathComponent, try String(contentsOf: url, encoding: .utf8)))
        }
        return files
    }

    @Test("the core's sources are found")
    func sourcesExist() throws {
        #expect(try Self.sources().count >= 10)
    }

    @Test("no source imports any module: the standard library is the only dependency")
    func noImports() throws {
        // An allow-list, not a deny-list: a C module (CZlib, CWebSocketIO), a platform module
        // (Glibc, Darwin), Foundation or Synchronization would all break the core's contract.
        for (name, text) in try Self.sources() {
            for line in text.split(separator: "\n") {
                let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let importIndex = words.firstIndex(of: "import"), importIndex + 1 < words.count else { continue }
                guard words[..<importIndex].allSatisfy({ $0.hasPrefix("@") || ["public", "internal", "package", "private", "fileprivate"].contains($0) }) else { continue }
                Issue.record("\(name) imports \(words[importIndex + 1])")
            }
        }
    }

    @Test("no source uses async, await or actors")
    func noAsync() throws {
        for (name, text) in try Self.sources() {
            // Strip comments crudely: drop everything after `//` on each line.
            for line in text.split(separator: "\n") {
                let code = line.components(separatedBy: "//").first ?? ""
                let words = code.split(whereSeparator: { !$0.isLetter && !$0.isNumber && $0 != "_" })
                for keyword in ["async", "await", "actor", "Task"] {
                    #expect(!words.contains(Substring(keyword)), "\(name) uses \(keyword): \(line)")
                }
            }
        }
    }
}
