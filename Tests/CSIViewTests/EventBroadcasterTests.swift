import Foundation
import Testing

@testable import CSIView

/// Client cap and slow-client dropping of the SSE fan-out.
@Suite struct EventBroadcasterTests {
    @Test func capsClientsAndDropsOnesThatDoNotRead() async {
        var limits = ViewLimits()
        limits.maxClients = 2
        limits.clientQueue = 3
        let b = EventBroadcaster(limits: limits)
        let a = b.subscribe(first: Data("0".utf8))!, c = b.subscribe(first: Data("0".utf8))!
        #expect(b.subscribe(first: Data()) == nil) // at the cap
        // client a reads everything, client c nothing: c holds "0" + 2 more, the 4th broadcast overflows it
        for i in 1...4 {
            b.broadcast(Data("\(i)".utf8))
            if i == 1 { #expect(await b.next(a) == Data("0".utf8)) }
            #expect(await b.next(a) == Data("\(i)".utf8))
        }
        #expect(await b.next(c) == nil)
        #expect(b.clientCount == 1)
        #expect(b.subscribe(first: Data()) != nil) // a place is free again
    }

    @Test func aWaitingClientGetsTheNextEventAndCloseEndsIt() async {
        let b = EventBroadcaster(limits: ViewLimits())
        let id = b.subscribe(first: Data("first".utf8))!
        #expect(await b.next(id) == Data("first".utf8))
        async let waiting = b.next(id)
        try? await Task.sleep(for: .milliseconds(50))
        b.broadcast(Data("second".utf8))
        #expect(await waiting == Data("second".utf8))
        async let ended = b.next(id)
        try? await Task.sleep(for: .milliseconds(50))
        b.close()
        #expect(await ended == nil)
        #expect(b.subscribe(first: Data()) == nil)
    }

    @Test func sseFraming() {
        #expect(
            String(decoding: ServerSentEvent.event("state", data: Data(#"{"a":1}"#.utf8)), as: UTF8.self)
                == "event: state\ndata: {\"a\":1}\n\n")
    }
}
