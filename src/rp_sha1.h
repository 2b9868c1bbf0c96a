/*
 * rp_sha1.h: SHA-1 (FIPS 180-4), only to name the store's Lua script the
 * way Redis does (EVALSHA). Not for anything security related.
 */

#ifndef RP_SHA1_H
#define RP_SHA1_H

#include <stddef.h>
#include <stdint.h>

void rp_sha1(const void *data, size_t len, uint8_t digest[20]);
void rp_sha1_hex(const void *data, size_t len, char out[41]);

#endif /* RP_SHA1_H */
