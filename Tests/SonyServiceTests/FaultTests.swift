import Testing

/// The fault tests (RELIABILITY.md, Faults), one after another: each starts daemons,
/// buses and simulators of its own, and all at once they starved the rest of the suite
/// on a 2-core machine (other suites' daemons missed their 10 s to appear).
@Suite(.serialized) enum FaultTests {}
