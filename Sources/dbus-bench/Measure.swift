#if canImport(Glibc)
import Glibc
#endif

/// Figures the benchmark prints, measured the same way as the C baseline so
/// the two columns compare like with like.
extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}

enum Measure {
    /// This process's user+system CPU time in nanoseconds.
    static func cpuNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Voluntary plus involuntary context switches of the whole process: every
    /// wake-up of any of its threads shows here.
    static func contextSwitches() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_nvcsw + usage.ru_nivcsw
    }

    /// Context switches of this process's threads named `name`, from /proc:
    /// the wake-ups of one thread, apart from the runtime's own.
    static func threadSwitches(named name: String) -> Int {
        var total = 0
        guard let dir = opendir("/proc/self/task") else { return -1 }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let tid = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard tid.first?.isNumber == true, read("/proc/self/task/\(tid)/comm") == name else { continue }
            for line in (read("/proc/self/task/\(tid)/status") ?? "").split(separator: "\n") where line.contains("ctxt_switches") {
                total += Int(line.split(separator: "\t").last.map(String.init) ?? "") ?? 0
            }
        }
        return total
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = fread(&buffer, 1, buffer.count, file)
        return String(decoding: buffer.prefix(n), as: UTF8.self).trimmingCharacters(in: "\n")
    }

    static func percentile(_ sorted: [UInt64], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return Double(sorted[Int(p * Double(sorted.count - 1))])
    }

    static func fixed(_ value: Double, _ digits: Int = 1) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        return "\(rounded)"
    }
}
