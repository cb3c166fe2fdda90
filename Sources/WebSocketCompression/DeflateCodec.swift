import CZlib
public import WebSocketCore

/// The permessage-deflate codec of one connection (RFC 7692 §6–7): raw DEFLATE on the system zlib.
///
/// ``PerMessageDeflate`` makes it during the handshake; `Connection` drives it. Outbound, a
/// message (all its fragments) is compressed with a sync flush per frame, RSV1 is set on its first
/// frame, and the final frame's trailing empty block `00 00 ff ff` is removed. Inbound, the tail
/// is appended again to the final frame and the message is inflated in 16 KiB chunks: each chunk
/// goes to the connection's UTF-8 check before the next is produced, and inflating stops with
/// 1009 as soon as the message would exceed the connection's `maxMessageSize`, so a small frame
/// that inflates to a gigabyte costs at most one chunk more than the limit.
///
/// zlib state is created on the first compressed message and, for a side without context
/// takeover, released after every message; ``zlibBytes`` reports what zlib holds right now.
///
/// Not thread-safe: like the `Connection` that owns it, it is used from one place at a time.
public final class DeflateCodec: ExtensionCodec, @unchecked Sendable {
    // @unchecked Sendable: the zlib streams are only touched through `decode`/`encode`/`deinit`,
    // which the owning `Connection` calls from its single owner (the connection's actor).

    public let name = PerMessageDeflate.extensionName
    public let reservedBits: UInt8 = 0b100
    /// Which side this codec compresses for.
    public let role: Role
    /// What the handshake agreed.
    public let parameters: PerMessageDeflate.Parameters

    /// The trailing empty stored block a sync flush ends with (RFC 7692 §7.2.1).
    static let tail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]
    /// Bytes produced per zlib call: a bound on memory above the message limit, and the unit in
    /// which inflated text is validated.
    static let chunkSize = 16 << 10

    private let compressionLevel: Int32
    private let memoryLevel: Int32
    private let minimumSize: Int
    private let localWindowBits: Int32
    private let remoteWindowBits: Int32
    private let localNoContextTakeover: Bool
    private let remoteNoContextTakeover: Bool

    private var deflater: UnsafeMutablePointer<z_stream>?
    private var inflater: UnsafeMutablePointer<z_stream>?
    /// Whether the inbound / outbound message in progress is compressed.
    private var inboundCompressed = false
    private var outboundCompressed = false
    /// Bytes zlib holds, maintained by the counting allocator below.
    private let allocated: UnsafeMutablePointer<Int>

    init(role: Role, parameters: PerMessageDeflate.Parameters, settings: PerMessageDeflate) {
        self.role = role
        self.parameters = parameters
        compressionLevel = Int32(settings.compressionLevel)
        memoryLevel = Int32(settings.memoryLevel)
        minimumSize = settings.minimumSize
        let server = role == .server
        localWindowBits = Int32(server ? parameters.serverMaxWindowBits : parameters.clientMaxWindowBits)
        // Never inflate with fewer than 9 bits: zlib before 1.2.9 deflated "8" with a 9-bit window.
        remoteWindowBits = Int32(max(9, server ? parameters.clientMaxWindowBits : parameters.serverMaxWindowBits))
        localNoContextTakeover = server ? parameters.serverNoContextTakeover : parameters.clientNoContextTakeover
        remoteNoContextTakeover = server ? parameters.clientNoContextTakeover : parameters.serverNoContextTakeover
        allocated = .allocate(capacity: 1)
        allocated.initialize(to: 0)
    }

    deinit {
        endDeflater()
        endInflater()
        allocated.deallocate()
    }

    /// Whether we compress at all: zlib cannot deflate with an 8-bit window, so when one was
    /// negotiated for us we send every message uncompressed (RFC 7692 allows that).
    public var compresses: Bool { localWindowBits >= 9 }

    /// The bytes zlib holds for this connection now (compressor and decompressor state).
    public var zlibBytes: Int { allocated.pointee }

    // MARK: Inbound

    public func decode(
        _ frame: Frame, limit: Int, inspect: (UnsafeRawBufferPointer) throws(ProtocolViolation) -> Void
    ) throws(ProtocolViolation) -> Frame? {
        if frame.opcode == .continuation {
            // §6: RSV1 is set on the first frame of a compressed message only.
            guard !frame.rsv1 else { throw .reservedBitsSet }
            guard inboundCompressed else { return nil }
        } else {
            inboundCompressed = frame.rsv1
            guard inboundCompressed else { return nil }
        }
        let payload = try inflate(frame.payload, final: frame.fin, limit: limit, inspect: inspect)
        if frame.fin {
            inboundCompressed = false
            if remoteNoContextTakeover { endInflater() }
        }
        return Frame(opcode: frame.opcode, payload: payload, fin: frame.fin, reservedBits: frame.reservedBits & ~reservedBits)
    }

    private func inflate(
        _ input: [UInt8], final: Bool, limit: Int, inspect: (UnsafeRawBufferPointer) throws(ProtocolViolation) -> Void
    ) throws(ProtocolViolation) -> [UInt8] {
        let stream: UnsafeMutablePointer<z_stream>
        if let inflater { stream = inflater } else {
            guard let made = makeStream(deflate: false) else { throw .extensionFailed(reason: "permessage-deflate: out of memory") }
            inflater = made
            stream = made
        }
        var output: [UInt8] = []
        output.reserveCapacity(min(limit, max(256, input.count * 4)))
        var failure: ProtocolViolation?
        withUnsafeTemporaryAllocation(byteCount: Self.chunkSize, alignment: 16) { scratch in
            func run(_ bytes: UnsafeRawBufferPointer) -> Bool {
                guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
                stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
                stream.pointee.avail_in = uInt(bytes.count)
                while true {
                    stream.pointee.next_out = scratch.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(scratch.count)
                    let status = CZlib.inflate(stream, Z_SYNC_FLUSH)
                    let produced = scratch.count - Int(stream.pointee.avail_out)
                    if produced > 0 {
                        guard output.count + produced <= limit else {
                            failure = .messageTooLarge(limit: limit)
                            return false
                        }
                        let chunk = UnsafeRawBufferPointer(rebasing: scratch[..<produced])
                        do { try inspect(chunk) } catch {
                            failure = error
                            return false
                        }
                        output.append(contentsOf: chunk)
                    }
                    switch status {
                    case Z_OK:
                        if stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0 { return true }
                    case Z_STREAM_END:
                        // A block with BFINAL set (§7.2.3.4): the stream ends; what follows starts a
                        // new one, with the window kept when context takeover is on.
                        restartInflater(stream)
                        if stream.pointee.avail_in == 0 { return true }
                    case Z_BUF_ERROR:
                        // No progress possible: all input is consumed and nothing is pending.
                        return true
                    default:
                        failure = .extensionFailed(reason: "permessage-deflate: invalid compressed data")
                        return false
                    }
                }
            }
            guard input.withUnsafeBytes({ run($0) }) else { return }
            if final { _ = Self.tail.withUnsafeBytes { run($0) } }
        }
        if let failure { throw failure }
        return output
    }

    /// After the end of a DEFLATE stream: reset, carrying the window over under context takeover.
    private func restartInflater(_ stream: UnsafeMutablePointer<z_stream>) {
        guard !remoteNoContextTakeover else {
            inflateReset(stream)
            return
        }
        var dictionary = [UInt8](repeating: 0, count: 1 << Int(remoteWindowBits))
        var length: uInt = 0
        inflateGetDictionary(stream, &dictionary, &length)
        inflateReset(stream)
        if length > 0 { inflateSetDictionary(stream, dictionary, length) }
    }

    // MARK: Outbound

    public func encode(_ frame: Frame, transform: Bool) -> Frame? {
        if frame.opcode != .continuation {
            outboundCompressed = transform && compresses && !(frame.fin && frame.payload.count < minimumSize)
        }
        guard outboundCompressed else { return nil }
        let stream: UnsafeMutablePointer<z_stream>
        if let deflater { stream = deflater } else {
            guard frame.opcode != .continuation, let made = makeStream(deflate: true) else {
                preconditionFailure("permessage-deflate: cannot allocate a compressor mid-message")
            }
            deflater = made
            stream = made
        }
        var output = Self.deflate(frame.payload, stream: stream)
        if frame.fin {
            // §7.2.1: remove the empty block the sync flush ended with. A final frame with no new
            // input has no output at all; the previous frame kept its tail, which is harmless.
            if output.count >= 4 && output.suffix(4).elementsEqual(Self.tail) { output.removeLast(4) }
            outboundCompressed = false
            if localNoContextTakeover { endDeflater() }
        }
        let bits = frame.opcode == .continuation ? frame.reservedBits : frame.reservedBits | reservedBits
        return Frame(opcode: frame.opcode, payload: output, fin: frame.fin, reservedBits: bits)
    }

    private static func deflate(_ input: [UInt8], stream: UnsafeMutablePointer<z_stream>) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(input.count / 2 + 16)
        input.withUnsafeBytes { bytes in
            stream.pointee.next_in = bytes.baseAddress.map { UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self)) }
            stream.pointee.avail_in = uInt(bytes.count)
            withUnsafeTemporaryAllocation(byteCount: chunkSize, alignment: 16) { scratch in
                repeat {
                    stream.pointee.next_out = scratch.baseAddress!.assumingMemoryBound(to: Bytef.self)
                    stream.pointee.avail_out = uInt(scratch.count)
                    // Z_BUF_ERROR (nothing to flush) is not an error here; nothing else can fail.
                    _ = CZlib.deflate(stream, Z_SYNC_FLUSH)
                    output.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[..<(scratch.count - Int(stream.pointee.avail_out))]))
                } while stream.pointee.avail_out == 0
            }
            stream.pointee.next_in = nil
        }
        return output
    }

    // MARK: zlib streams

    private func makeStream(deflate: Bool) -> UnsafeMutablePointer<z_stream>? {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        stream.pointee.opaque = UnsafeMutableRawPointer(allocated)
        stream.pointee.zalloc = { opaque, items, size in
            let bytes = Int(items) * Int(size)
            let block = UnsafeMutableRawPointer.allocate(byteCount: bytes + 16, alignment: 16)
            block.storeBytes(of: bytes, as: Int.self)
            opaque!.assumingMemoryBound(to: Int.self).pointee += bytes
            return block + 16
        }
        stream.pointee.zfree = { opaque, address in
            guard let address else { return }
            let block = address - 16
            opaque!.assumingMemoryBound(to: Int.self).pointee -= block.load(as: Int.self)
            block.deallocate()
        }
        let status = deflate
            ? czlib_deflate_init_raw(stream, compressionLevel, localWindowBits, memoryLevel)
            : czlib_inflate_init_raw(stream, remoteWindowBits)
        guard status == Z_OK else {
            stream.deallocate()
            return nil
        }
        return stream
    }

    private func endDeflater() {
        guard let deflater else { return }
        deflateEnd(deflater)
        deflater.deallocate()
        self.deflater = nil
    }

    private func endInflater() {
        guard let inflater else { return }
        inflateEnd(inflater)
        inflater.deallocate()
        self.inflater = nil
    }
}
