/// The watches and timeouts libdbus has asked the loop to service.
///
/// libdbus calls its watch and timeout callbacks with the connection lock held,
/// from whichever thread is inside libdbus; they may only record state here and
/// wake the loop, which acts on it later without this lock held.
struct IOState {
    struct Watch {
        /// The `DBusWatch*` as an integer, so the table stays a plain value.
        let id: UInt
        let fd: Int32
        let flags: UInt32
        var enabled: Bool
    }

    struct Timeout {
        let id: UInt
        var intervalNanoseconds: UInt64
        var enabled: Bool
        var deadline: UInt64
    }

    var watches: [Watch] = []
    var timeouts: [Timeout] = []

    var nextTimeoutDeadline: UInt64 {
        timeouts.lazy.filter(\.enabled).map(\.deadline).min() ?? .max
    }
}
