"""The harness's generic checks piece by piece: files behind links, list queries, the second
caller, the one-user note. (``tests/test_verify.py`` runs them whole against the mock and the
broken variants.)"""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from specmock.auth import decode_unverified
from specmock.verify import Target
from specmock.verify.links import _declared, file_problems
from specmock.verify.report import summary
from specmock.verify.runner import check_settings
from specmock.verify.target import SECOND_USER, second_claims


def _picture(fmt: str, size: tuple[int, int] = (48, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


class _Answer:
    def __init__(self, content: bytes, media_type: str, status: int = 200) -> None:
        self.content, self.status, self.media_type = content, status, media_type
        self.ok = 200 <= status < 300

    def json(self):
        return None


def test_a_real_zip_of_real_images_passes():
    content = _zip({"a.png": _picture("PNG"), "b.jpg": _picture("JPEG"), "notes.txt": b"hello"})
    assert file_problems(_Answer(content, "application/zip"), {"application/zip"}, {}) == []


@pytest.mark.parametrize("content, problem", [
    (b"PK\x03\x04 not really", "not a zip archive"),
    (_zip({"a.png": _picture("JPEG")}), "zip entry 'a.png': the image is JPEG"),
    (_zip({"a.gif": b"no image at all"}), "zip entry 'a.gif': the 15 bytes are not an image"),
])
def test_a_zip_that_lies_is_named(content, problem):
    assert problem in "; ".join(file_problems(_Answer(content, "application/zip"), {"application/zip"}, {}))


def test_a_corrupt_zip_entry_is_named():
    content = bytearray(_zip({"a.txt": b"x" * 100}))
    content[content.index(b"x" * 100)] = ord("y")  # the stored bytes no longer match their checksum
    assert "entry 'a.txt' of the zip is corrupt" in file_problems(_Answer(bytes(content), "application/zip"),
                                                                  {"application/zip"}, {})


def test_an_image_of_the_declared_format_and_size_passes():
    assert file_problems(_Answer(_picture("PNG"), "image/png"), {"image/png"},
                         {"format": "png", "width": 48, "height": 48}) == []


@pytest.mark.parametrize("content, media, declared, problem", [
    (_picture("JPEG"), "image/png", {}, "the image is JPEG, its Content-Type says PNG"),
    (_picture("PNG"), "image/png", {"format": "jpg"}, "the answer declares format 'jpg'"),
    (_picture("PNG", (10, 10)), "image/png", {"format": "png", "width": 48, "height": 48}, "10x10"),
    (b"<html>oops</html>", "image/png", {}, "not an image"),
    (_picture("PNG"), "text/html", {}, "answered Content-Type text/html"),
])
def test_an_image_that_lies_is_named(content, media, declared, problem):
    assert problem in "; ".join(file_problems(_Answer(content, media), {"image/png", "image/jpeg"}, declared))


def test_a_dead_link_is_named():
    assert file_problems(_Answer(b"", "application/problem+json", 404), {"image/png"}, {}) == ["answered 404"]


def test_the_declared_format_and_size_are_those_beside_the_format():
    item = {"url": "/x", "image": {"width": 10, "height": 10, "infos": {"format": "png", "width": 48, "height": 48}}}
    assert _declared(item, [(item, "/x", None)]) == {"format": "png", "width": 48, "height": 48}
    two = {"thumbnail": "/t", "large": "/l", "width": 10, "height": 10}
    assert _declared(two, [(two, "/t", None), (two, "/l", None)]) == {}


def test_the_second_caller_is_another_user_with_the_same_abilities():
    claims = {"user_id": "u1", "username": "ann", "email": "ann@example.com", "download": True}
    second = second_claims(claims)
    assert second["user_id"] == second["sub"] == second["username"] == SECOND_USER
    assert second["email"] != claims["email"] and second["download"] is True


def test_without_headers_verify_mints_a_second_demo_user_for_every_document():
    target = Target("http://127.0.0.1:1")
    for api in target.apis:
        first, second = check_settings(target, api)["first"], check_settings(target, api)["second"]
        assert set(first) == set(second)
        for header, value in second.items():
            assert value != first[header]
            claims = decode_unverified(value.split()[-1].removeprefix('token="').rstrip('"'))
            assert claims and claims["user_id"] == SECOND_USER


def test_with_headers_the_second_user_must_be_given():
    alone = Target("http://127.0.0.1:1", headers=["Authentication: Bearer mine"])
    assert check_settings(alone, "content_requests")["second"] is None
    assert "One user only" in summary(alone, [])
    both = Target("http://127.0.0.1:1", headers=["Authentication: Bearer mine", "X-Tenant: 7"],
                  second_headers=["Authentication: Bearer theirs"])
    assert check_settings(both, "content_requests")["second"] == {"Authentication": "Bearer theirs"}
    assert "One user only" not in summary(both, [])


def test_the_document_names_its_domain_checks():
    assert check_settings(Target("http://127.0.0.1:1"), "downloads")["checks"] == ["specmock.media.checks"]
