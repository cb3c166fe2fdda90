import AsyncWebSocket
import WebSocketCore

/// `wscat`, callable in-process: the executable's `main` is a thin wrapper around `main(…)`.
package enum WSCatCommand {
    /// The version `--version` prints.
    package static let version = "wscat (AsyncWebSocket) 0.1.0"

    /// Runs `wscat` with `arguments` (without the program name) and returns its exit status.
    ///
    /// - Parameters:
    ///   - input: Lines, end of input and Ctrl-C (see `WSCatInputEvent`).
    ///   - output: Where standard output and standard error go.
    /// - Returns: 0 after a normal close, 1 on a failure, 2 on a usage error.
    package static func main(
        arguments: [String], input: AsyncStream<WSCatInputEvent>, output: any WSCatOutput
    ) async -> Int32 {
        switch WSCatOptions.parse(arguments) {
        case .help:
            output.write(WSCatOptions.usage + "\n", to: .standardOutput)
            return 0
        case .version:
            output.write(version + "\n", to: .standardOutput)
            return 0
        case .failure(let message):
            output.write("wscat: \(message)\n\n\(WSCatOptions.usage)\n", to: .standardError)
            return 2
        case .run(let options):
            let printer = WSCatPrinter(output: output, colorRequested: options.color)
            switch options.mode {
            case .listen(let port):
                return await WSCatServer(options: options, printer: printer).run(port: port, input: input)
            case .connect(let url):
                return await WSCatClient(options: options, printer: printer).run(url: url, input: input)
            }
        }
    }
}

extension WSCatOptions {
    /// The connection limits these options ask for.
    var configuration: WebSocketConfiguration {
        var configuration = WebSocketConfiguration()
        // Off unless asked for, so conformance and load runs see plain frames by default.
        configuration.compression = deflate ? .enabled : .disabled
        if let maxMessage {
            configuration.maxMessageSize = maxMessage
            configuration.maxFrameSize = maxMessage
        }
        return configuration
    }

    /// A typed line or `-x` argument as the message to send (`--binary`: its UTF-8 bytes).
    func message(_ line: String) -> Message {
        binary ? .binary(Array(line.utf8)) : .text(line)
    }
}

extension WSCatPrinter {
    func received(_ message: Message, from client: Int? = nil) {
        switch message {
        case .text(let text): received(WSCatMessage(text: text), from: client)
        case .binary(let bytes): received(WSCatMessage(binary: bytes), from: client)
        }
    }

    func control(_ frame: WebSocketControlFrame, from client: Int? = nil) {
        let tag = client.map { "[\($0)] " } ?? ""
        switch frame {
        case .ping(let payload): control(tag + "ping" + (payload.isEmpty ? "" : " " + payload.map(hex).joined()))
        case .pong(let payload): control(tag + "pong" + (payload.isEmpty ? "" : " " + payload.map(hex).joined()))
        }
    }
}

/// `code 1000, reason "done"` for status lines.
func describeClose(_ code: CloseCode?, _ reason: String) -> String {
    let number = code.map { String($0.rawValue) } ?? "none"
    return reason.isEmpty ? "code \(number)" : "code \(number), reason \"\(reason)\""
}
