import Testing
import WebSocketCore

@Suite("HTTPHeaders")
struct HandshakeHTTPHeadersTests {
    static let sample: HTTPHeaders = [
        "Host": "example.com",
        "Connection": "keep-alive, Upgrade",
        "X-List": " a ,, b,",
        "x-list": "c\t,  D ",
    ]

    @Test("finds fields by name without regard to case", arguments: ["host", "HOST", "Host", "hOsT"])
    func caseInsensitiveLookup(_ name: String) {
        #expect(Self.sample[name] == "example.com")
        #expect(Self.sample.contains(name))
    }

    @Test("returns nil and empty lists for absent names")
    func absent() {
        #expect(Self.sample["Upgrade"] == nil)
        #expect(Self.sample.values(for: "Upgrade").isEmpty)
        #expect(Self.sample.tokens(for: "Upgrade").isEmpty)
        #expect(!Self.sample.contains("Upgrade"))
    }

    @Test("returns repeated fields' values in order")
    func values() {
        #expect(Self.sample.values(for: "X-LIST") == ["a ,, b,", "c\t,  D"])
        #expect(Self.sample["x-list"] == "a ,, b,")
    }

    @Test("splits token lists across repeated fields, trimmed, without empty elements")
    func tokens() {
        #expect(Self.sample.tokens(for: "x-list") == ["a", "b", "c", "D"])
        #expect(Self.sample.tokens(for: "Connection") == ["keep-alive", "Upgrade"])
    }

    @Test("finds a listed token without regard to case", arguments: [
        ("upgrade", true), ("UPGRADE", true), ("keep-alive", true), ("Upgrad", false), ("keep-alive, Upgrade", false),
    ])
    func containsToken(token: String, expected: Bool) {
        #expect(Self.sample.containsToken(token, for: "connection") == expected)
    }

    @Test("add keeps duplicates; replaceOrAdd keeps one field where the first was")
    func mutation() {
        var headers: HTTPHeaders = ["A": "1", "B": "2", "a": "3"]
        headers.add(name: "A", value: "4")
        #expect(headers.values(for: "a") == ["1", "3", "4"])
        headers.replaceOrAdd(name: "a", value: "5")
        #expect(headers.map(\.name) == ["a", "B"])
        #expect(headers.map(\.value) == ["5", "2"])
        headers.replaceOrAdd(name: "C", value: "6")
        #expect(headers.map(\.name) == ["a", "B", "C"])
        headers.remove(name: "b")
        #expect(headers == ["A": "5", "C": "6"])
        #expect(headers.count == 2)
    }

    @Test("replaces control characters in values so they cannot inject lines", arguments: [
        ("a\r\nSet-Cookie: x", "a  Set-Cookie: x"), ("\r\n", ""), ("  padded\t", "padded"), ("a\u{0}b", "a b"),
        ("tab\tinside", "tab\tinside"), ("caf\u{E9}", "caf\u{E9}"),
    ])
    func sanitizesValues(input: String, stored: String) {
        var headers = HTTPHeaders()
        headers.add(name: "X", value: input)
        #expect(headers["x"] == stored)
    }

    @Test("accepts only tokens as names", arguments: [
        ("Sec-WebSocket-Key", true), ("x!#$%&'*+-.^_`|~9", true), ("", false), ("a b", false), ("a:b", false),
        ("(x)", false), ("caf\u{E9}", false), ("a\r\n", false),
    ])
    func validNames(name: String, valid: Bool) {
        #expect(HTTPHeaders.isValidName(name) == valid)
    }

    @Test("compares names without regard to case and values and order exactly")
    func equality() {
        let headers: HTTPHeaders = ["A": "1", "B": "2"]
        #expect(headers == ["a": "1", "b": "2"])
        #expect(headers != ["B": "2", "A": "1"])
        #expect(headers != ["A": "1", "B": "2", "B": "2"])
        #expect((["A": "x"] as HTTPHeaders) != ["A": "X"])
    }

    @Test("iterates fields in order as name-value pairs")
    func sequence() {
        var lines: [String] = []
        for (name, value) in Self.sample { lines.append("\(name)=\(value)") }
        #expect(lines.first == "Host=example.com")
        #expect(lines.count == 4)
    }
}
