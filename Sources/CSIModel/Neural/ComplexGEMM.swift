import CSINumerics
import Numerics

/// C = op(A)·op(B) (+ beta·C) for complex matrices in split form (separate real/imaginary row-major blocks),
/// as four real GEMMs. op = optional transpose (`transA/B`) and optional conjugation (`conjA/B`):
///
///   C_r = A_r B_r − s_A s_B A_i B_i,   C_i = s_B A_r B_i + s_A A_i B_r   (s = −1 when conjugated).
@inline(__always)
func complexGEMM<T: NeuralScalar>(
    transA: Bool = false, conjA: Bool = false, transB: Bool = false, conjB: Bool = false,
    m: Int, n: Int, k: Int,
    aRe: UnsafePointer<T>, aIm: UnsafePointer<T>, lda: Int,
    bRe: UnsafePointer<T>, bIm: UnsafePointer<T>, ldb: Int,
    beta: T = 0, cRe: UnsafeMutablePointer<T>, cIm: UnsafeMutablePointer<T>, ldc: Int
) {
    let sA: T = conjA ? -1 : 1, sB: T = conjB ? -1 : 1
    T.gemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: 1, a: aRe, lda: lda, b: bRe, ldb: ldb, beta: beta,
        c: cRe, ldc: ldc)
    T.gemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: -sA * sB, a: aIm, lda: lda, b: bIm, ldb: ldb, beta: 1,
        c: cRe, ldc: ldc)
    T.gemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: sB, a: aRe, lda: lda, b: bIm, ldb: ldb, beta: beta,
        c: cIm, ldc: ldc)
    T.gemm(
        transA: transA, transB: transB, m: m, n: n, k: k, alpha: sA, a: aIm, lda: lda, b: bRe, ldb: ldb, beta: 1,
        c: cIm, ldc: ldc)
}
