import Foundation
import Testing

/// Keeps the Swift in README.md and docs/*.md compiling.
///
/// Every ```swift block in those files must come right after a `<!-- snippet: NAME -->` line and
/// equal, after removing common indentation, the lines between `// snippet: NAME` and
/// `// end-snippet` in a Swift file under `Tests/DocSamplesTests/` or `Examples/`, both of which
/// the build compiles (and many of these samples also run as tests). Change the Swift file and
/// the build checks it; then paste it into the markdown, and this test checks the copy.
@Suite("Documentation samples")
struct DocSnippetTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every snippet in the compiled sources, by name.
    static func snippets() throws -> [String: String] {
        var found: [String: String] = [:]
        for folder in ["Tests/DocSamplesTests", "Examples"] {
            let base = root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { continue }
            for case let file as URL in files where file.pathExtension == "swift" {
                var name: String?
                var body: [Substring] = []
                for line in try String(contentsOf: file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
                    let trimmed = line.drop(while: { $0 == " " })
                    if let current = name {
                        if trimmed == "// end-snippet" {
                            found[current] = dedented(body)
                            name = nil
                            body = []
                        } else {
                            body.append(line)
                        }
                    } else if trimmed.hasPrefix("// snippet: ") {
                        name = String(trimmed.dropFirst("// snippet: ".count))
                    }
                }
            }
        }
        return found
    }

    static func dedented(_ lines: [Substring]) -> String {
        let indent = lines.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        return lines.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }.joined(separator: "\n")
    }

    static var markdownFiles: [String] {
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("docs").path)) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/\($0)" }
    }

    @Test("every ```swift block in the docs is a compiled snippet", arguments: markdownFiles)
    func blocksAreSnippets(file: String) throws {
        let snippets = try Self.snippets()
        let lines = try String(contentsOf: Self.root.appendingPathComponent(file), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            defer { index += 1 }
            guard lines[index].hasPrefix("```swift") else { continue }
            let previous = index > 0 ? lines[index - 1] : ""
            guard previous.hasPrefix("<!-- snippet: "), previous.hasSuffix(" -->") else {
                Issue.record("\(file):\(index + 1): a ```swift block without a <!-- snippet: NAME --> line before it")
                continue
            }
            let name = String(previous.dropFirst("<!-- snippet: ".count).dropLast(" -->".count))
            let start = index + 1
            guard let end = lines[start...].firstIndex(where: { $0.hasPrefix("```") }) else {
                Issue.record("\(file):\(index + 1): unterminated block")
                return
            }
            let block = lines[start..<end].joined(separator: "\n")
            guard let snippet = snippets[name] else {
                Issue.record("\(file):\(index + 1): no `// snippet: \(name)` in Tests/DocSamplesTests or Examples")
                continue
            }
            #expect(block == snippet, "\(file):\(index + 1): block differs from snippet \(name):\n\(snippet)")
            index = end
        }
    }
}
