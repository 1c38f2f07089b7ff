import CDBus

/// Reads libdbus messages into `Message` values.
///
/// The reader walks the body top-down with the types the header's signature
/// promises and checks each iterator's type code before reading, because
/// `dbus_message_iter_get_basic` writes as many bytes as the *actual* type has.
enum Unmarshal {
    static func message(_ raw: OpaquePointer) throws(DBusDecodingError) -> Message {
        let kind: Message.Kind
        switch dbus_message_get_type(raw) {
        case CDBUS_MESSAGE_TYPE_METHOD_CALL: kind = .methodCall
        case CDBUS_MESSAGE_TYPE_METHOD_RETURN: kind = .methodReturn
        case CDBUS_MESSAGE_TYPE_ERROR: kind = .error
        case CDBUS_MESSAGE_TYPE_SIGNAL: kind = .signal
        case let other: throw DBusDecodingError(expected: "a known message type", actual: "type \(other)")
        }
        var message = Message(kind: kind, body: try body(raw))
        message.serial = dbus_message_get_serial(raw)
        let replySerial = dbus_message_get_reply_serial(raw)
        message.replySerial = replySerial == 0 ? nil : replySerial
        // libdbus validated every header field when it loaded the message.
        message.path = string(dbus_message_get_path(raw)).map(ObjectPath.init(unchecked:))
        message.interface = string(dbus_message_get_interface(raw)).map(InterfaceName.init(unchecked:))
        message.member = string(dbus_message_get_member(raw)).map(MemberName.init(unchecked:))
        message.errorName = string(dbus_message_get_error_name(raw)).map(ErrorName.init(unchecked:))
        message.destination = string(dbus_message_get_destination(raw)).map(BusName.init(unchecked:))
        message.sender = string(dbus_message_get_sender(raw)).map(BusName.init(unchecked:))
        message.noReplyExpected = dbus_message_get_no_reply(raw) != 0
        return message
    }

    static func body(_ raw: OpaquePointer) throws(DBusDecodingError) -> [DBusValue] {
        guard let sigText = string(dbus_message_get_signature(raw)), !sigText.isEmpty else { return [] }
        let signature: Signature
        do {
            signature = try Signature(sigText)
        } catch {
            throw DBusDecodingError(expected: "a valid signature", actual: "\"\(sigText)\"")
        }
        var iter = DBusMessageIter()
        guard dbus_message_iter_init(raw, &iter) != 0 else {
            throw DBusDecodingError(expected: "body \"\(sigText)\"", actual: "an empty body")
        }
        var values: [DBusValue] = []
        values.reserveCapacity(signature.types.count)
        for (index, type) in signature.types.enumerated() {
            do throws(DBusDecodingError) {
                values.append(try read(&iter, as: type))
            } catch {
                throw error.within("argument \(index)")
            }
            dbus_message_iter_next(&iter)
        }
        return values
    }

    private static func string(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        return String(cString: p)
    }

    private static func read(_ iter: inout DBusMessageIter, as type: SignatureType) throws(DBusDecodingError) -> DBusValue {
        let code = dbus_message_iter_get_arg_type(&iter)
        guard code == Int32(type.wireCode) else {
            throw DBusDecodingError(expected: "\"\(type.code)\"", actual: code == CDBUS_TYPE_INVALID ? "nothing" : "type code \(code)")
        }
        switch type {
        case .byte: return .byte(basic(&iter, UInt8(0)))
        case .boolean: return .boolean(basic(&iter, dbus_bool_t(0)) != 0)
        case .int16: return .int16(basic(&iter, Int16(0)))
        case .uint16: return .uint16(basic(&iter, UInt16(0)))
        case .int32: return .int32(basic(&iter, Int32(0)))
        case .uint32: return .uint32(basic(&iter, UInt32(0)))
        case .int64: return .int64(basic(&iter, Int64(0)))
        case .uint64: return .uint64(basic(&iter, UInt64(0)))
        case .double: return .double(basic(&iter, Double(0)))
        case .string: return .string(basicString(&iter))
        case .objectPath: return .objectPath(ObjectPath(unchecked: basicString(&iter)))
        case .signature:
            let text = basicString(&iter)
            do {
                return .signature(try Signature(text))
            } catch {
                throw DBusDecodingError(expected: "a valid signature", actual: "\"\(text)\"")
            }
        case .unixFD: return .unixFD(UnixFD(owning: basic(&iter, Int32(-1))))
        case .array(let element):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            if element == .byte { return .array(.byte, bytes(&sub)) }
            var items: [DBusValue] = []
            var index = 0
            while dbus_message_iter_get_arg_type(&sub) != CDBUS_TYPE_INVALID {
                do throws(DBusDecodingError) {
                    items.append(try read(&sub, as: element))
                } catch {
                    throw error.within("[\(index)]")
                }
                index += 1
                dbus_message_iter_next(&sub)
            }
            return .array(element, items)
        case .dictionary(let key, let value):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var entries: [DBusValue.DictEntry] = []
            while dbus_message_iter_get_arg_type(&sub) == CDBUS_TYPE_DICT_ENTRY {
                var entry = DBusMessageIter()
                dbus_message_iter_recurse(&sub, &entry)
                let k = try read(&entry, as: key)
                dbus_message_iter_next(&entry)
                do throws(DBusDecodingError) {
                    entries.append(DBusValue.DictEntry(k, try read(&entry, as: value)))
                } catch {
                    throw error.within("[\(k)]")
                }
                dbus_message_iter_next(&sub)
            }
            return .dictionary(key: key, value: value, entries)
        case .structure(let fields):
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            var values: [DBusValue] = []
            values.reserveCapacity(fields.count)
            for field in fields {
                values.append(try read(&sub, as: field))
                dbus_message_iter_next(&sub)
            }
            return .structure(values)
        case .variant:
            var sub = DBusMessageIter()
            dbus_message_iter_recurse(&iter, &sub)
            return .variant(try read(&sub, as: try variantType(&sub)))
        }
    }

    /// The type inside a variant: basic ones come straight from the type code;
    /// only containers need libdbus to spell out their signature.
    private static func variantType(_ sub: inout DBusMessageIter) throws(DBusDecodingError) -> SignatureType {
        switch dbus_message_iter_get_arg_type(&sub) {
        case CDBUS_TYPE_BYTE: return .byte
        case CDBUS_TYPE_BOOLEAN: return .boolean
        case CDBUS_TYPE_INT16: return .int16
        case CDBUS_TYPE_UINT16: return .uint16
        case CDBUS_TYPE_INT32: return .int32
        case CDBUS_TYPE_UINT32: return .uint32
        case CDBUS_TYPE_INT64: return .int64
        case CDBUS_TYPE_UINT64: return .uint64
        case CDBUS_TYPE_DOUBLE: return .double
        case CDBUS_TYPE_STRING: return .string
        case CDBUS_TYPE_OBJECT_PATH: return .objectPath
        case CDBUS_TYPE_SIGNATURE: return .signature
        case CDBUS_TYPE_UNIX_FD: return .unixFD
        case CDBUS_TYPE_VARIANT: return .variant
        default:
            guard let raw = dbus_message_iter_get_signature(&sub) else {
                throw DBusDecodingError(expected: "a variant signature", actual: "none (out of memory)")
            }
            defer { dbus_free(raw) }
            let text = String(cString: raw)
            guard let type = try? Signature(text).types.first else {
                throw DBusDecodingError(expected: "a valid variant signature", actual: "\"\(text)\"")
            }
            return type
        }
    }

    private static func basic<T: BitwiseCopyable>(_ iter: inout DBusMessageIter, _ initial: T) -> T {
        var value = initial
        dbus_message_iter_get_basic(&iter, &value)
        return value
    }

    private static func basicString(_ iter: inout DBusMessageIter) -> String {
        var p: UnsafePointer<CChar>?
        dbus_message_iter_get_basic(&iter, &p)
        guard let p else { return "" }
        return String(cString: p)
    }

    private static func bytes(_ sub: inout DBusMessageIter) -> [DBusValue] {
        var base: UnsafeMutableRawPointer?
        var count: Int32 = 0
        dbus_message_iter_get_fixed_array(&sub, &base, &count)
        guard let base, count > 0 else { return [] }
        let buffer = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: Int(count))
        return buffer.map(DBusValue.byte)
    }
}
