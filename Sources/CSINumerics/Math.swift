#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

// Thin, inlinable wrappers over libm so that modules do not each import the platform C library.
@inline(__always) @usableFromInline func _log(_ x: Double) -> Double { log(x) }
@inline(__always) @usableFromInline func _sin(_ x: Double) -> Double { sin(x) }
@inline(__always) @usableFromInline func _cos(_ x: Double) -> Double { cos(x) }

/// sin and cos of one angle (the pair is what every phasor needs).
@inlinable public func sinCos(_ x: Double) -> (sin: Double, cos: Double) { (_sin(x), _cos(x)) }

/// Decibels of a power ratio.
@inlinable public func decibels(_ ratio: Double) -> Double { 10 * log10(ratio) }

/// Power ratio from decibels.
@inlinable public func fromDecibels(_ db: Double) -> Double { pow(10, db / 10) }
