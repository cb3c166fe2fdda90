// `wscat`: a WebSocket client and server for the terminal. The logic is in `WSCatCore`
// (`WSCatCommand.main`), which the tests run in-process; this file connects it to the process:
// standard input on a thread of its own, Ctrl-C as an event, and the exit status.
import Dispatch
import Foundation
import WSCatCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output and error, written unbuffered so a pipe sees each line at once.
struct ProcessOutput: WSCatOutput {
    let isTerminal = isatty(0) == 1 && isatty(1) == 1
    let allowsColor = ProcessInfo.processInfo.environment["NO_COLOR"].map(\.isEmpty) ?? true

    func write(_ text: String, to stream: WSCatStream) {
        var text = text
        let descriptor: Int32 = stream == .standardOutput ? 1 : 2
        text.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Reads standard input on a thread of its own (a blocking read does not belong in Swift's small
/// cooperative pool) and turns Ctrl-C into an event; a second Ctrl-C exits at once.
nonisolated func startInput() -> AsyncStream<WSCatInputEvent> {
    let (input, events) = AsyncStream<WSCatInputEvent>.makeStream()
    Thread.detachNewThread {
        while let line = readLine(strippingNewline: true) { events.yield(.line(line)) }
        events.yield(.endOfInput)
    }
    signal(SIGINT, SIG_IGN)
    let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "wscat.sigint"))
    let count = InterruptCount()
    interrupts.setEventHandler {
        count.value += 1
        if count.value > 1 { exit(130) }
        events.yield(.interrupt)
    }
    interrupts.resume()
    InterruptCount.source = interrupts
    return input
}

/// How many times Ctrl-C was pressed.
final class InterruptCount: @unchecked Sendable {
    // @unchecked Sendable: `value` is only touched by the signal source's handler, which runs on
    // one serial queue.
    var value = 0
    /// Keeps the signal source alive for the life of the process.
    nonisolated(unsafe) static var source: (any DispatchSourceSignal)?
}

signal(SIGPIPE, SIG_IGN)
let status = await WSCatCommand.main(
    arguments: Array(CommandLine.arguments.dropFirst()), input: startInput(), output: ProcessOutput())
exit(status)
