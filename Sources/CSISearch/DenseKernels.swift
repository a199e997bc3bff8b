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
            s0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            s1 += ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            s2 += ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            s3 += ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self) * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            i += 32
        }
        var s = ((s0 + s1) + (s2 + s3)).sum()
        while i < count { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Two dot products of one row with two queries, reading the row once.
    @inline(__always)
    static func dot2(_ row: UnsafePointer<Float>, _ q1: UnsafePointer<Float>, _ q2: UnsafePointer<Float>,
                     count: Int) -> (Float, Float) {
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

    /// Solves the symmetric positive-definite system A x = b (n ≤ 8, row-major A) by Cholesky.
    /// Returns nil when A is not numerically positive definite.
    static func solveSPD(_ a: [Double], _ b: [Double], n: Int) -> [Double]? {
        guard let l = cholesky(a, n: n) else { return nil }
        var y = b
        for i in 0..<n {
            var s = y[i]
            for k in 0..<i { s -= l[i * n + k] * y[k] }
            y[i] = s / l[i * n + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<max(i + 1, n) { s -= l[k * n + i] * y[k] }
            y[i] = s / l[i * n + i]
        }
        return y
    }

    /// Lower Cholesky factor (row-major) or nil.
    static func cholesky(_ a: [Double], n: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i * n + j]
                for k in 0..<j { s -= l[i * n + k] * l[j * n + k] }
                if i == j {
                    guard s > 0, s.isFinite else { return nil }
                    l[i * n + i] = s.squareRoot()
                } else {
                    l[i * n + j] = s / l[j * n + j]
                }
            }
        }
        return l
    }

    /// Inverse of a symmetric positive-definite matrix (row-major), or nil.
    static func inverseSPD(_ a: [Double], n: Int) -> [Double]? {
        var inv = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            var e = [Double](repeating: 0, count: n); e[c] = 1
            guard let x = solveSPD(a, e, n: n) else { return nil }
            for r in 0..<n { inv[r * n + c] = x[r] }
        }
        return inv
    }
}
