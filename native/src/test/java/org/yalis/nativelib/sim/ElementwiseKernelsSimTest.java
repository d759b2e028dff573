package org.yalis.nativelib.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.yalis.nativelib.sim.SimTesting.assertCloseBf16;
import static org.yalis.nativelib.sim.SimTesting.randomBf16;
import static org.yalis.nativelib.sim.SimTesting.randomFloats;
import static org.yalis.nativelib.sim.SimTesting.simulator;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.yalis.nativelib.KernelLaunch;
import org.yalis.nativelib.YalisKernels;
import org.yalis.nativelib.reference.Bf16;
import org.yalis.nativelib.reference.ElementwiseReference;
import org.yalis.nativelib.reference.Tolerances;

/** Casts, add and SwiGLU run in the CPU simulator against their references, vector and scalar paths. */
class ElementwiseKernelsSimTest {
    private final Random random = new Random(11);

    /** Special f32 values: ties, NaN payloads, infinities, subnormals, max. */
    private float[] specialAndRandom(int n) {
        float[] values = randomFloats(random, n, 3);
        float[] special = {1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f, Float.NaN, Float.intBitsToFloat(0xFF810000),
                Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, Float.MIN_VALUE, -0.0f,
                0x1p-133f, 0x1p-130f + 0x1p-140f};
        System.arraycopy(special, 0, values, 0, special.length);
        return values;
    }

    @Test
    void castF32ToBf16IsBitExact() {
        for (int offset : new int[] {0, 4}) {  // 16-byte aligned (vector path), 4 bytes off (scalar path)
            int n = 1003;
            float[] values = specialAndRandom(n + 1);
            KernelSimulator sim = simulator();
            var in = sim.buffer(values);
            var out = sim.poisoned((n + 1) * 2);
            sim.launch(YalisKernels.CAST_F32_TO_BF16, KernelLaunch.elementwise(n), in.at(offset), out, (long) n);
            sim.run();
            float[] source = java.util.Arrays.copyOfRange(values, offset / 4, offset / 4 + n);
            short[] expected = ElementwiseReference.castF32ToBf16(source);
            assertArrayEquals(expected, SimTesting.slice(out.shorts(), 0, n), "offset " + offset);
            assertEquals((short) 0xFFFF, out.shorts()[n], "wrote past n");
        }
    }

    @Test
    void castBf16ToF32AndF16ToBf16AreBitExact() {
        int n = 4101;
        short[] all = new short[n];
        for (int i = 0; i < n; i++) {
            all[i] = (short) (i * 16 + (i % 16));  // sweeps every exponent, with NaN and infinity patterns
        }
        KernelSimulator sim = simulator();
        var in = sim.buffer(all);
        var f32 = sim.poisoned(n * 4);
        var bf16 = sim.poisoned(n * 2);
        sim.launch(YalisKernels.CAST_BF16_TO_F32, KernelLaunch.elementwise(n), in, f32, (long) n);
        sim.launch(YalisKernels.CAST_F16_TO_BF16, KernelLaunch.elementwise(n), in, bf16, (long) n);
        sim.run();
        float[] expectedF32 = ElementwiseReference.castBf16ToF32(all);
        float[] actualF32 = f32.floats();
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(expectedF32[i]), Float.floatToRawIntBits(actualF32[i]), "bf16 " + i);
        }
        short[] expectedBf16 = ElementwiseReference.castF16ToBf16(all);
        short[] actualBf16 = bf16.shorts();
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(Float.float16ToFloat(all[i]))) {
                assertTrue(Float.isNaN(Bf16.toFloat(actualBf16[i])), "f16 NaN " + i);
            } else {
                assertEquals(expectedBf16[i], actualBf16[i], "f16 " + Integer.toHexString(all[i] & 0xFFFF));
            }
        }
    }

    @Test
    void addIsBitExact() {
        for (int offset : new int[] {0, 2}) {
            int n = 2051;
            short[] acc = randomBf16(random, n + 1, 2);
            short[] addend = randomBf16(random, n + 1, 2);
            KernelSimulator sim = simulator();
            var a = sim.buffer(acc);
            var b = sim.buffer(addend);
            sim.launch(YalisKernels.ADD_BF16, KernelLaunch.elementwise(n), a.at(offset), b.at(offset), (long) n);
            sim.run();
            short[] expected = ElementwiseReference.add(SimTesting.slice(acc, offset / 2, n),
                    SimTesting.slice(addend, offset / 2, n));
            assertArrayEquals(expected, SimTesting.slice(a.shorts(), offset / 2, n), "offset " + offset);
        }
    }

    @Test
    void siluMulWithinBf16Bound() {
        int n = 3000;
        short[] gate = randomBf16(random, n, 3);
        short[] up = randomBf16(random, n, 1);
        KernelSimulator sim = simulator();
        var g = sim.buffer(gate);
        var u = sim.buffer(up);
        var out = sim.poisoned(n * 2);
        var inPlace = sim.buffer(gate);
        sim.launch(YalisKernels.SILU_MUL_BF16, KernelLaunch.elementwise(n), g, u, out, (long) n);
        sim.launch(YalisKernels.SILU_MUL_BF16, KernelLaunch.elementwise(n), inPlace, u, inPlace, (long) n);
        sim.run();
        double[] expected = ElementwiseReference.siluMul(gate, up);
        assertCloseBf16("yalis_silu_mul_bf16", out.shorts(), expected, Tolerances.BF16_OUTPUT);
        assertArrayEquals(out.shorts(), inPlace.shorts(), "in place (out = gate)");
    }

    @Test
    void fusedSiluMulBothPaths() {
        for (int inter : new int[] {64, 37}) {  // vector path, scalar path
            int rows = 5;
            short[] gateUp = randomBf16(random, rows * 2 * inter, 3);
            KernelSimulator sim = simulator();
            var in = sim.buffer(gateUp);
            var out = sim.poisoned(rows * inter * 2);
            sim.launch(YalisKernels.SILU_MUL_FUSED_BF16, KernelLaunch.elementwise((long) rows * inter), in, out, rows,
                    inter);
            sim.run();
            assertCloseBf16("yalis_silu_mul_fused_bf16 inter " + inter, out.shorts(),
                    ElementwiseReference.siluMulFused(gateUp, rows, inter), Tolerances.BF16_OUTPUT);
        }
    }

    @Test
    void aLaunchWithTheWrongParameterTypesIsRefused() {
        SimTesting.simulatorOnly();
        KernelSimulator sim = simulator();
        var a = sim.buffer(new short[8]);
        sim.launch(YalisKernels.ADD_BF16, KernelLaunch.elementwise(8), a, a, 8);  // int where long long is due
        var failure = org.junit.jupiter.api.Assertions.assertThrows(KernelSimulator.SimulationFailure.class, sim::run);
        assertEquals(3, failure.status());
        assertTrue(failure.getMessage().contains("parameter 2 is a C long long"), failure.getMessage());
    }
}
