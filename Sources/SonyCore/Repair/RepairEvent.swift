/// What a running repair tells the daemon, which turns it into signals and log lines.
public enum RepairEvent: Sendable, Equatable {
    /// The repair entered a stage (`RepairProgress` is sent once per stage entered).
    case entered(RepairStage, message: String)
    /// A stage failed transiently and will be tried again after `delay`; `of` is 0
    /// when it is tried for as long as its stage's timeout lets it.
    case retrying(RepairStage, attempt: Int, of: Int, delay: Duration, failure: BluetoothFailure)
}
