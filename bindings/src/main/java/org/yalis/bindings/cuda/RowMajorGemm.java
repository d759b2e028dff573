package org.yalis.bindings.cuda;

/**
 * How to ask column-major cuBLAS for a row-major product, as plain numbers (so a CPU test can
 * check the mapping without a GPU).
 *
 * <p>Row-major {@code Y[M,N] = X[M,K] · W[N,K]ᵀ} (W in {@code nn.Linear}'s layout): a row-major
 * matrix is the column-major view of its transpose, so cuBLAS computes the column-major
 * {@code Yᵀ (N×M) = W · Xᵀ}, reading W transposed ({@code OP_T}, lda K) and X as stored
 * ({@code OP_N}, ldb K), writing Y with ldc N (native-apis.md §4.4).
 *
 * @param transa {@code transa} of {@code cublasGemmEx}
 * @param transb {@code transb}
 * @param m      rows of column-major C (N, the output features)
 * @param n      columns of column-major C (M, the tokens)
 * @param k      the reduced dimension (K, the input features)
 * @param a      which row-major operand cuBLAS's A is
 * @param lda    leading dimension of A
 * @param b      which operand B is
 * @param ldb    leading dimension of B
 * @param ldc    leading dimension of C (= Y)
 */
public record RowMajorGemm(CublasOperation transa, CublasOperation transb, int m, int n, int k, Operand a, int lda,
        Operand b, int ldb, int ldc) {

    /** The operands of {@code Y = X · Wᵀ}. */
    public enum Operand {
        /** Activations, row-major [M, K]. */
        X,
        /** Weights, row-major [N, K]. */
        W
    }

    /** The cuBLAS arguments for row-major {@code Y[M,N] = X[M,K] · W[N,K]ᵀ}. */
    public static RowMajorGemm xTimesWTransposed(int rowsM, int outFeaturesN, int inFeaturesK) {
        if (rowsM < 1 || outFeaturesN < 1 || inFeaturesK < 1) {
            throw new IllegalArgumentException(
                    "matrix dimensions must be positive: M=" + rowsM + " N=" + outFeaturesN + " K=" + inFeaturesK);
        }
        return new RowMajorGemm(CublasOperation.T, CublasOperation.N, outFeaturesN, rowsM, inFeaturesK, Operand.W,
                inFeaturesK, Operand.X, inFeaturesK, outFeaturesN);
    }
}
