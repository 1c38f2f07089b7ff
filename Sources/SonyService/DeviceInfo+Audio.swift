import BlueZ

extension DeviceInfo {
    /// A2DP sink, the profile a headset plays music through.
    static let audioSink = "0000110b-0000-1000-8000-00805f9b34fb"

    var offersAudioSink: Bool { uuids.contains { $0.lowercased() == Self.audioSink } }

    /// Whether the headset's audio profile is up: its services resolved with the A2DP
    /// sink among them, or an A2DP stream (a `MediaTransport1`) set up — what
    /// bluetoothd 5.66 leaves after reconnecting by itself, `ServicesResolved` false.
    var audioProfileUp: Bool {
        connected && (hasAudioTransport || (servicesResolved && offersAudioSink))
    }
}
