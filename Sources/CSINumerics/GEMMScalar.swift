/// A floating-point type with a row-major BLAS matrix product, so numeric code can be written once and run
/// in Float32 (training, inference) or Float64 (gradient checks, precise evaluation) with the same kernels.
public protocol GEMMScalar: BinaryFloatingPoint, Sendable {
    /// The BLAS routine of this precision (`BLAS.gemm` calls it).
    static var gemmRoutine: BLAS.GEMMRoutine<Self> { get }
}

extension GEMMScalar {
    /// C(m×n) = alpha·op(A)·op(B) + beta·C, row-major, through OpenBLAS (see `BLAS.gemm`).
    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        BLAS.gemm(
            transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
            beta: beta, c: c, ldc: ldc)
    }
}

extension Float: GEMMScalar {
    /// Float32 products: `cblas_sgemm`.
    public static var gemmRoutine: BLAS.GEMMRoutine<Float> { BLAS.sgemm }
}

extension Double: GEMMScalar {
    /// Float64 products: `cblas_dgemm`.
    public static var gemmRoutine: BLAS.GEMMRoutine<Double> { BLAS.dgemm }
}
