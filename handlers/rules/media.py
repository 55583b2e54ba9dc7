"""Real files for the URLs the mock hands out: placeholder images and zip archives."""

from __future__ import annotations

import hashlib
import io
import zipfile

from PIL import Image, ImageDraw

FORMATS = {
    "png": ("PNG", "image/png"),
    "jpg": ("JPEG", "image/jpeg"),
    "jpeg": ("JPEG", "image/jpeg"),
    "gif": ("GIF", "image/gif"),
}
MAX_SIDE = 4096


def image_format(name: str) -> tuple[str, str]:
    """(Pillow format, media type) for an image format name; unknown names are served as PNG."""
    return FORMATS.get(name.lower(), FORMATS["png"])


def placeholder_image(seed: str, fmt: str, width: int, height: int) -> tuple[bytes, str]:
    """An image of the given format and size, coloured from ``seed`` so each image looks distinct."""
    pillow_format, media_type = image_format(fmt)
    width, height = max(1, min(width, MAX_SIDE)), max(1, min(height, MAX_SIDE))
    digest = hashlib.sha256(seed.encode()).digest()
    image = Image.new("RGB", (width, height), tuple(digest[:3]))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline=tuple(digest[3:6]))
    draw.line((0, 0, width - 1, height - 1), fill=tuple(digest[3:6]))
    buffer = io.BytesIO()
    image.save(buffer, format=pillow_format)
    return buffer.getvalue(), media_type


def zip_archive(files: list[tuple[str, bytes]]) -> bytes:
    """A zip archive holding ``files`` (name, content), in order."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files:
            archive.writestr(name, content)
    return buffer.getvalue()
