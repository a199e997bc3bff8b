/// A floating-point type with a row-major BLAS matrix product, so numeric code can be written once and run
/// in Float32 (training, inference) or Float64 (gradient checks, precise evaluation) with the same kernels.
public protocol GEMMScalar: BinaryFloatingPoint, Sendable {
    /// C(m×n) = alpha·op(A)·op(B) + beta·C, row-major (see `BLAS.sgemm` / `BLAS.dgemm`).
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: GEMMScalar {
    /// Float32 C = alpha·op(A)·op(B) + beta·C, row-major, through `BLAS.sgemm` (OpenBLAS).
    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLAS.sgemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc)
    }
}

extension Double: GEMMScalar {
    /// Float64 C = alpha·op(A)·op(B) + beta·C, row-major, through `BLAS.dgemm` (OpenBLAS).
    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLAS.dgemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc)
    }
}
