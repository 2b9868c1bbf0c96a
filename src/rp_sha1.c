/*
 * rp_sha1.c: a small, portable SHA-1, written from FIPS 180-4.
 */

#include <string.h>

#include "rp_sha1.h"


#define RP_ROL(x, n)  (((x) << (n)) | ((x) >> (32 - (n))))


static void
rp_sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t  w[80], a, b, c, d, e, f, k, t;
    int       i;

    for (i = 0; i < 16; i++) {
        w[i] = (uint32_t) p[4 * i] << 24 | (uint32_t) p[4 * i + 1] << 16
               | (uint32_t) p[4 * i + 2] << 8 | (uint32_t) p[4 * i + 3];
    }
    for (i = 16; i < 80; i++) {
        w[i] = RP_ROL(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }

    a = h[0]; b = h[1]; c = h[2]; d = h[3]; e = h[4];

    for (i = 0; i < 80; i++) {
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        t = RP_ROL(a, 5) + f + e + k + w[i];
        e = d; d = c; c = RP_ROL(b, 30); b = a; a = t;
    }

    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}


void
rp_sha1(const void *data, size_t len, uint8_t digest[20])
{
    uint32_t        h[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
                             0xc3d2e1f0 };
    const uint8_t  *p = data;
    uint8_t         tail[128];
    size_t          rest, n, i;
    uint64_t        bits = (uint64_t) len * 8;

    for (n = len; n >= 64; n -= 64, p += 64) {
        rp_sha1_block(h, p);
    }

    rest = n;
    memset(tail, 0, sizeof(tail));
    memcpy(tail, p, rest);
    tail[rest] = 0x80;
    n = rest + 1 + 8 <= 64 ? 64 : 128;
    for (i = 0; i < 8; i++) {
        tail[n - 1 - i] = (uint8_t) (bits >> (8 * i));
    }

    rp_sha1_block(h, tail);
    if (n == 128) {
        rp_sha1_block(h, tail + 64);
    }

    for (i = 0; i < 5; i++) {
        digest[4 * i] = (uint8_t) (h[i] >> 24);
        digest[4 * i + 1] = (uint8_t) (h[i] >> 16);
        digest[4 * i + 2] = (uint8_t) (h[i] >> 8);
        digest[4 * i + 3] = (uint8_t) h[i];
    }
}


void
rp_sha1_hex(const void *data, size_t len, char out[41])
{
    static const char  hex[] = "0123456789abcdef";
    uint8_t            d[20];
    int                i;

    rp_sha1(data, len, d);

    for (i = 0; i < 20; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[40] = '\0';
}
