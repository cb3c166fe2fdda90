// Keiser & Lemire, "Validating UTF-8 in less than one instruction per byte" (2021), the
// "lookup" algorithm with the tables from the paper (as in simdjson). Blocks are checked against
// prev1..prev3 loaded unaligned from memory, like the library's portable kernel.
// Built without special flags: the AVX2 function carries __attribute__((target("avx2"))).
#include "cutf8.h"
#if defined(__x86_64__)
#include <immintrin.h>

enum {
    TOO_SHORT = 1 << 0, TOO_LONG = 1 << 1, OVERLONG_3 = 1 << 2, TOO_LARGE = 1 << 3,
    SURROGATE = 1 << 4, OVERLONG_2 = 1 << 5, TOO_LARGE_1000 = 1 << 6, OVERLONG_4 = 1 << 6,
    TWO_CONTS = 1 << 7, CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

#define T16(a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p) _mm256_setr_epi8( \
    (char)(a),(char)(b),(char)(c),(char)(d),(char)(e),(char)(f),(char)(g),(char)(h),(char)(i),(char)(j),(char)(k),(char)(l),(char)(m),(char)(n),(char)(o),(char)(p), \
    (char)(a),(char)(b),(char)(c),(char)(d),(char)(e),(char)(f),(char)(g),(char)(h),(char)(i),(char)(j),(char)(k),(char)(l),(char)(m),(char)(n),(char)(o),(char)(p))

__attribute__((target("avx2")))
static ptrdiff_t validate_avx2(const uint8_t *base, ptrdiff_t start, ptrdiff_t count) {
    const __m256i byte1High = T16(TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
        TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, TOO_SHORT | OVERLONG_2, TOO_SHORT,
        TOO_SHORT | OVERLONG_3 | SURROGATE, TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
    const __m256i byte1Low = T16(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY,
        CARRY | TOO_LARGE, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
        CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000);
    const __m256i byte2High = T16(TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
        TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i third = _mm256_set1_epi8((char)(0xE0 - 0x80)), fourth = _mm256_set1_epi8((char)(0xF0 - 0x80));
    const __m256i top = _mm256_set1_epi8((char)0x80);
    __m256i error = _mm256_setzero_si256();
    ptrdiff_t i = start;
    for (; i + 32 <= count; i += 32) {
        __m256i input = _mm256_loadu_si256((const __m256i *)(base + i));
        __m256i prev1 = _mm256_loadu_si256((const __m256i *)(base + i - 1));
        if (_mm256_movemask_epi8(input) == 0) {
            if (base[i - 1] >= 0xC0 || base[i - 2] >= 0xE0 || base[i - 3] >= 0xF0) return -1;
            continue;
        }
        __m256i prev2 = _mm256_loadu_si256((const __m256i *)(base + i - 2));
        __m256i prev3 = _mm256_loadu_si256((const __m256i *)(base + i - 3));
        __m256i b1h = _mm256_shuffle_epi8(byte1High, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), nibble));
        __m256i b1l = _mm256_shuffle_epi8(byte1Low, _mm256_and_si256(prev1, nibble));
        __m256i b2h = _mm256_shuffle_epi8(byte2High, _mm256_and_si256(_mm256_srli_epi16(input, 4), nibble));
        __m256i special = _mm256_and_si256(_mm256_and_si256(b1h, b1l), b2h);
        __m256i must23 = _mm256_and_si256(_mm256_or_si256(_mm256_subs_epu8(prev2, third), _mm256_subs_epu8(prev3, fourth)), top);
        error = _mm256_or_si256(error, _mm256_xor_si256(must23, special));
    }
    return _mm256_testz_si256(error, error) ? i : -1;
}

int cutf8_has_avx2(void) { return __builtin_cpu_supports("avx2"); }

ptrdiff_t cutf8_validate_blocks(const uint8_t *base, ptrdiff_t start, ptrdiff_t count) {
    static int avx2 = -1;
    if (avx2 < 0) avx2 = __builtin_cpu_supports("avx2");
    if (!avx2) return -2;
    return validate_avx2(base, start, count);
}
#else
int cutf8_has_avx2(void) { return 0; }
ptrdiff_t cutf8_validate_blocks(const uint8_t *base, ptrdiff_t start, ptrdiff_t count) { return -2; }
#endif
