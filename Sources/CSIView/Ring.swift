/// A bounded FIFO: appending beyond the capacity drops the oldest element. O(1) append.
struct Ring<Element> {
    private var storage: [Element] = []
    private var head = 0

    /// Appends `element`, dropping the oldest when `capacity` elements are already held.
    mutating func append(_ element: Element, capacity: Int) {
        if storage.count < capacity {
            storage.append(element)
        } else if capacity > 0 {
            if storage.count > capacity { // the capacity shrank: keep the newest
                storage = Array(elements.suffix(capacity - 1))
                head = 0
                storage.append(element)
                return
            }
            storage[head] = element
            head = (head + 1) % capacity
        }
    }

    /// Oldest first.
    var elements: [Element] { Array(storage[head...] + storage[..<head]) }
    var count: Int { storage.count }
    var last: Element? { storage.isEmpty ? nil : storage[(head + storage.count - 1) % storage.count] }
}
