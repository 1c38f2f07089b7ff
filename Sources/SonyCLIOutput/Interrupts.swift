import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C (SIGINT) and SIGTERM as events, for the commands that must clean
/// up on the daemon before they go (`repair` cancels its job).
///
/// While the stream lives the signals no longer kill the process; when it
/// ends they do again.
package enum Interrupts {
    /// A parent may start us with these blocked (a thread of libdispatch
    /// spawning us passes on its mask, which blocks them): Ctrl-C and
    /// SIGTERM must still end `sonyctl watch`. Called first thing in main,
    /// so every thread started later inherits the unblocked mask.
    package static func unblock() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    package static func stream() -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        let sources = [SIGINT, SIGTERM].map { number -> DispatchSourceBox in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return DispatchSourceBox(source: source, number: number)
        }
        continuation.onTermination = { _ in
            for box in sources {
                box.source.cancel()
                signal(box.number, SIG_DFL)
            }
        }
        return stream
    }
}

/// Dispatch sources are thread-safe; this says so to the compiler.
private final class DispatchSourceBox: @unchecked Sendable {
    let source: any DispatchSourceSignal
    let number: Int32

    init(source: any DispatchSourceSignal, number: Int32) {
        self.source = source
        self.number = number
    }
}
