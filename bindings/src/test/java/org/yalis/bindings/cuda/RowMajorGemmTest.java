package org.yalis.bindings.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The row-major {@code y = x·Wᵀ} to column-major cuBLAS mapping, checked on the CPU by running
 * the arguments through a literal implementation of BLAS's column-major GEMM semantics.
 */
class RowMajorGemmTest {

    /** BLAS: C(i,j) = sum_p op(A)(i,p) * op(B)(p,j), element (r,c) of a matrix with leading dimension ld at r + c*ld. */
    private static double[] columnMajorGemm(RowMajorGemm plan, double[] a, double[] b) {
        double[] c = new double[plan.ldc() * plan.n()];
        for (int j = 0; j < plan.n(); j++) {
            for (int i = 0; i < plan.m(); i++) {
                double sum = 0;
                for (int p = 0; p < plan.k(); p++) {
                    double opA = plan.transa() == CublasOperation.N ? a[i + p * plan.lda()] : a[p + i * plan.lda()];
                    double opB = plan.transb() == CublasOperation.N ? b[p + j * plan.ldb()] : b[j + p * plan.ldb()];
                    sum += opA * opB;
                }
                c[i + j * plan.ldc()] = sum;
            }
        }
        return c;
    }

    private static void checkAgainstRowMajorProduct(int rowsM, int outN, int inK) {
        double[] x = new double[rowsM * inK];
        double[] w = new double[outN * inK];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 7 % 11) - 5;
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (i * 5 % 13) - 6;
        }
        double[] expected = new double[rowsM * outN];
        for (int r = 0; r < rowsM; r++) {
            for (int c = 0; c < outN; c++) {
                double sum = 0;
                for (int p = 0; p < inK; p++) {
                    sum += x[r * inK + p] * w[c * inK + p];
                }
                expected[r * outN + c] = sum;
            }
        }
        RowMajorGemm plan = RowMajorGemm.xTimesWTransposed(rowsM, outN, inK);
        double[] a = plan.a() == RowMajorGemm.Operand.W ? w : x;
        double[] b = plan.b() == RowMajorGemm.Operand.W ? w : x;
        // C's memory, read row-major as [M, N], is y.
        assertArrayEquals(expected, columnMajorGemm(plan, a, b), 0.0, "M=" + rowsM + " N=" + outN + " K=" + inK);
    }

    @Test
    void theArgumentsAreTheDocumentedOnes() {
        RowMajorGemm plan = RowMajorGemm.xTimesWTransposed(3, 5, 4);
        assertEquals(new RowMajorGemm(CublasOperation.T, CublasOperation.N, 5, 3, 4, RowMajorGemm.Operand.W, 4,
                RowMajorGemm.Operand.X, 4, 5), plan);
    }

    @Test
    void columnMajorCublasSemanticsComputeTheRowMajorProduct() {
        checkAgainstRowMajorProduct(3, 5, 4);
        checkAgainstRowMajorProduct(7, 2, 9);
        checkAgainstRowMajorProduct(1, 16, 3);
        checkAgainstRowMajorProduct(6, 1, 1);
    }

    @Test
    void nonPositiveDimensionsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> RowMajorGemm.xTimesWTransposed(0, 5, 4));
        assertThrows(IllegalArgumentException.class, () -> RowMajorGemm.xTimesWTransposed(3, -1, 4));
    }
}
