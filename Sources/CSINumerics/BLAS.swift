import COpenBLAS

/// Row-major dense matrix products through OpenBLAS. All matrices are row-major with explicit leading
/// dimensions; `transA`/`transB` select Aᵀ/Bᵀ. These are the hot loops of training and fitting.
public enum BLAS {
    /// Limits OpenBLAS's own thread pool. csiloc parallelises over frames or batches itself, so library code
    /// sets this to 1 before running its own threads (two kinds of parallelism would oversubscribe the cores).
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// C(m×n) = alpha·op(A)·op(B) + beta·C, Float32.
    public static func sgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C(m×n) = alpha·op(A)·op(B) + beta·C, Float64.
    public static func dgemm(
        transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Double = 1, a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

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
}
