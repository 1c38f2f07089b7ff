import DBus
import DBusTestSupport
import Testing

struct ValueTests {
    static let tree: [ObjectPath: [String: [String: Variant]]] = [
        "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF": [
            "org.bluez.Device1": [
                "Address": Variant("AA:BB:CC:DD:EE:FF"), "RSSI": Variant(Int16(-42)),
                "UUIDs": Variant(["0000110b-0000-1000-8000-00805f9b34fb"]),
                "ManufacturerData": Variant([UInt16(0x012D): Variant([UInt8(4), 0, 1])]),
            ],
            "org.bluez.Battery1": ["Percentage": Variant(UInt8(80))],
        ],
    ]
    static let bluezObjects = tree.dbusValue

    @Test func blueZTreeDecodesInOneLine() throws {
        var message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: [Self.bluezObjects])
        message = try Message(wireBytes: message.wireBytes())
        let objects = try message.decode([ObjectPath: [String: [String: Variant]]].self)
        let device = try #require(objects["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"]?["org.bluez.Device1"])
        #expect(try device.value("RSSI", as: Int16.self) == -42)
        #expect(try device.value("UUIDs", as: [String].self) == ["0000110b-0000-1000-8000-00805f9b34fb"])
        let data = try #require(try device.value("ManufacturerData", as: [UInt16: Variant].self))
        #expect(data[0x012D]?.get([UInt8].self) == [4, 0, 1])
        #expect(try device.value("Missing", as: String.self) == nil)
    }

    @Test func aWrongShapeNamesWhatWasExpectedAndWhatCame() throws {
        let message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: [Self.bluezObjects])
        let error = try #require(throws: DBusDecodingError.self) {
            _ = try message.decode([ObjectPath: [String: [String: String]]].self)
        }
        #expect(error.expected.contains("a{oa{sa{ss}}}"))
        #expect(error.actual.contains("a{oa{sa{sv}}}"))

        let device = ["RSSI": Variant("loud")]
        let inner = try #require(throws: DBusDecodingError.self) { _ = try device.value("RSSI", as: Int16.self) }
        #expect(inner.description == "expected \"n\", got \"s\" at RSSI")
        #expect(throws: DBusDecodingError.self) { _ = try message.decode([ObjectPath: Variant].self, String.self) }
    }

    @Test func everyBasicTypeSurvivesTheWire() throws {
        let body: [DBusValue] = [
            .byte(255), .boolean(true), .int16(-32768), .uint16(65535), .int32(.min), .uint32(.max), .int64(.min),
            .uint64(.max), .double(-0.5), .string("grüße 😀"), .objectPath("/a/b"), .signature(try Signature("a{sv}")),
            .array(.string, []), .dictionary(key: .uint16, value: .variant, []), .structure([.variant(.variant(.byte(1)))]),
            .array(.byte, [.byte(0), .byte(1), .byte(2)]),
        ]
        let message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: body)
        let decoded = try Message(wireBytes: message.wireBytes())
        #expect(decoded.body == body)
        #expect(decoded.signature == "ybnqiuxtdsogasa{qv}(v)ay")
    }

    @Test func fileDescriptorsAreDuplicatedAndOwned() throws {
        let fd = try UnixFD(duplicating: 1)
        #expect(fd.rawValue != 1)
        let message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: [.unixFD(fd)])
        // The wire form carries only an index; the descriptor travels beside it.
        #expect(message.signature == "h")
    }

    @Test func invalidOutgoingValuesAreRefusedNotSent() {
        let cases: [DBusValue] = [
            .string("nul\u{0}inside"),
            .array(.string, [.int32(1)]),
            .dictionary(key: .string, value: .int32, [.init(.string("k"), .string("v"))]),
            .structure([]),
            .dictionary(key: .variant, value: .string, []),
            (0..<70).reduce(DBusValue.byte(0)) { inner, _ in .variant(inner) },
        ]
        for value in cases {
            let message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: [value])
            #expect(throws: DBusError.self, "\(value.type.code)") { _ = try message.wireBytes() }
        }
    }

    @Test(arguments: 0..<8)
    func generatedValuesRoundTrip(seed: UInt64) throws {
        var generator = RandomValues(seed: seed)
        for _ in 0..<300 {
            let body = generator.body()
            let message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: body)
            let decoded = try Message(wireBytes: message.wireBytes())
            #expect(decoded.body == body, "seed \(seed): \(message.signature)")
        }
    }

    /// Generated bodies decoded as shapes they do not have must throw, and
    /// corrupted wire bytes must be refused or parsed, never crash.
    @Test(arguments: 0..<8)
    func mismatchedAndCorruptBodiesThrow(seed: UInt64) throws {
        var generator = RandomValues(seed: seed &+ 1000)
        for _ in 0..<300 {
            let body = generator.body()
            let message = Message.signal(path: "/", interface: "org.sonyctl.T", member: "S", body: body)
            if message.signature != "a{sv}" {
                #expect(throws: DBusDecodingError.self) { _ = try message.decode([String: Variant].self) }
            }
            if message.signature != "s" {
                #expect(throws: DBusDecodingError.self) { _ = try message.decode(String.self) }
            }
            if message.signature != "a{oa{sa{sv}}}" {
                #expect(throws: DBusDecodingError.self) {
                    _ = try message.decode([ObjectPath: [String: [String: Variant]]].self)
                }
            }
            var bytes = try message.wireBytes()
            for _ in 0..<3 {
                let index = Int.random(in: 0..<bytes.count, using: &generator.random)
                bytes[index] = UInt8.random(in: 0...255, using: &generator.random)
            }
            _ = try? Message(wireBytes: bytes)
            _ = try? Message(wireBytes: Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator.random))))
        }
    }
}
