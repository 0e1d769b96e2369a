import Foundation

/// One line of the results table: our figure beside the tool it replaces.
struct BenchRow {
    var ours: Samples
    var baseline: Samples?
}

/// Timing samples of one benchmark and their percentiles.
struct Samples {
    var label: String
    var durations: [Duration]

    func percentile(_ p: Double) -> Duration {
        let sorted = durations.sorted()
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
        return sorted[index]
    }

    var p50: Duration { percentile(0.5) }
    var p90: Duration { percentile(0.9) }
}

/// Runs `body` `warmup` times unmeasured, then `iterations` times measured one by one.
func measure(_ label: String, iterations: Int, warmup: Int = 3, _ body: () throws -> Void) rethrows -> Samples {
    let clock = ContinuousClock()
    for _ in 0..<warmup { try body() }
    var durations: [Duration] = []
    durations.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let start = clock.now
        try body()
        durations.append(clock.now - start)
    }
    return Samples(label: label, durations: durations)
}

/// Runs a command and waits; throws when it exits non-zero. Output is discarded.
func runTool(_ path: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError("\(path) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

func format(_ duration: Duration) -> String {
    let micros = Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    if micros < 1000 { return String(format: "%.1f µs", micros) }
    return String(format: "%.2f ms", micros / 1000)
}

func ratio(_ baseline: Duration, _ ours: Duration) -> String {
    let b = Double(baseline.components.seconds) + Double(baseline.components.attoseconds) / 1e18
    let o = Double(ours.components.seconds) + Double(ours.components.attoseconds) / 1e18
    return String(format: "%.1f×", b / o)
}

/// Prints a Markdown table: one row per comparison, ours beside the baseline.
func printTable(_ rows: [BenchRow]) {
    print("| what | p50 | p90 | baseline | baseline p50 | speed-up (p50) |")
    print("|---|---:|---:|---|---:|---:|")
    for row in rows {
        let base = row.baseline
        print(
            "| \(row.ours.label) | \(format(row.ours.p50)) | \(format(row.ours.p90)) | \(base?.label ?? "—") | "
                + "\(base.map { format($0.p50) } ?? "—") | \(base.map { ratio($0.p50, row.ours.p50) } ?? "—") |")
    }
}
