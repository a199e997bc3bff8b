import COpenBLAS

/// Row-major dense matrix products through OpenBLAS. All matrices are row-major with explicit leading
/// dimensions; `transA`/`transB` select Aᵀ/Bᵀ. These are the hot loops of training and fitting.
public enum BLAS {
    /// Limits OpenBLAS's own thread pool. csiloc parallelises over frames or batches itself, so library code
    /// sets this to 1 before running its own threads (two kinds of parallelism would oversubscribe the cores).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// C(m×n) = alpha·op(A)·op(B) + beta·C in the precision of `T` (OpenBLAS's `sgemm` or `dgemm`).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public static func gemm<T: GEMMScalar>(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: T = 1, a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
        beta: T = 0, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        T.gemmRoutine.call(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// OpenBLAS's row-major matrix product of one precision, `cblas_sgemm` or `cblas_dgemm`
    /// (`GEMMScalar.gemmRoutine`).
    public struct GEMMRoutine<Scalar>: Sendable {
        let call:
            @Sendable (
                CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, Scalar,
                UnsafePointer<Scalar>?,
                blasint, UnsafePointer<Scalar>?, blasint, Scalar, UnsafeMutablePointer<Scalar>?, blasint
            ) -> Void
    }

    /// Float32: `cblas_sgemm`.
    static let sgemm = GEMMRoutine<Float>(call: cblas_sgemm)
    /// Float64: `cblas_dgemm`.
    static let dgemm = GEMMRoutine<Double>(call: cblas_dgemm)

    /// C(n×n, upper triangle) = alpha·AᵀA + beta·C for A (k×n) row-major: the Gauss–Newton normal matrix.
    public static func dsyrkTransposed(
        n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard n > 0, k > 0 else { return }
        cblas_dsyrk(
            CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k), alpha, a, blasint(lda), beta, c, blasint(ldc)
        )
    }

    /// y = alpha·op(A)·x + beta·y, Float64.
    public static func dgemv(
        trans: Bool = false, m: Int, n: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
        x: UnsafePointer<Double>, beta: Double = 0, y: UnsafeMutablePointer<Double>
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemv(
            CblasRowMajor, trans ? CblasTrans : CblasNoTrans, blasint(m), blasint(n), alpha, a, blasint(lda), x, 1,
            beta, y, 1)
    }

    /// C(m×n) = op(A)·op(B) for complex Float64 matrices stored interleaved (re, im), row-major, leading
    /// dimensions in complex elements (`cblas_zgemm`; op is the plain transpose, not the conjugate).
    public static func zgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        var one = (1.0, 0.0), zero = (0.0, 0.0)
        withUnsafePointer(to: &one) { alpha in
            withUnsafePointer(to: &zero) { beta in
                cblas_zgemm(
                    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c,
                    blasint(ldc))
            }
        }
    }

    /// xᵀy over `count` contiguous Float64 values.
    public static func ddot(count: Int, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>) -> Double {
        guard count > 0 else { return 0 }
        return cblas_ddot(blasint(count), x, 1, y, 1)
    }
}
