#if os(macOS) && arch(x86_64)
/// The global dictionary's row elements (`GlobalDictionary`): Float16 has no Intel-Mac implementation, so the rows
/// stay Float32 there (and the Float kernels below serve them).
typealias DictionaryScalar = Float
#else
/// The global dictionary's row elements (`GlobalDictionary`).
typealias DictionaryScalar = Float16
#endif

/// Small numeric kernels of the search, written so that the compiler vectorises them (AVX2 + FMA with the
/// package's `numericFlags`): split real loops, several independent SIMD accumulators.
enum DenseKernels {
    /// Σ a[i]·b[i] over `count` Floats (any count; the tail is scalar).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= count {
            let o = i * 4
            s0 +=
                ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            s1 +=
                ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            s2 +=
                ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            s3 +=
                ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            i += 32
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while i < count { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Two dot products of one row with two queries, reading the row once.
    @inline(__always)
    static func dot2(
        _ row: UnsafePointer<Float>, _ q1: UnsafePointer<Float>, _ q2: UnsafePointer<Float>,
        count: Int
    ) -> (Float, Float) {
        var a0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b0 = SIMD8<Float>(), b1 = SIMD8<Float>()
        var i = 0
        let r = UnsafeRawPointer(row), p = UnsafeRawPointer(q1), q = UnsafeRawPointer(q2)
        while i + 16 <= count {
            let o = i * 4
            let x0 = r.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let x1 = r.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            a0 += x0 * p.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            a1 += x1 * p.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            b0 += x0 * q.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            b1 += x1 * q.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            i += 16
        }
        var sa = (a0 + a1).sum(), sb = (b0 + b1).sum()
        while i < count { sa += row[i] * q1[i]; sb += row[i] * q2[i]; i += 1 }
        return (sa, sb)
    }

    #if !(os(macOS) && arch(x86_64))
    /// Σ a[i]·b[i] with `a` in Float16 (converted eight at a time), summed in Float32 (any count; the tail is
    /// scalar).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float16>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        typealias H = SIMD8<Float16>
        typealias V = SIMD8<Float>
        var s0 = V(), s1 = V(), s2 = V(), s3 = V()
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 32 <= count {
            let h = i * 2, o = i * 4
            s0 += V(ra.loadUnaligned(fromByteOffset: h, as: H.self)) * rb.loadUnaligned(fromByteOffset: o, as: V.self)
            s1 +=
                V(ra.loadUnaligned(fromByteOffset: h + 16, as: H.self))
                * rb.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            s2 +=
                V(ra.loadUnaligned(fromByteOffset: h + 32, as: H.self))
                * rb.loadUnaligned(fromByteOffset: o + 64, as: V.self)
            s3 +=
                V(ra.loadUnaligned(fromByteOffset: h + 48, as: H.self))
                * rb.loadUnaligned(fromByteOffset: o + 96, as: V.self)
            i += 32
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while i < count { s += Float(a[i]) * b[i]; i += 1 }
        return s
    }

    /// Two dot products of one Float16 row with two queries, reading the row once.
    @inline(__always)
    static func dot2(
        _ row: UnsafePointer<Float16>, _ q1: UnsafePointer<Float>, _ q2: UnsafePointer<Float>, count: Int
    ) -> (Float, Float) {
        typealias H = SIMD8<Float16>
        typealias V = SIMD8<Float>
        var a0 = V(), a1 = V(), b0 = V(), b1 = V()
        var i = 0
        let r = UnsafeRawPointer(row), p = UnsafeRawPointer(q1), q = UnsafeRawPointer(q2)
        while i + 16 <= count {
            let h = i * 2, o = i * 4
            let x0 = V(r.loadUnaligned(fromByteOffset: h, as: H.self))
            let x1 = V(r.loadUnaligned(fromByteOffset: h + 16, as: H.self))
            a0 += x0 * p.loadUnaligned(fromByteOffset: o, as: V.self)
            a1 += x1 * p.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            b0 += x0 * q.loadUnaligned(fromByteOffset: o, as: V.self)
            b1 += x1 * q.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            i += 16
        }
        var sa = (a0 + a1).sum(), sb = (b0 + b1).sum()
        while i < count { sa += Float(row[i]) * q1[i]; sb += Float(row[i]) * q2[i]; i += 1 }
        return (sa, sb)
    }
    #endif

    /// Σ conj(a[i])·b[i] over `count` complex numbers stored split (re, im arrays), accumulated in Float32 vectors
    /// and summed in Float64.
    @inline(__always)
    static func conjugateDot(
        _ ar: UnsafePointer<Float>, _ ai: UnsafePointer<Float>, _ br: UnsafePointer<Float>,
        _ bi: UnsafePointer<Float>, count: Int
    ) -> (re: Double, im: Double) {
        typealias V = SIMD8<Float>
        var r0 = V(), r1 = V(), i0 = V(), i1 = V()
        var i = 0
        let pa = UnsafeRawPointer(ar), qa = UnsafeRawPointer(ai), pb = UnsafeRawPointer(br),
            qb = UnsafeRawPointer(bi)
        while i + 16 <= count {
            let o = i * 4
            let x0 = pa.loadUnaligned(fromByteOffset: o, as: V.self),
                x1 = pa.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            let y0 = qa.loadUnaligned(fromByteOffset: o, as: V.self),
                y1 = qa.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            let u0 = pb.loadUnaligned(fromByteOffset: o, as: V.self),
                u1 = pb.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            let v0 = qb.loadUnaligned(fromByteOffset: o, as: V.self),
                v1 = qb.loadUnaligned(fromByteOffset: o + 32, as: V.self)
            r0 += x0 * u0 + y0 * v0; r1 += x1 * u1 + y1 * v1
            i0 += x0 * v0 - y0 * u0; i1 += x1 * v1 - y1 * u1
            i += 16
        }
        // Eight more in one vector (the span stage's per-subcarrier correlations on 8 kept antennas).
        if i + 8 <= count {
            let o = i * 4
            let x0 = pa.loadUnaligned(fromByteOffset: o, as: V.self),
                y0 = qa.loadUnaligned(fromByteOffset: o, as: V.self)
            let u0 = pb.loadUnaligned(fromByteOffset: o, as: V.self),
                v0 = qb.loadUnaligned(fromByteOffset: o, as: V.self)
            r0 += x0 * u0 + y0 * v0
            i0 += x0 * v0 - y0 * u0
            i += 8
        }
        var sr = Double((r0 + r1).sum()), si = Double((i0 + i1).sum())
        while i < count {
            let x = Double(ar[i]), y = Double(ai[i]), u = Double(br[i]), v = Double(bi[i])
            sr += x * u + y * v; si += x * v - y * u
            i += 1
        }
        return (sr, si)
    }
}
