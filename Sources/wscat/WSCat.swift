import AsyncWebSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `wscat`: a WebSocket client and server for the terminal.
///
/// This first version has the two headless modes conformance runs and benchmarks use:
/// - `wscat --listen PORT [--host H] --echo`: an echo server (text back as text, binary as
///   binary, any path).
/// - `wscat --connect URL --echo`: connects and echoes every message back until the peer closes.
@main
struct WSCat {
    static let usage = """
        usage: wscat --listen PORT [--host HOST] --echo
               wscat --connect URL --echo

          -l, --listen PORT     run a server on PORT (0 picks a free port)
              --host HOST       address to listen on (default 127.0.0.1)
          -c, --connect URL     connect to a ws:// URL
              --echo            echo every message back
              --max-message N   largest message accepted, in bytes (default 16 MiB)
              --deflate         permessage-deflate: a server accepts it, a client offers it
          -h, --help            show this help
        """

    struct Options {
        var listenPort: Int?
        var host = "127.0.0.1"
        var connectURL: String?
        var echo = false
        var maxMessage: Int?
        var deflate = false
    }

    enum ParseResult {
        case run(Options)
        case help
        case failure(String)
    }

    static func parse(_ arguments: [String]) -> ParseResult {
        var options = Options()
        var index = 0
        func value(_ name: String) -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-l", "--listen":
                guard let text = value(argument), let port = Int(text), (0...65535).contains(port) else {
                    return .failure("\(argument) needs a port number")
                }
                options.listenPort = port
            case "--host":
                guard let host = value(argument) else { return .failure("--host needs an address") }
                options.host = host
            case "-c", "--connect":
                guard let url = value(argument) else { return .failure("\(argument) needs a URL") }
                options.connectURL = url
            case "--echo":
                options.echo = true
            case "--max-message":
                guard let text = value(argument), let size = Int(text), size > 0 else {
                    return .failure("--max-message needs a positive number of bytes")
                }
                options.maxMessage = size
            case "--deflate":
                options.deflate = true
            case "-h", "--help":
                return .help
            default:
                return .failure("unknown argument \(argument)")
            }
            index += 1
        }
        if (options.listenPort == nil) == (options.connectURL == nil) {
            return .failure("give exactly one of --listen or --connect")
        }
        if !options.echo {
            return .failure("only --echo mode is available in this version")
        }
        return .run(options)
    }

    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch parse(arguments) {
        case .help:
            print(usage)
        case .failure(let message):
            printError("wscat: \(message)\n\n\(usage)")
            exit(2)
        case .run(let options):
            signal(SIGPIPE, SIG_IGN)
            var configuration = WebSocketConfiguration()
            configuration.compression = options.deflate ? .enabled : .disabled
            if let size = options.maxMessage {
                configuration.maxMessageSize = size
                configuration.maxFrameSize = size
            }
            do {
                if let port = options.listenPort {
                    try await serve(host: options.host, port: port, configuration: configuration)
                } else if let url = options.connectURL {
                    try await connect(to: url, configuration: configuration)
                }
            } catch {
                printError("wscat: \(error)")
                exit(1)
            }
        }
    }

    static func serve(host: String, port: Int, configuration: WebSocketConfiguration) async throws {
        let server = try await WebSocketServer.bind(host: host, port: port, configuration: configuration)
        printLine("listening on ws://\(server.localAddress)/ (echo)")
        await server.run { ws in
            for await message in ws.messages {
                try await ws.send(message)
            }
        }
    }

    static func connect(to url: String, configuration: WebSocketConfiguration) async throws {
        let code = try await WebSocket.connect(to: url, configuration: configuration) { ws in
            for await message in ws.messages {
                try await ws.send(message)
            }
            return ws.closeCode
        }
        printLine("closed: \(code.map { "\($0)" } ?? "abnormally")")
    }

    /// Writes a line to standard error, unbuffered.
    static func printError(_ text: String) {
        writeLine(text, to: 2)
    }

    /// Writes a line to standard output, unbuffered, so a harness sees it at once.
    static func printLine(_ text: String) {
        writeLine(text, to: 1)
    }

    static func writeLine(_ text: String, to descriptor: Int32) {
        var line = text + "\n"
        line.withUTF8 { _ = write(descriptor, $0.baseAddress, $0.count) }
    }
}
