import AsyncWebSocket
import AsyncWebSocketTLS
import WebSocketCore

/// `wscat --listen PORT`: prints connections and messages, sends typed lines to every client;
/// with `--echo`, a quiet echo server.
struct WSCatServer: Sendable {
    let options: WSCatOptions
    let printer: WSCatPrinter

    func run(port: Int, input: AsyncStream<WSCatInputEvent>) async -> Int32 {
        if let ca = options.ca, isDirectory(ca) {
            printer.error("--ca with --listen needs a PEM file, not a directory (\(ca))")
            return 1
        }
        let tls = options.tlsServerConfiguration
        let server: WebSocketServer
        do {
            if let tls {
                server = try await WebSocketServer.bind(
                    host: options.host, port: port, configuration: options.configuration, tls: tls)
            } else {
                server = try await WebSocketServer.bind(
                    host: options.host, port: port, configuration: options.configuration)
            }
        } catch let error as WebSocketError where error.kind == .tlsFailed {
            // The certificate and key are loaded before the socket is bound.
            let files = "--cert \(options.certificate ?? "") --key \(options.key ?? "")"
            printer.error("cannot serve wss:// with \(files): \(error.detail)")
            return 1
        } catch {
            printer.error("cannot listen on \(options.host):\(port): \(error)")
            return 1
        }
        let clients = WSCatClients()
        var mode = options.echo ? " (echo)" : ""
        if tls != nil && options.ca != nil { mode += " (client certificates required)" }
        let scheme = tls == nil ? "ws" : "wss"
        printer.status("listening on \(scheme)://\(server.localAddress)/\(mode) (press CTRL+C to quit)")
        let serving = Task {
            await server.run(upgrade: upgradeHook) { ws in
                await serve(ws, clients: clients)
            }
        }
        loop: for await event in input {
            switch event {
            case .line(let line):
                guard !options.echo else { continue }
                if await clients.broadcast(options.message(line)) == 0 {
                    printer.error("no client is connected")
                }
            case .endOfInput:
                continue   // keep serving; Ctrl-C stops the server
            case .interrupt:
                break loop
            }
        }
        await server.shutdown(gracePeriod: .seconds(2))
        await serving.value
        return 0
    }

    /// Chooses the subprotocol, adds `-H` headers, checks `-o`; `nil` when none is given.
    var upgradeHook: WebSocketServer.UpgradeHook? {
        guard !options.subprotocols.isEmpty || !options.headers.isEmpty || options.origin != nil else { return nil }
        let options = self.options
        return { request in
            if let origin = options.origin, request.origin != origin {
                return .reject(status: 403, body: "origin not allowed\n")
            }
            var headers = HTTPHeaders()
            for header in options.headers { headers.add(name: header.name, value: header.value) }
            let subprotocol = request.subprotocols.first { options.subprotocols.contains($0) }
            return .accept(subprotocol: subprotocol, headers: headers)
        }
    }

    /// One client: announce it, print (or echo) its messages, report its close.
    func serve(_ ws: isolated WebSocket, clients: WSCatClients) async {
        let printer = self.printer
        if options.echo {
            for await message in ws.messages { try? await ws.send(message) }
            return
        }
        let id = await clients.add(ws)
        let address = ws.remoteAddress.map { "\($0)" } ?? "?"
        let chosen = ws.subprotocol.map { ", subprotocol \($0)" } ?? ""
        printer.status("[\(id)] connected from \(address), path \(ws.request.target)\(chosen)")
        if options.showPingPong {
            ws.observeControlFrames { printer.control($0, from: id) }
        }
        for await message in ws.messages {
            printer.received(message, from: id)
        }
        await clients.remove(id)
        printer.status("[\(id)] disconnected (\(describeClose(ws.closeCode, ws.closeReason)))")
    }
}

/// The connected clients, numbered from 1 in order of arrival.
actor WSCatClients {
    private var next = 1
    private var sockets: [Int: WebSocket] = [:]

    func add(_ ws: WebSocket) -> Int {
        defer { next += 1 }
        sockets[next] = ws
        return next
    }

    func remove(_ id: Int) {
        sockets[id] = nil
    }

    /// Sends `message` to every client; returns how many there were.
    func broadcast(_ message: Message) async -> Int {
        let targets = sockets.sorted { $0.key < $1.key }.map(\.value)
        for ws in targets { try? await ws.send(message) }
        return targets.count
    }
}
