package import SonyClient

/// What `sonyctl list` prints. The `sonyctl` front (blocking calls, no
/// parser) and the full tool's `List` command both print through this.
package enum ListView {
    package static func show(_ list: [DeviceSnapshot], _ info: ManagerInfo, _ session: Session) -> ExitStatus {
        if session.json {
            Console.out(JSON.object([
                "bluez_available": .bool(info.bluezAvailable),
                "adapters": .strings(info.adapters),
                "devices": .array(list.map(DeviceJSON.object)),
            ]).text)
            return .success
        }
        if !info.bluezAvailable {
            Console.err("sonyctl: BlueZ is not running, so what is shown is what sonyctld last saw (`systemctl start bluetooth`).")
        }
        if list.isEmpty {
            Console.out("No Sony devices yet. Pair one (desktop settings or bluetoothctl) and sonyctld recognises it by itself.")
        } else {
            DeviceText.table(list, on: session.terminal).forEach(Console.out)
        }
        return .success
    }
}
