// The part of paged attention that prefill and decode share: one thread block of 128 threads (4 warps)
// computes softmax(q . K^T * scale) . V for up to 16 "items" (query row, query head) that use the
// same KV head of the same sequence, over a range [kv_lo, kv_hi) of positions, with an online
// (streaming) softmax in f32.
//
// Per tile of 32 positions the block copies K and V rows from the paged cache into shared memory
// (16-byte loads, zero rows past kv_hi), then each warp handles its 4 items:
//   scores  lane j takes key j of the tile and dots it with each item's query (16-byte shared loads,
//           the query read as a broadcast), f32 fma;
//   softmax per item: running max m and sum l in base 2 (scores times scale*log2(e), exp2f);
//           positions past the item's own (causal) or past kv_hi get -inf;
//   values  lane owns bf16 pairs lane, lane+32, ... of the head (head_dim/2 pairs), and adds
//           p_j * V[j] for the tile's keys (p read back from shared memory as a broadcast).
// K rows in shared memory are padded by 8 elements (16 bytes) so that the 32 lanes reading 32
// different rows hit distinct banks when (head_dim + 8) / 8 is odd (head_dim 64, 128, 256, ...).
#pragma once

#include "common.cuh"

namespace yalis { namespace attention {

constexpr int WARPS = 4;
constexpr int THREADS = WARPS * 32;
constexpr int ITEMS_PER_WARP = 4;
constexpr int ITEMS = WARPS * ITEMS_PER_WARP;  // 16 (row, head) items per block
constexpr int TILE = 32;                       // positions per K/V tile: one per lane
constexpr int MAX_HEAD_DIM = 256;
constexpr int MAX_PAIRS = MAX_HEAD_DIM / 64;   // bf16 pairs of a head each lane owns
constexpr float LOG2E = 1.4426950408889634f;

/** Dynamic shared memory a launch must give for head_dim d: K tile, V tile, the 16 queries. */
__host__ __device__ constexpr unsigned smem_bytes(int d) {
    return (unsigned)(TILE * (d + 8) * 2 + TILE * d * 2 + ITEMS * d * 2);
}

/** The launch contract both attention kernels check (a broken one traps: the launch fails). */
__device__ __forceinline__ void check_launch(int heads, int kv_heads, int head_dim) {
    require(blockDim.x == THREADS && blockDim.y == 1 && blockDim.z == 1);
    require(head_dim >= 8 && head_dim <= MAX_HEAD_DIM && head_dim % 8 == 0);
    require(kv_heads > 0 && heads >= kv_heads && heads % kv_heads == 0);
    require(dynamic_smem_size() >= smem_bytes(head_dim));
}

/** A warp's items: row of q/out, query head, causal position; row < 0 marks no item. */
struct Items {
    int row[ITEMS_PER_WARP];
    int head[ITEMS_PER_WARP];
    int qpos[ITEMS_PER_WARP];
};

/** Online-softmax state per item: max m and sum l (base 2), unnormalised output pairs. */
struct State {
    float m[ITEMS_PER_WARP];
    float l[ITEMS_PER_WARP];
    float2 o[ITEMS_PER_WARP][MAX_PAIRS];
};

/**
 * Attends this warp's items over positions [kv_lo, kv_hi) of one sequence. Every thread of the block
 * must call it (it has block barriers). Items must fill each warp from r = 0 (an absent item r means
 * none after it) and keep a warp's items on one KV head.
 */
__device__ __forceinline__ void attend(const uint16_t* q, long long q_stride, const uint16_t* k_cache,
                                       const uint16_t* v_cache, const int* block_table, int block_size,
                                       int kv_dim, int kv_head, int head_dim, float scale_log2, const Items& items,
                                       int kv_lo, int kv_hi, State& st, uint16_t* smem) {
    __shared__ __align__(16) float probabilities[WARPS][TILE][ITEMS_PER_WARP];
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int d = head_dim;
    const int chunks = d / 8;  // 16-byte chunks per head row
    const int k_stride = d + 8;
    uint16_t* s_k = smem;
    uint16_t* s_v = s_k + TILE * k_stride;
    uint16_t* s_q = s_v + TILE * d + warp * ITEMS_PER_WARP * d;

    const bool active = items.row[0] >= 0;
    int last_qpos = -1;
#pragma unroll
    for (int r = 0; r < ITEMS_PER_WARP; r++) {
        st.m[r] = -INFINITY;
        st.l[r] = 0.0f;
#pragma unroll
        for (int i = 0; i < MAX_PAIRS; i++) st.o[r][i] = make_float2(0.0f, 0.0f);
        if (items.row[r] >= 0) {
            last_qpos = max(last_qpos, items.qpos[r]);
            const uint4* source = reinterpret_cast<const uint4*>(q + (long long)items.row[r] * q_stride
                                                                 + (long long)items.head[r] * d);
            uint4* target = reinterpret_cast<uint4*>(s_q + r * d);
            for (int c = lane; c < chunks; c += 32) target[c] = source[c];
        }
    }
    __syncwarp();

    for (int tile = kv_lo; tile < kv_hi; tile += TILE) {
        __syncthreads();  // every warp is done with the previous tile
        for (int task = threadIdx.x; task < TILE * chunks; task += THREADS) {
            const int j = task / chunks;
            const int c = task - j * chunks;
            const int pos = tile + j;
            uint4 key = make_uint4(0u, 0u, 0u, 0u);
            uint4 value = key;
            if (pos < kv_hi) {
                const long long slot = (long long)block_table[pos / block_size] * block_size + pos % block_size;
                const long long offset = slot * kv_dim + (long long)kv_head * d + c * 8;
                key = *reinterpret_cast<const uint4*>(k_cache + offset);
                value = *reinterpret_cast<const uint4*>(v_cache + offset);
            }
            *reinterpret_cast<uint4*>(s_k + j * k_stride + c * 8) = key;
            *reinterpret_cast<uint4*>(s_v + j * d + c * 8) = value;
        }
        __syncthreads();
        if (!active || tile > last_qpos) continue;  // warp-uniform: nothing of this tile is visible

        // Scores: lane = key.
        float score[ITEMS_PER_WARP];
#pragma unroll
        for (int r = 0; r < ITEMS_PER_WARP; r++) score[r] = 0.0f;
        const uint4* key_row = reinterpret_cast<const uint4*>(s_k + lane * k_stride);
        for (int c = 0; c < chunks; c++) {
            float k8[8];
            unpack_bf16x8(key_row[c], k8);
#pragma unroll
            for (int r = 0; r < ITEMS_PER_WARP; r++) {
                if (items.row[r] >= 0) {
                    float q8[8];
                    unpack_bf16x8(reinterpret_cast<const uint4*>(s_q + r * d)[c], q8);
#pragma unroll
                    for (int e = 0; e < 8; e++) score[r] = fmaf(q8[e], k8[e], score[r]);
                }
            }
        }

        // Online softmax.
        const int pos = tile + lane;
        float pr[ITEMS_PER_WARP];
#pragma unroll
        for (int r = 0; r < ITEMS_PER_WARP; r++) {
            float p = 0.0f;
            if (items.row[r] >= 0) {
                const bool visible = pos < kv_hi && pos <= items.qpos[r];
                const float x = visible ? score[r] * scale_log2 : -INFINITY;
                const float m = fmaxf(st.m[r], warp_max(x));
                float correction = 1.0f;
                if (m != -INFINITY) {
                    p = exp2f(x - m);
                    correction = exp2f(st.m[r] - m);
                }
                st.l[r] = st.l[r] * correction + warp_sum(p);
                st.m[r] = m;
#pragma unroll
                for (int i = 0; i < MAX_PAIRS; i++) {
                    st.o[r][i].x *= correction;
                    st.o[r][i].y *= correction;
                }
            }
            pr[r] = p;
        }
        static_assert(ITEMS_PER_WARP == 4, "probabilities are stored as one float4 per lane");
        *reinterpret_cast<float4*>(&probabilities[warp][lane][0]) = make_float4(pr[0], pr[1], pr[2], pr[3]);
        __syncwarp();

        // Values: lane owns pairs lane + 32 i.
        const int keys = min(TILE, kv_hi - tile);
        const uint32_t* v_words = reinterpret_cast<const uint32_t*>(s_v);
        const int pairs = d / 2;
        for (int j = 0; j < keys; j++) {
            const float4 p4 = *reinterpret_cast<const float4*>(&probabilities[warp][j][0]);
            const float pj[ITEMS_PER_WARP] = {p4.x, p4.y, p4.z, p4.w};
#pragma unroll
            for (int i = 0; i < MAX_PAIRS; i++) {
                const int pair = lane + 32 * i;
                if (pair < pairs) {
                    const uint32_t word = v_words[j * pairs + pair];
                    const float vx = bf16_lo(word);
                    const float vy = bf16_hi(word);
#pragma unroll
                    for (int r = 0; r < ITEMS_PER_WARP; r++) {
                        st.o[r][i].x = fmaf(pj[r], vx, st.o[r][i].x);
                        st.o[r][i].y = fmaf(pj[r], vy, st.o[r][i].y);
                    }
                }
            }
        }
    }
}

/** Writes item r's normalised output (o / l) as bf16 pairs to out_row (the head's first element). */
__device__ __forceinline__ void store_normalised(const State& st, int r, int head_dim, uint16_t* out_head) {
    const int lane = threadIdx.x & 31;
    const float inverse = st.l[r] > 0.0f ? 1.0f / st.l[r] : 0.0f;
    uint32_t* words = reinterpret_cast<uint32_t*>(out_head);
#pragma unroll
    for (int i = 0; i < MAX_PAIRS; i++) {
        const int pair = lane + 32 * i;
        if (pair < head_dim / 2) {
            words[pair] = pack_bf16x2(st.o[r][i].x * inverse, st.o[r][i].y * inverse);
        }
    }
}

}}  // namespace yalis::attention
