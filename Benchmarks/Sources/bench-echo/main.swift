// bench-echo: the echo server of Benchmarks/tls/run.sh, ws:// or (with --cert/--key) wss://.
//
//   bench-echo PORT [--cert CERT.pem --key KEY.pem]
//
// It does what `wscat --listen PORT --echo` does (every message sent back as it came, compression
// off), so ws:// and wss:// are served by the same code and their ratio is the cost of TLS alone.
import AsyncWebSocket
import AsyncWebSocketTLS

#if canImport(Glibc)
import Glibc   // exit
#elseif canImport(Darwin)
import Darwin
#endif

func usage() -> Never {
    print("usage: bench-echo PORT [--cert CERT.pem --key KEY.pem]")
    exit(2)
}

var arguments = CommandLine.arguments.dropFirst()
guard let port = arguments.popFirst().flatMap({ Int($0) }) else { usage() }
var certificate: String?
var key: String?
while let argument = arguments.popFirst() {
    switch argument {
    case "--cert": certificate = arguments.popFirst()
    case "--key": key = arguments.popFirst()
    default: usage()
    }
}

var configuration = WebSocketConfiguration()
configuration.compression = .disabled
let server: WebSocketServer
switch (certificate, key) {
case (let certificate?, let key?):
    let tls = TLSServerConfiguration(certificateChain: .file(certificate), privateKey: .file(key))
    server = try await WebSocketServer.bind(host: "127.0.0.1", port: port, configuration: configuration, tls: tls)
case (nil, nil):
    server = try await WebSocketServer.bind(host: "127.0.0.1", port: port, configuration: configuration)
default:
    usage()
}
print("echo on \(certificate == nil ? "ws" : "wss")://127.0.0.1:\(server.port)/")
await server.run { ws in
    for await message in ws.messages { try? await ws.send(message) }
}
