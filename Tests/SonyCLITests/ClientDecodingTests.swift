import DBus
import Testing
@testable import SonyClient
@testable import SonyCLI
import SonyCLIOutput

/// Nothing from the bus is trusted: wrong shapes become `badReply`, every
/// error name a kind and an exit status.
@Suite struct ClientDecodingTests {
    @Test func aPropertyOfTheWrongTypeIsABadReplyAndMissingOnesAreUnknown() throws {
        let device = try DeviceSnapshot(path: "/d", properties: ["Address": Variant("AA"), "Battery": Variant(Int32(-1))])
        #expect(device.battery == nil && device.health == "unknown" && device.repairState == "idle" && device.lastConnected == nil)
        #expect(throws: ClientError.self) { try DeviceSnapshot(path: "/d", properties: ["Connected": Variant("yes")]) }
        do {
            _ = try DeviceSnapshot(path: "/d", properties: ["Battery": Variant(UInt8(5))])
            Issue.record("accepted a byte battery")
        } catch {
            #expect(error.kind == .badReply && error.message.contains("Battery"), "\(error.message)")
        }
    }

    @Test func signalsOfTheWrongShapeAreRefusedAndOthersIgnored() throws {
        let progress = Message.signal(path: "/d", interface: Daemon1.deviceInterface, member: "RepairProgress", body: [.string("pairing"), .string("…")])
        #expect(try DaemonEvent(progress) == .repairProgress(device: "/d", stage: "pairing", message: "…"))
        let wrong = Message.signal(path: "/d", interface: Daemon1.deviceInterface, member: "RepairProgress", body: [.uint32(1)])
        #expect(throws: ClientError.self) { try DaemonEvent(wrong) }
        let manager = Message.signal(path: "/m", interface: .properties, member: "PropertiesChanged", body: [
            .string(Daemon1.managerInterface.rawValue), [String: Variant]().dbusValue, .array(.string, []),
        ])
        #expect(try DaemonEvent(manager) == nil)
    }

    @Test func historyAndDiagnosisRepliesAreCheckedWholeBeforeUse() throws {
        var good = Message(kind: .methodReturn, body: [.array(.structure([.uint64, .string, .dictionary(key: .string, value: .variant)]), [
            .structure([.uint64(7), .string("battery"), ["battery": Variant(Int32(40))].dbusValue]),
        ])])
        #expect(try HistoryEvent.decodeList(good).first?.integer("battery") == 40)
        good.body = [.array(.structure([.uint64, .string]), [.structure([.uint64(7), .string("battery")])])]
        #expect(throws: DBusDecodingError.self) { try HistoryEvent.decodeList(good) }
        let diagnosis = Message(kind: .methodReturn, body: [.string("none"), .string(""), .array(.structure([.string, .string, .string]), [
            .structure([.string("bluez"), .string("pass"), .string("running")]),
        ])])
        #expect(try Diagnosis(diagnosis).checks.map(\.id) == ["bluez"])
        #expect(throws: DBusDecodingError.self) { try Diagnosis(Message(kind: .methodReturn, body: [.string("none")])) }
    }

    @Test(arguments: [
        ("org.sonyctl.Daemon1.Error.Timeout", SonyCLIOutput.ExitStatus.timeout), ("org.sonyctl.Daemon1.Error.PairingFailed", .pairingFailed),
        ("org.sonyctl.Daemon1.Error.ConnectFailed", .connectFailed), ("org.sonyctl.Daemon1.Error.Busy", .busy),
        ("org.sonyctl.Daemon1.Error.Cancelled", .cancelled), ("org.sonyctl.Daemon1.Error.NotAuthorized", .notAuthorized),
        ("org.sonyctl.Daemon1.Error.AdapterPoweredOff", .bluetoothUnavailable), ("org.sonyctl.Daemon1.Error.SomethingNew", .failure),
        ("org.freedesktop.DBus.Error.ServiceUnknown", .daemonUnavailable), ("org.freedesktop.DBus.Error.NoReply", .daemonUnavailable),
        ("org.freedesktop.DBus.Error.UnknownMethod", .daemonIncompatible), ("org.freedesktop.DBus.Error.AccessDenied", .notAuthorized),
        ("com.example.Odd", .failure),
    ])
    func everyErrorNameHasAnExitStatus(name: String, status: SonyCLIOutput.ExitStatus) {
        #expect(SonyCLIOutput.ExitStatus(ClientError(errorName: name, message: "m").kind) == status)
    }

    @Test func exitCodesAreDistinct() {
        #expect(Set(SonyCLIOutput.ExitStatus.allCases.map(\.rawValue)).count == SonyCLIOutput.ExitStatus.allCases.count)
    }

    @Test func onlyTheTwoPlainListFormsSkipTheParser() {
        #expect(FastPath.listJSON(["list"]) == false && FastPath.listJSON(["list", "--json"]) == true)
        for other in [["list", "--help"], ["list", "--json", "--json"], ["--json", "list"], ["list", "-h"], ["status", "x"], []] {
            #expect(FastPath.listJSON(other) == nil, "\(other)")
        }
    }
}
