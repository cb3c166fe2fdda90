#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable or detached POSIX thread running a Swift closure.
///
/// Event loops own one each; `BlockingWork` starts a detached one per blocking call.
struct PosixThread: @unchecked Sendable {
    // @unchecked: `pthread_t` is an opaque handle (an integer on Linux, a pointer on Darwin) that
    // is only passed back to pthread functions; it is never dereferenced here.
    let handle: pthread_t

    /// Boxes the body so it can cross the C entry point.
    private final class Context {
        let name: String
        let body: () -> Void
        init(name: String, body: @escaping () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// Starts a thread named `name` (at most 15 bytes are kept on Linux) that runs `body`.
    ///
    /// A detached thread releases its resources when `body` returns; a joinable one must be
    /// joined with `join()`.
    @discardableResult
    static func spawn(name: String, detached: Bool, _ body: @escaping @Sendable () -> Void) throws(Errno) -> PosixThread {
        let context = Unmanaged.passRetained(Context(name: name, body: body)).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        if detached {
            pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        }
        #if os(Linux)
        var handle = pthread_t()
        let result = pthread_create(&handle, &attributes, { raw in
            PosixThread.run(raw!)
            return nil
        }, context)
        #else
        var optionalHandle: pthread_t?
        let result = pthread_create(&optionalHandle, &attributes, { raw in
            PosixThread.run(raw)
            return nil
        }, context)
        #endif
        guard result == 0 else {
            Unmanaged<Context>.fromOpaque(context).release()
            throw Errno(rawValue: result)
        }
        #if os(Linux)
        return PosixThread(handle: handle)
        #else
        return PosixThread(handle: optionalHandle!)
        #endif
    }

    /// The thread's entry point: names it, then runs and releases the body.
    private static func run(_ raw: UnsafeMutableRawPointer) {
        let context = Unmanaged<Context>.fromOpaque(raw).takeRetainedValue()
        system_setCurrentThreadName(context.name)
        context.body()
    }

    /// Waits for a joinable thread to finish.
    func join() {
        pthread_join(handle, nil)
    }

    /// Lets a joinable thread release its resources by itself when it finishes.
    func detach() {
        pthread_detach(handle)
    }

    /// An integer identifying the calling thread, for `==` against `currentID` of another.
    static var currentID: UInt {
        #if os(Linux)
        UInt(pthread_self())
        #else
        UInt(bitPattern: pthread_self())
        #endif
    }
}

/// Runs blocking calls (such as `getaddrinfo`) off the event loops and the cooperative pool.
///
/// Each call gets a detached thread of its own: resolution is rare and slow compared with
/// thread creation, and a thread per call cannot starve the loops or deadlock on a pool.
enum BlockingWork {
    /// Runs `body` on a new thread and returns its result to the suspended caller.
    static func run<Result: Sendable>(_ body: @escaping @Sendable () -> Result) async -> Result {
        await withCheckedContinuation { continuation in
            do {
                try PosixThread.spawn(name: "ws-blocking", detached: true) {
                    continuation.resume(returning: body())
                }
            } catch {
                // No thread could be started: run inline rather than fail the lookup.
                continuation.resume(returning: body())
            }
        }
    }
}
