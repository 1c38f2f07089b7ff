/// A parsed `Device1.Modalias`: `usb:v054Cp0D58d0301` or `bluetooth:v012Dp…d…`.
///
/// BlueZ writes `usb:` when the Device ID record's vendor id is a USB-IF id and
/// `bluetooth:` when it is a Bluetooth SIG company id, so the same number means different
/// companies under the two sources. The `d` (version) part changes with firmware and is
/// not kept.
struct Modalias: Hashable {
    enum Source: Hashable {
        case usb
        case bluetooth
    }

    let source: Source
    let vendor: UInt16
    let product: UInt16

    /// Sony's USB-IF vendor id.
    static let sonyUSBVendor: UInt16 = 0x054C
    /// Sony's Bluetooth SIG company id (0x0056 is Sony Ericsson, a different company).
    static let sonyBluetoothCompany: UInt16 = 0x012D

    /// `nil` for anything not of the form `<source>:v<4 hex>p<4 hex>…`; case is ignored.
    init?(parsing text: String) {
        let lower = text.lowercased()
        let rest: Substring
        if lower.hasPrefix("usb:") {
            source = .usb
            rest = lower.dropFirst(4)
        } else if lower.hasPrefix("bluetooth:") {
            source = .bluetooth
            rest = lower.dropFirst(10)
        } else {
            return nil
        }
        let chars = Array(rest)
        guard chars.count >= 10, chars[0] == "v", chars[5] == "p",
              let vendor = HexDigits.parseFour(String(chars[1..<5])),
              let product = HexDigits.parseFour(String(chars[6..<10])) else {
            return nil
        }
        // Whatever follows must be the version field, or nothing.
        guard chars.count == 10 || chars[10] == "d" else { return nil }
        self.vendor = vendor
        self.product = product
    }

    /// Sony's id under either numbering.
    var isSony: Bool {
        switch source {
        case .usb: vendor == Self.sonyUSBVendor
        case .bluetooth: vendor == Self.sonyBluetoothCompany
        }
    }
}
