/// A fixed-size buffer that parallel chunks write to at disjoint indices (the caller guarantees disjointness).
final class SharedBuffer<T>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<T>
    init(count: Int) where T: Numeric {
        buffer = .allocate(capacity: count); buffer.initialize(repeating: 0)
    }
    init(_ values: [T]) {
        buffer = .allocate(capacity: values.count); _ = buffer.initialize(from: values)
    }
    var array: [T] { Array(buffer) }
    deinit { buffer.deinitialize(); buffer.deallocate() }
}

/// Hands a non-Sendable value (a buffer pointer whose disjoint parts parallel chunks use) to worker threads.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
