import AsyncWebSocket
import AsyncWebSocketTLS
import WebSocketCore

/// `wscat --connect URL`: an interactive or scripted client.
struct WSCatClient: Sendable {
    let options: WSCatOptions
    let printer: WSCatPrinter

    /// Whether typed lines are sent: not with `--echo`, `-x` or `--ping`, which script the session.
    var readsLines: Bool { !options.echo && options.execute.isEmpty && !options.ping }

    func run(url given: String, input: AsyncStream<WSCatInputEvent>) async -> Int32 {
        // Like Node's wscat, `localhost:8080` means `ws://localhost:8080`.
        let url = given.contains("://") ? given : "ws://" + given
        do {
            _ = try WebSocketURL(url)
        } catch {
            printer.error("\(error)")
            return 1
        }
        var headers = HTTPHeaders()
        for header in options.headers { headers.add(name: header.name, value: header.value) }
        if options.protocolVersion != 13 {
            headers.replaceOrAdd(name: "Sec-WebSocket-Version", value: String(options.protocolVersion))
        }
        if options.insecure {
            printer.error(
                "WARNING: --insecure: the server's certificate is not verified; anyone on the path can read and "
                    + "change this connection")
        }
        do {
            let (code, reason) = try await connect(to: url, headers: headers) { ws in
                await session(ws, url: url, input: input)
            }
            printer.status("disconnected (\(describeClose(code, reason)))", last: true)
            return code == .normalClosure || code == .noStatusReceived ? 0 : 1
        } catch let error as WebSocketError {
            printer.error(explain(error, url: url))
            return 1
        } catch {
            printer.error("\(error)")
            return 1
        }
    }

    /// Opens the connection (over TLS for `wss://`) and runs `body` isolated to it.
    func connect(
        to url: String, headers: HTTPHeaders, _ body: (isolated WebSocket) async -> (CloseCode?, String)
    ) async throws -> (CloseCode?, String) {
        if WSCatOptions.isSecure(url) {
            return try await WebSocket.connect(
                to: url, tls: options.tlsClientConfiguration, configuration: options.configuration,
                subprotocols: options.subprotocols, headers: headers, origin: options.origin, body)
        }
        return try await WebSocket.connect(
            to: url, configuration: options.configuration, subprotocols: options.subprotocols, headers: headers,
            origin: options.origin, body)
    }

    /// A sentence for a connection failure.
    func explain(_ error: WebSocketError, url: String) -> String {
        if error.kind == .connectFailed {
            return "cannot connect to \(url): \(error.detail)"
        }
        if error.kind == .tlsFailed {
            var text = "cannot connect to \(url): \(error.detail)"
            // OpenSSL's reason says what failed; say how to get past an untrusted certificate.
            if options.ca == nil && !options.insecure && isUntrustedIssuer(error.detail) {
                text += " (give --ca FILE to trust the server's CA, or --insecure to skip verification)"
            }
            return text
        }
        if error.kind == .handshakeFailed, let status = error.httpStatus {
            var text = "server rejected the handshake: \(error.detail)"
            if status == 426 && options.protocolVersion != 13 {
                text += "; it does not speak WebSocket version \(options.protocolVersion)"
            }
            return text
        }
        return "\(error)"
    }

    /// Whether OpenSSL's reason says the certificate's issuer is unknown (rather than, say, expired).
    func isUntrustedIssuer(_ reason: String) -> Bool {
        ["unable to get local issuer", "self-signed", "self signed"].contains { reason.contains($0) }
    }

    /// Runs one connection: prints what arrives while a second task sends and decides when to close.
    func session(
        _ ws: isolated WebSocket, url: String, input: AsyncStream<WSCatInputEvent>
    ) async -> (CloseCode?, String) {
        let printer = self.printer
        let chosen = ws.subprotocol.map { ", subprotocol \($0)" } ?? ""
        printer.status("connected to \(url)\(chosen) (press CTRL+C to quit)")
        if options.showPingPong {
            ws.observeControlFrames { printer.control($0) }
        }
        let driver = Task { await drive(ws, input: input) }
        for await message in ws.messages {
            if options.echo {
                try? await ws.send(message)
            } else {
                printer.received(message)
            }
        }
        driver.cancel()
        await driver.value
        return (ws.closeCode, ws.closeReason)
    }

    /// Sends `-x` messages, the `--ping` and typed lines; closes after `--wait`, end of input or
    /// Ctrl-C.
    func drive(_ ws: WebSocket, input: AsyncStream<WSCatInputEvent>) async {
        var deadline: Task<Void, Never>?
        func closeAfter(_ wait: Duration) {
            guard deadline == nil else { return }
            deadline = Task {
                if wait > .zero {
                    do { try await Task.sleep(for: wait) } catch { return }
                }
                try? await ws.close()
            }
        }
        do {
            for text in options.execute {
                try await ws.send(options.message(text))
            }
            if options.ping {
                let roundTrip = try await ws.ping()
                printer.status("pong: round trip \(milliseconds(roundTrip))")
            }
            if !options.echo && !readsLines {
                closeAfter(options.wait ?? (options.execute.isEmpty ? .zero : .seconds(2)))
            }
            for await event in input {
                switch event {
                case .line(let line):
                    if readsLines && deadline == nil { try await ws.send(options.message(line)) }
                case .endOfInput:
                    if readsLines { closeAfter(options.wait ?? .zero) }
                case .interrupt:
                    deadline?.cancel()
                    try await ws.close()
                    return
                }
            }
            // The input finished (no more lines and no Ctrl-C), or the connection closed and the
            // session cancelled this task.
            if readsLines && !Task.isCancelled { closeAfter(options.wait ?? .zero) }
        } catch {
            // The connection closed while sending; the message loop reports how.
        }
        if let deadline {
            await withTaskCancellationHandler { await deadline.value } onCancel: { deadline.cancel() }
        }
    }
}
