// The system zlib (zlib1g-dev on Debian/Ubuntu; part of the SDK on Darwin), plus functions for
// zlib's initialisation macros, which Swift cannot import.
#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H

#include <zlib.h>

/// deflateInit2 for raw deflate (no zlib header) with the default strategy.
static inline int czlib_deflate_init_raw(z_streamp stream, int level, int windowBits, int memLevel) {
    return deflateInit2(stream, level, Z_DEFLATED, -windowBits, memLevel, Z_DEFAULT_STRATEGY);
}

/// inflateInit2 for raw deflate (no zlib header).
static inline int czlib_inflate_init_raw(z_streamp stream, int windowBits) {
    return inflateInit2(stream, -windowBits);
}

#endif
