import Testing
@testable import WebSocketIO

extension WebSocketIOTests {
    @Suite("RegistrationTable")
    struct RegistrationTableTests {
        final class Handler: IOHandler {
            func ioEvent(_ events: IOEvents) {}
        }

        @Test("A report for a deregistered slot never reaches the slot's next handler")
        func staleTokensAreDropped() {
            var table = RegistrationTable()
            let first = Handler()
            let second = Handler()
            let old = table.add(7, interest: .read, handler: first)
            table.remove(old)
            let new = table.add(7, interest: .read, handler: second)   // same descriptor, same slot
            #expect(new.slot == old.slot && new.generation != old.generation)
            #expect(table.handler(for: SelectorEvent(token: old.token, events: .readable)) == nil)
            let delivered = table.handler(for: SelectorEvent(token: new.token, events: .readable))
            #expect(delivered?.0 === second)
        }

        @Test("Only events in the current interest are delivered, plus hangup and error")
        func interestFilters() {
            var table = RegistrationTable()
            let registration = table.add(3, interest: .read, handler: Handler())
            #expect(table.handler(for: SelectorEvent(token: registration.token, events: .writable)) == nil)
            let hangup = table.handler(for: SelectorEvent(token: registration.token, events: [.writable, .hangup]))
            #expect(hangup?.1 == .hangup)
        }
    }
}
