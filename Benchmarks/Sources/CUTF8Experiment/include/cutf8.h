// An experiment, not part of the library: the Keiser & Lemire lookup UTF-8 kernel for AVX2,
// selected at run time with __builtin_cpu_supports. ws-bench reports it next to the library's
// portable Swift kernel so the decision to add (or not) a C target to the library rests on
// figures from the same run. See docs/decisions/0001-simd-masking-and-utf8.md.
#ifndef CUTF8_EXPERIMENT_H
#define CUTF8_EXPERIMENT_H
#include <stddef.h>
#include <stdint.h>

/// Whether this CPU has AVX2 (and the kernel was compiled in, x86_64 only).
int cutf8_has_avx2(void);

/// Validates whole 32-byte blocks of base[start..<count], each against the three bytes before
/// it, as the library's validateBlocks does. start must be a character boundary with start >= 3.
/// Returns the index after the last whole block, -1 if a block holds an error, -2 without AVX2.
ptrdiff_t cutf8_validate_blocks(const uint8_t *base, ptrdiff_t start, ptrdiff_t count);

#endif
