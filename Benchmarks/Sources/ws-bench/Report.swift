#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum StandardError {
    /// Writes `text` to file descriptor 2. The corresponding C function is `write`.
    static func print(_ text: String) {
        var text = text
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// Ends the process. The corresponding C function is `exit`.
func terminate(_ status: Int32) -> Never { exit(status) }

func format(_ value: Double, digits: Int = 2) -> String {
    guard value.isFinite else { return "null" }
    var text = String(Int((value * pow(10, Double(digits))).rounded()))
    let negative = text.hasPrefix("-")
    if negative { text.removeFirst() }
    while text.count <= digits { text = "0" + text }
    let cut = text.index(text.endIndex, offsetBy: -digits)
    return (negative ? "-" : "") + text[..<cut] + (digits > 0 ? "." + text[cut...] : "")
}

func renderTable(_ figures: [Figure], elapsed: Double, loads: (Double, Double), rounds: Int) -> String {
    var lines = ["ws-bench: \(rounds) alternating rounds per figure, median shown; ratio = median of per-round subject/baseline",
                 "load average \(format(loads.0)) → \(format(loads.1)), \(format(elapsed, digits: 1)) s", ""]
    var group = ""
    for figure in figures {
        if figure.group != group {
            group = figure.group
            lines.append("[\(group)]")
        }
        var line = "  " + figure.name.padding(52) + format(figure.value, digits: figure.unit == "GB/s" ? 2 : 0).leftPadding(12) + " " + figure.unit
        for (name, value) in figure.extra { line += "  (\(format(value, digits: 0)) \(name))" }
        if let baselineName = figure.baselineName, let baselineValue = figure.baselineValue, let ratio = figure.ratio {
            line += "   ×\(format(ratio)) of \(baselineName) (\(format(baselineValue)) \(figure.unit))"
        }
        lines.append(line)
    }
    return lines.joined(separator: "\n")
}

func renderJSON(_ figures: [Figure], elapsed: Double, loads: (Double, Double), rounds: Int) -> String {
    func quoted(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
    let entries = figures.map { figure -> String in
        var fields = ["\"group\": \(quoted(figure.group))", "\"name\": \(quoted(figure.name))",
                      "\"unit\": \(quoted(figure.unit))", "\"value\": \(format(figure.value, digits: 4))"]
        if let baselineName = figure.baselineName, let baselineValue = figure.baselineValue {
            fields.append("\"baseline\": {\"name\": \(quoted(baselineName)), \"value\": \(format(baselineValue, digits: 4))}")
        } else {
            fields.append("\"baseline\": null")
        }
        fields.append("\"ratio\": \(figure.ratio.map { format($0, digits: 4) } ?? "null")")
        for (name, value) in figure.extra { fields.append("\(quoted(name)): \(format(value, digits: 0))") }
        return "    {" + fields.joined(separator: ", ") + "}"
    }
    return """
    {
      "tool": "ws-bench",
      "rounds": \(rounds),
      "ratio": "median over rounds of subject/baseline, measured alternately in this run",
      "loadAverage": {"before": \(format(loads.0)), "after": \(format(loads.1))},
      "seconds": \(format(elapsed, digits: 1)),
      "figures": [
    \(entries.joined(separator: ",\n"))
      ]
    }
    """
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
    func leftPadding(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
