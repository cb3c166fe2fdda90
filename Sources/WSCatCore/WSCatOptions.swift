/// The command line of `wscat`, parsed by hand (the package has no dependencies).
package struct WSCatOptions: Equatable, Sendable {
    package enum Mode: Equatable, Sendable {
        case listen(port: Int)
        case connect(url: String)
    }

    package var mode: Mode = .listen(port: 0)
    package var host = "127.0.0.1"
    package var echo = false
    package var subprotocols: [String] = []
    package var headers: [(name: String, value: String)] = []
    package var origin: String?
    package var execute: [String] = []
    package var wait: Duration?
    package var ping = false
    package var binary = false
    package var showPingPong = false
    package var maxMessage: Int?
    package var deflate = false
    package var color = true
    package var protocolVersion = 13
    /// `--ca`: a client trusts these CA certificates (a PEM file or a hashed directory) instead
    /// of the system store; a server requires client certificates signed by them.
    package var ca: String?
    /// `--cert`: the certificate chain a server presents, or a client's certificate.
    package var certificate: String?
    /// `--key`: the private key for `certificate`.
    package var key: String?
    /// `--insecure`: a client verifies no certificate at all.
    package var insecure = false

    package init() {}

    package static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.mode == rhs.mode && lhs.host == rhs.host && lhs.echo == rhs.echo && lhs.subprotocols == rhs.subprotocols
            && lhs.headers.map { "\($0.name): \($0.value)" } == rhs.headers.map { "\($0.name): \($0.value)" }
            && lhs.origin == rhs.origin && lhs.execute == rhs.execute && lhs.wait == rhs.wait && lhs.ping == rhs.ping
            && lhs.binary == rhs.binary && lhs.showPingPong == rhs.showPingPong && lhs.maxMessage == rhs.maxMessage && lhs.deflate == rhs.deflate
            && lhs.color == rhs.color && lhs.protocolVersion == rhs.protocolVersion && lhs.ca == rhs.ca
            && lhs.certificate == rhs.certificate && lhs.key == rhs.key && lhs.insecure == rhs.insecure
    }

    /// What the command line asks for.
    package enum Parsed: Equatable, Sendable {
        case run(WSCatOptions)
        case help
        case version
        /// A usage error; the message names the argument.
        case failure(String)
    }

    package static let usage = """
        usage: wscat --listen PORT [options]      run a server
               wscat --connect URL [options]      connect to a server

        Modes
          -l, --listen PORT            listen on PORT (0 picks a free port); prints each connection
                                       and message, and sends typed lines to every client
              --host HOST              address to listen on (default 127.0.0.1; 0.0.0.0 for all)
          -c, --connect URL            connect to ws://host[:port]/path (ws:// may be left out) or
                                       wss://…; typed lines are sent, received messages printed after <
              --echo                   echo every message back instead (headless server or client)

        TLS (wss://)
              --cert FILE              PEM certificate chain: with --listen, serve wss:// (plain ws://
                                       without it); with wss:// --connect, a client certificate
              --key FILE               the PEM private key for --cert
              --ca FILE|DIR            client: trust these CA certificates (a PEM file, or a directory
                                       prepared with openssl rehash) instead of the system store;
                                       server (a PEM file): require client certificates they signed
              --insecure               client: verify no certificate at all (tests only: anyone on
                                       the path can read and change the traffic)

        Options
          -s, --subprotocol NAME       offer NAME (client) or accept it when offered (server); repeatable
          -H, --header "NAME: VALUE"   add a header to the upgrade request (client) or the 101
                                       response (server); repeatable
          -o, --origin ORIGIN          send Origin (client); reject other origins with 403 (server)
          -x, --execute MESSAGE        send MESSAGE after connecting, then wait and close; repeatable
          -w, --wait SECONDS           after the last message (-x, --ping or end of input), wait
                                       SECONDS for replies, then close (default 0; 2 with -x)
              --ping                   send a Ping after connecting and print the round trip
              --binary                 send typed lines (and -x messages) as binary messages
          -P, --show-ping-pong         print Pings and Pongs received
              --max-message BYTES      largest message accepted (default 16777216)
              --deflate                permessage-deflate: a server accepts it, a client offers it
              --no-color               plain output even on a terminal (also NO_COLOR=1)
          -p, --protocol-version 13|8  Sec-WebSocket-Version to send (default 13; a server speaking
                                       only RFC 6455, like this one, answers 8 with 426)
          -h, --help                   show this help
          -V, --version                show the version

        Exit status: 0 after a normal close (1000), 1 on a failure (bad URL, refused connection,
        TLS failure, rejected handshake, any other close code), 2 on a usage error.
        """

    /// Parses the arguments after the program name.
    package static func parse(_ arguments: [String]) -> Parsed {
        var options = WSCatOptions()
        var listenPort: Int?
        var connectURL: String?
        var index = 0
        var connectOnly: [String] = []

        func value(_ name: String) -> String? {
            index += 1
            return index < arguments.count ? arguments[index] : nil
        }

        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-l", "--listen":
                guard let text = value(argument), let port = Int(text), (0...65535).contains(port) else {
                    return .failure("\(argument) needs a port number (0-65535)")
                }
                listenPort = port
            case "--host":
                guard let host = value(argument), !host.isEmpty else { return .failure("--host needs an address") }
                options.host = host
            case "-c", "--connect":
                guard let url = value(argument), !url.isEmpty else { return .failure("\(argument) needs a URL") }
                connectURL = url
            case "--echo":
                options.echo = true
            case "-s", "--subprotocol":
                guard let name = value(argument), isToken(name) else {
                    return .failure("\(argument) needs a subprotocol name (an HTTP token, such as chat.v1)")
                }
                options.subprotocols.append(name)
            case "-H", "--header":
                guard let text = value(argument), let colon = text.firstIndex(of: ":") else {
                    return .failure("\(argument) needs \"NAME: VALUE\"")
                }
                let name = String(text[..<colon])
                guard isToken(name) else { return .failure("\(argument): invalid header name \"\(name)\"") }
                let headerValue = text[text.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" })
                options.headers.append((name, String(headerValue)))
            case "-o", "--origin":
                guard let origin = value(argument) else { return .failure("\(argument) needs an origin") }
                options.origin = origin
            case "-x", "--execute":
                guard let message = value(argument) else { return .failure("\(argument) needs a message") }
                options.execute.append(message)
                connectOnly.append(argument)
            case "-w", "--wait":
                guard let text = value(argument), let seconds = Double(text), seconds >= 0, seconds.isFinite else {
                    return .failure("\(argument) needs a number of seconds")
                }
                options.wait = .milliseconds(Int64((seconds * 1000).rounded()))
                connectOnly.append(argument)
            case "--ping":
                options.ping = true
                connectOnly.append(argument)
            case "--binary":
                options.binary = true
            case "-P", "--show-ping-pong":
                options.showPingPong = true
            case "--max-message":
                guard let text = value(argument), let size = Int(text), size > 0 else {
                    return .failure("--max-message needs a positive number of bytes")
                }
                options.maxMessage = size
            case "--deflate":
                options.deflate = true
            case "--no-color":
                options.color = false
            case "-p", "--protocol-version":
                guard let text = value(argument), let version = Int(text), version == 13 || version == 8 else {
                    return .failure("\(argument) needs 13 or 8")
                }
                options.protocolVersion = version
                connectOnly.append(argument)
            case "--ca":
                guard let path = value(argument), !path.isEmpty else {
                    return .failure("--ca needs a file or directory")
                }
                options.ca = path
            case "--cert":
                guard let path = value(argument), !path.isEmpty else { return .failure("--cert needs a PEM file") }
                options.certificate = path
            case "--key":
                guard let path = value(argument), !path.isEmpty else { return .failure("--key needs a PEM file") }
                options.key = path
            case "--insecure":
                options.insecure = true
            case "-h", "--help":
                return .help
            case "-V", "--version":
                return .version
            default:
                return .failure("unknown argument \(argument)")
            }
            index += 1
        }
        switch (listenPort, connectURL) {
        case (let port?, nil):
            options.mode = .listen(port: port)
            if let first = connectOnly.first { return .failure("\(first) works only with --connect") }
        case (nil, let url?):
            options.mode = .connect(url: url)
        default:
            return .failure("give exactly one of --listen PORT or --connect URL")
        }
        if let failure = options.tlsUsageError { return .failure(failure) }
        return .run(options)
    }

    /// Why the TLS options do not fit together or with the mode, or `nil`.
    private var tlsUsageError: String? {
        switch (certificate, key) {
        case (_?, nil): return "--cert needs --key (the certificate's private key)"
        case (nil, _?): return "--key needs --cert (the certificate it belongs to)"
        default: break
        }
        switch mode {
        case .listen:
            if insecure { return "--insecure works only with --connect wss://" }
            if ca != nil && certificate == nil {
                return "--ca with --listen needs --cert and --key (it asks wss:// clients for a certificate)"
            }
        case .connect(let url):
            let given = [ca.map { _ in "--ca" }, certificate.map { _ in "--cert" }, insecure ? "--insecure" : nil]
            if !Self.isSecure(url), let first = given.compactMap(\.self).first {
                return "\(first) works only with a wss:// URL"
            }
            if insecure && ca != nil { return "--insecure and --ca contradict each other: give one" }
        }
        return nil
    }

    /// Whether `url` asks for TLS (`wss://`, any case); a URL without a scheme is `ws://`.
    static func isSecure(_ url: String) -> Bool {
        url.lowercased().hasPrefix("wss://")
    }

    /// Whether `text` is an HTTP token (RFC 9110 §5.6.2), as header and subprotocol names must be.
    static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }
}
