/// What `wscat` reads: typed or piped lines, end of input, and Ctrl-C.
///
/// The executable's stream never finishes (Ctrl-C can come after end of input). A stream that
/// finishes means no more input and no Ctrl-C either: a client then acts as on `endOfInput`,
/// a server as on `interrupt` (tests use this to stop it).
package enum WSCatInputEvent: Equatable, Sendable {
    /// One line, without its line terminator.
    case line(String)
    /// Standard input reached its end (Ctrl-D on a terminal, or the end of a pipe).
    case endOfInput
    /// The user pressed Ctrl-C (SIGINT).
    case interrupt
}

/// The two streams `wscat` writes to.
package enum WSCatStream: Sendable {
    case standardOutput, standardError
}

/// Where `wscat` writes: the terminal in the executable, a buffer in tests.
package protocol WSCatOutput: Sendable {
    /// Writes `text` as is (callers include the line ends).
    func write(_ text: String, to stream: WSCatStream)
    /// Whether a person is at a terminal (standard input and output are TTYs): then `wscat`
    /// shows a `>` prompt and, unless `--no-color`, colours.
    var isTerminal: Bool { get }
    /// Whether colours are allowed at all (the `NO_COLOR` convention).
    var allowsColor: Bool { get }
}

/// Formats what `wscat` prints: `<` before received messages, a `>` prompt on a terminal.
struct WSCatPrinter: Sendable {
    let output: any WSCatOutput
    let color: Bool
    let prompt: Bool

    init(output: any WSCatOutput, colorRequested: Bool) {
        self.output = output
        self.prompt = output.isTerminal
        self.color = colorRequested && output.isTerminal && output.allowsColor
    }

    private func paint(_ text: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    /// Writes a line to standard output, redrawing the prompt on a terminal (unless it is the
    /// last line).
    func line(_ text: String, last: Bool = false) {
        if prompt {
            output.write("\r\u{1B}[2K\(text)\n\(last ? "" : "> ")", to: .standardOutput)
        } else {
            output.write(text + "\n", to: .standardOutput)
        }
    }

    /// A message received: `< text`, or `< binary N bytes: hex…`.
    func received(_ message: WSCatMessage, from client: Int? = nil) {
        let tag = client.map { "[\($0)] " } ?? ""
        line(paint("< ", "34") + tag + message.display)
    }

    /// Connection events: connected, disconnected, pong times.
    func status(_ text: String, last: Bool = false) { line(paint(text, "32"), last: last) }

    /// Control frames (`--show-ping-pong`).
    func control(_ text: String) { line(paint("< " + text, "2")) }

    /// An error, to standard error, prefixed with `wscat:`.
    func error(_ text: String) {
        if prompt { output.write("\r\u{1B}[2K", to: .standardOutput) }
        output.write(paint("wscat: " + text, "31") + "\n", to: .standardError)
    }
}

/// A received message reduced to what `wscat` prints.
struct WSCatMessage {
    let display: String

    init(text: String) { display = text }

    init(binary bytes: [UInt8]) {
        let shown = bytes.prefix(64).map(hex).joined(separator: " ")
        display = "binary \(bytes.count) bytes: \(shown)\(bytes.count > 64 ? " …" : "")"
    }
}

/// Two lowercase hex digits.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}

/// A duration in milliseconds with two decimals, for ping round trips.
func milliseconds(_ duration: Duration) -> String {
    let (seconds, attoseconds) = duration.components
    let hundredths = seconds * 100_000 + attoseconds / 10_000_000_000_000
    let whole = hundredths / 100
    let fraction = hundredths % 100
    return "\(whole).\(fraction < 10 ? "0" : "")\(fraction) ms"
}
