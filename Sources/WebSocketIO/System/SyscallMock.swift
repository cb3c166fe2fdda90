/// The system calls the seam in `Syscalls.swift` names. Declared in every build so the seam
/// compiles in release too; only debug builds can force failures (`SyscallMock`).
/// A system call that `SyscallMock` can make fail.
package enum Syscall: Hashable, Sendable {
    case read, write, writev, send, sendmsg, close, fcntl
    case accept, bind, listen, connect, shutdown, setsockopt, getsockopt
    case epollControl, epollWait, kevent
}

#if DEBUG
import Synchronization


/// A test seam that makes chosen system calls fail with chosen errnos (debug builds only).
///
/// Failures are scoped to one descriptor, so tests running in parallel do not disturb each
/// other. Each forced errno is used once, in order; then the real call runs again. A forced
/// `.interrupted` exercises the EINTR retry, because `retryingOnInterrupt` sees the same -1 and
/// errno a real interrupted call returns.
///
/// ```swift
/// SyscallMock.force([.interrupted, .interrupted], on: .read, descriptor: fd)
/// #expect(try socket.read(into: buffer) == .bytes(5))   // retried twice, then real
/// ```
package enum SyscallMock {
    private struct Key: Hashable {
        var call: Syscall
        var descriptor: Int32
    }

    /// Forced errnos per call and descriptor, in the order they will be returned.
    private static let table = Lock<[Key: [Errno]]>([:])
    /// The number of forced errnos not yet used; lets the real path skip the lock.
    private static let pending = Atomic<Int>(0)

    /// Makes the next `errors.count` calls of `call` on `descriptor` fail with these errnos.
    package static func force(_ errors: [Errno], on call: Syscall, descriptor: Int32) {
        table.withLock { $0[Key(call: call, descriptor: descriptor), default: []].append(contentsOf: errors) }
        pending.add(errors.count, ordering: .sequentiallyConsistent)
    }

    /// The number of forced errnos for `call` on `descriptor` that have not been used yet.
    package static func remaining(_ call: Syscall, descriptor: Int32) -> Int {
        table.withLock { $0[Key(call: call, descriptor: descriptor)]?.count ?? 0 }
    }

    /// Drops every forced errno for `descriptor`.
    package static func reset(descriptor: Int32) {
        let dropped = table.withLock { table in
            var count = 0
            for key in table.keys where key.descriptor == descriptor {
                count += table.removeValue(forKey: key)?.count ?? 0
            }
            return count
        }
        pending.subtract(dropped, ordering: .sequentiallyConsistent)
    }

    /// Removes and returns the next forced errno for `call` on `descriptor`, if any.
    @inline(__always)
    static func takeForcedError(_ call: Syscall, descriptor: Int32) -> Errno? {
        guard pending.load(ordering: .relaxed) > 0 else { return nil }
        let forced: Errno? = table.withLock { table in
            let key = Key(call: call, descriptor: descriptor)
            guard var errors = table[key], !errors.isEmpty else { return nil }
            let first = errors.removeFirst()
            table[key] = errors.isEmpty ? nil : errors
            return first
        }
        if forced != nil { pending.subtract(1, ordering: .sequentiallyConsistent) }
        return forced
    }
}
#endif
