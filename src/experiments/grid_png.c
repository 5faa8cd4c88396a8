/* grid_png.c - the raster side of the digit grids (grid.h): a 3 x 5 pixel
 * font for the captions (the digits and the letters of "out") and a
 * grey-scale PNG writer (8 bits a pixel, one IDAT chunk, zlib's deflate),
 * so that a grid needs no gnuplot.
 *
 * Owns: repro_raster_text, repro_png_write.
 * May call: grid.h (repro.h: paths, outputs), edd/io.h
 * (edd_file_write_atomic), zlib (compress2, crc32). */
#include "edd/io.h"
#include "grid.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* A glyph: 5 rows of 3 bits, the leftmost pixel the highest bit. */
typedef struct {
    char c;
    uint8_t rows[5];
} glyph;

static const glyph font[] = {
    {'0', {7, 5, 5, 5, 7}}, {'1', {2, 6, 2, 2, 7}}, {'2', {7, 1, 7, 4, 7}}, {'3', {7, 1, 7, 1, 7}},
    {'4', {5, 5, 7, 1, 1}}, {'5', {7, 4, 7, 1, 7}}, {'6', {7, 4, 7, 5, 7}}, {'7', {7, 1, 2, 2, 2}},
    {'8', {7, 5, 7, 5, 7}}, {'9', {7, 5, 7, 1, 7}}, {'o', {0, 7, 5, 5, 7}}, {'u', {0, 5, 5, 5, 7}},
    {'t', {2, 7, 2, 2, 3}},
};

static const glyph *glyph_of(char c)
{
    for (size_t i = 0; i < sizeof font / sizeof font[0]; i++)
        if (font[i].c == c)
            return &font[i];
    return NULL;
}

void repro_raster_text(uint8_t *px, int w, int h, int x, int y, int scale, uint8_t ink, const char *s)
{
    for (; *s; s++, x += 4 * scale) {
        const glyph *g = glyph_of(*s);
        for (int row = 0; g && row < 5 * scale; row++)
            for (int col = 0; col < 3 * scale; col++) {
                const int px_x = x + col, px_y = y + row;
                if ((g->rows[row / scale] >> (2 - col / scale) & 1) && px_x >= 0 && px_x < w && px_y >= 0 && px_y < h)
                    px[(size_t)px_y * (size_t)w + (size_t)px_x] = ink;
            }
    }
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A chunk at out: length, type, the len bytes of data (which may already
 * sit at out + 8), CRC; its size. */
static size_t chunk(unsigned char *out, const char *type, const unsigned char *data, size_t len)
{
    put32(out, (uint32_t)len);
    memcpy(out + 4, type, 4);
    if (len)
        memmove(out + 8, data, len);
    put32(out + 8 + len, (uint32_t)crc32(0L, out + 4, (uInt)(len + 4)));
    return len + 12;
}

edd_status repro_png_write(repro *r, const char *rel, const uint8_t *px, int w, int h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    const size_t raw_n = (size_t)h * ((size_t)w + 1);
    uLongf z_n = compressBound((uLong)raw_n);
    unsigned char *raw = malloc(raw_n + 1), *png = malloc(z_n + 64);
    edd_status st = EDD_OK;
    if (w < 1 || h < 1 || !raw || !png)
        st = edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: %d x %d pixels, expected a size that fits in memory", rel, w, h);
    for (int y = 0; !st && y < h; y++) {
        raw[(size_t)y * ((size_t)w + 1)] = 0; /* filter: none */
        memcpy(raw + (size_t)y * ((size_t)w + 1) + 1, px + (size_t)y * (size_t)w, (size_t)w);
    }
    size_t n = sizeof sig;
    if (!st) {
        unsigned char ihdr[13] = {0};
        put32(ihdr, (uint32_t)w);
        put32(ihdr + 4, (uint32_t)h);
        ihdr[8] = 8; /* bits a pixel; colour type 0 (grey), no interlace */
        memcpy(png, sig, sizeof sig);
        n += chunk(png + n, "IHDR", ihdr, sizeof ihdr);
        if (compress2(png + n + 8, &z_n, raw, (uLong)raw_n, Z_BEST_COMPRESSION) != Z_OK)
            st = edd_fail(r->ctx, EDD_ERR_NOMEM, "%s: zlib could not deflate %zu bytes, expected it to", rel, raw_n);
    }
    if (!st) {
        n += chunk(png + n, "IDAT", png + n + 8, z_n);
        n += chunk(png + n, "IEND", NULL, 0);
        char path[EDD_PATH_MAX];
        const void *chunks[1] = {png};
        st = repro_path(r, rel, path);
        if (!st)
            st = edd_file_write_atomic(r->ctx, path, chunks, &n, 1);
    }
    free(raw);
    free(png);
    return st ? st : repro_output(r, rel);
}
