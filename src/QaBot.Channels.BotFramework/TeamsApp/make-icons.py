#!/usr/bin/env python3
"""Draws the Teams app icons (a white "Q" ring): color.png 192x192 on the accent colour, outline.png 32x32 white on
transparent, as the Teams app manifest requires. Standard library only; run again to regenerate."""
import math, struct, zlib, pathlib

ACCENT = (0x4F, 0x6B, 0xED)

def q_coverage(x, y, size):
    """1.0 inside the Q glyph (a ring plus a diagonal tail), 0.0 outside; supersampled by the caller."""
    c = size / 2
    r_out, r_in = size * 0.34, size * 0.22
    d = math.hypot(x - c, y - c)
    if r_in <= d <= r_out:
        return 1.0
    # Tail: a thick segment from the ring's lower right outwards.
    ax, ay, bx, by = c + size * 0.10, c + size * 0.10, c + size * 0.36, c + size * 0.36
    t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    return 1.0 if math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= size * 0.06 else 0.0

def render(size, background):
    rows = []
    for y in range(size):
        row = bytearray([0])  # filter type: none
        for x in range(size):
            n = 4
            a = sum(q_coverage(x + (i + 0.5) / n, y + (j + 0.5) / n, size) for i in range(n) for j in range(n)) / (n * n)
            if background:
                row += bytes(round(b + (255 - b) * a) for b in background) + b"\xff"
            else:
                row += bytes((255, 255, 255, round(255 * a)))
        rows.append(bytes(row))
    return png(size, size, b"".join(rows))

def png(w, h, raw):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

here = pathlib.Path(__file__).parent
(here / "color.png").write_bytes(render(192, ACCENT))
(here / "outline.png").write_bytes(render(32, None))
