import DBus
import DBusTestSupport
import Foundation
import SonyService
import Testing

/// `list`, `status`, `history`, `guide`, `models` and the errors of naming a
/// device, through the built `sonyctl` against sonyctld and the simulated BlueZ.
@Suite(.timeLimit(.minutes(1)))
struct ReadingCommandsTests {
    @Test func listShowsTheSonyDevicesAsATableAndAsJSON() async throws {
        let w = try await CLIWorld()
        let text = try await w.sonyctl("list")
        #expect(text.status == 0, "\(text.stderr)")
        let rows = text.stdout.split(separator: "\n").map(String.init)
        #expect(rows.first?.hasPrefix("ADDRESS") == true)
        let xm4 = try #require(rows.first { $0.hasPrefix(CLIWorld.xm4) })
        #expect(xm4.contains("WH-1000XM4") && xm4.contains("connected") && xm4.contains("72%"), "\(xm4)")
        let xm5 = try #require(rows.first { $0.hasPrefix(CLIWorld.xm5) })
        #expect(xm5.contains("WF-1000XM5") && xm5.contains("paired") && !xm5.contains("connected"), "\(xm5)")
        #expect(!text.stdout.contains("JBL"), "the non-Sony headset is not listed")
        #expect(!text.stdout.contains("\u{1B}["), "no colour through a pipe")

        let doc = try json(try await w.sonyctl("list", "--json").stdout)
        #expect(doc["bluez_available"] as? Bool == true)
        #expect(doc["adapters"] as? [String] == ["hci0"])
        let devices = try #require(doc["devices"] as? [[String: Any]])
        #expect(devices.map { $0["address"] as? String } == [CLIWorld.xm4, CLIWorld.xm5])
        let first = try #require(devices.first)
        #expect(first["model"] as? String == "WH-1000XM4" && first["battery"] as? Int == 72 && first["connected"] as? Bool == true)
        #expect(first["path"] as? String == "/org/sonyctl/Daemon1/devices/dev_AC_80_0A_11_22_33")
        #expect(devices[1]["battery"] is NSNull, "unknown battery is null, not -1")
        #expect(Set(first.keys) == [
            "address", "name", "model", "path", "adapter", "present", "paired", "trusted", "connected", "battery", "health",
            "advice", "repair_state", "last_connected_us", "last_disconnected_us", "disconnects_last_hour", "evidence",
        ])
    }

    @Test func statusNamesADeviceByAddressNameOrModel() async throws {
        let w = try await CLIWorld()
        for name in [CLIWorld.xm4.lowercased(), "wh-1000xm4"] {
            let result = try await w.sonyctl("status", name)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.hasPrefix("WH-1000XM4  \(CLIWorld.xm4)"), "\(result.stdout)")
            #expect(result.stdout.contains("Battery         72%") && result.stdout.contains("connected (paired, trusted) on hci0"))
        }
        let doc = try json(try await w.sonyctl("status", "WF-1000XM5", "--json").stdout)
        let device = try #require(doc["device"] as? [String: Any])
        #expect(device["address"] as? String == CLIWorld.xm5 && device["connected"] as? Bool == false)
    }

    @Test func anUnknownOrAmbiguousNameListsTheCandidates() async throws {
        let w = try await CLIWorld()
        let unknown = try await w.sonyctl("status", "XM4")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("no Sony device matches \"XM4\""), "\(unknown.stderr)")
        #expect(unknown.stderr.contains(CLIWorld.xm4) && unknown.stderr.contains(CLIWorld.xm5), "the known devices are offered")

        try await w.addDevice("AC:80:0A:99:99:99", "WH-1000XM4", CLIWorld.xm4Properties)
        try await w.until("the second XM4") { w.daemon?.records.count == 3 }
        let ambiguous = try await w.sonyctl("status", "WH-1000XM4")
        #expect(ambiguous.status == 3)
        #expect(ambiguous.stderr.contains("Name one of them by its address"), "\(ambiguous.stderr)")
        #expect(ambiguous.stderr.contains(CLIWorld.xm4) && ambiguous.stderr.contains("AC:80:0A:99:99:99") && !ambiguous.stderr.contains(CLIWorld.xm5))
        let doc = try json(try await w.sonyctl("status", "WH-1000XM4", "--json").stdout)
        let error = try #require(doc["error"] as? [String: Any])
        #expect(error["kind"] as? String == "ambiguous" && error["exit_code"] as? Int == 3)
        #expect(error["error_name"] as? String == "org.sonyctl.Daemon1.Error.Ambiguous")
        #expect((error["candidates"] as? [[String: Any]])?.compactMap { $0["address"] as? String }.sorted() == ["AC:80:0A:11:22:33", "AC:80:0A:99:99:99"])
    }

    @Test func historyIsOneDocumentAndSaysSoWhenEmpty() async throws {
        let w = try await CLIWorld()
        let doc = try json(try await w.sonyctl("history", "WH-1000XM4", "--since", "2h", "--limit", "5", "--json").stdout)
        #expect(doc["limit"] as? Int == 5)
        let since = try #require(doc["since_us"] as? Int)
        let now = Int(Date().timeIntervalSince1970 * 1_000_000)
        #expect(abs(now - 7200 * 1_000_000 - since) < 60 * 1_000_000, "since is 2 h before now")
        #expect(doc["events"] is [Any])
        let text = try await w.sonyctl("history", CLIWorld.xm4)
        #expect(text.status == 0 && text.stdout.hasPrefix("History of WH-1000XM4 (\(CLIWorld.xm4))"), "\(text.stdout)")
    }

    @Test func guideAndModelsWorkWithoutTheDaemon() async throws {
        let w = try await CLIWorld(daemon: false)
        let guide = try await w.sonyctl("guide", "wh-1000xm4", "--tier", "network")
        #expect(guide.status == 0, "\(guide.stderr)")
        #expect(guide.stdout.contains("Network reset") && guide.stdout.contains("2. Press and hold Power + Volume+ for 10 seconds."))
        #expect(!guide.stdout.contains("Soft reset"), "only the tier asked for")
        let all = try await w.sonyctl("guide", "WF-1000XM5", "--json")
        let doc = try json(all.stdout)
        let tiers = try #require(doc["tiers"] as? [[String: Any]])
        #expect(tiers.compactMap { $0["tier"] as? String } == ["soft", "network", "factory", "recovery"])
        let factory = try #require(tiers[2]["procedure"] as? [String: Any])
        #expect(factory["known"] as? Bool == true && factory["hold_seconds"] as? Int == 15)
        #expect((tiers[1]["procedure"] as? [String: Any])?["known"] as? Bool == false)

        let models = try json(try await w.sonyctl("models", "--json").stdout)
        let list = try #require(models["models"] as? [[String: Any]])
        #expect(list.count >= 12 && list.first?["id"] as? String == "WH-1000XM3")
        let unknown = try await w.sonyctl("guide", "WH-2000XM9")
        #expect(unknown.status == 2 && unknown.stderr.contains("Known models: WH-1000XM3"), "\(unknown.stderr)")
    }
}
