// ws-bench: throughput of the codec's byte-touching primitives, each next to a baseline measured
// in the same run. Usage: swift run -c release --package-path Benchmarks ws-bench [--json] [--quick]

let arguments = CommandLine.arguments.dropFirst()
let json = arguments.contains("--json")
let quick = arguments.contains("--quick")
/// `--only GROUP[,GROUP]` runs some groups: masking, utf8, text, codec, connection, handshake, deflate.
let only: Set<Substring>? = arguments.firstIndex(of: "--only").flatMap { index in
    arguments.index(after: index) < arguments.endIndex ? Set(arguments[arguments.index(after: index)].split(separator: ",")) : nil
}
func runs(_ group: Substring) -> Bool { only?.contains(group) ?? true }
if arguments.contains("--help") || arguments.contains("-h") {
    print("usage: ws-bench [--json] [--quick] [--only GROUP,...]\n  --json   print one JSON object with every figure and its baseline\n  --quick  one short round per figure (smoke test)\n  --only   masking, utf8, text, codec, connection, handshake, deflate")
    terminate(0)
}
#if DEBUG
StandardError.print("ws-bench: this is a debug build; figures are meaningless. Use swift run -c release.\n")
#endif

let rounds = quick ? 1 : 5
let duration = quick ? 0.01 : 0.04
let started = monotonicSeconds()
let loadBefore = loadAverage()
var figures: [Figure] = []
if runs("masking") { figures += maskingFigures(sizes: [16, 1 << 10, 64 << 10, 16 << 20], rounds: rounds, duration: duration) }
if runs("utf8") { figures += utf8Figures(sizes: [1 << 10, 64 << 10], rounds: rounds, duration: duration) }
if runs("text") { figures += textDeliveryFigures(size: 64 << 10, rounds: rounds, duration: duration) }
if runs("codec") { figures += codecFigures(sizes: [16, 1 << 10, 64 << 10], rounds: rounds, duration: duration) }
if runs("connection") { figures += connectionFigures(size: 64 << 10, rounds: rounds, duration: duration) }
if runs("handshake") { figures += handshakeFigures(rounds: rounds, duration: duration) }
if runs("deflate") { figures += deflateFigures(sizes: [1 << 10, 64 << 10], rounds: rounds, duration: duration) }
let elapsed = monotonicSeconds() - started

if json {
    print(renderJSON(figures, elapsed: elapsed, loads: (loadBefore, loadAverage()), rounds: rounds))
} else {
    print(renderTable(figures, elapsed: elapsed, loads: (loadBefore, loadAverage()), rounds: rounds))
}
