"""Business rules as pure functions."""

from __future__ import annotations

import io
import random
import zipfile
from datetime import date

import pytest
from openapi_schema_validator import OAS30Validator
from PIL import Image

from specmock.behaviours.generate import generate
from specmock.behaviours.paging import ordered_page, page_links, page_slice, sorted_page
from specmock.media.rules import content_lifecycle as rules
from specmock.media.rules.media import placeholder_image, zip_archive
from specmock.problems import Conflict, Unprocessable
from tests.conftest import BUNDLED

TODAY = date(2026, 11, 22)


def record(**changes):
    base = {"id": 1, "owner": 1, "status": "pending", "time_type": "One-Time",
            "expiration_date": "2099-01-01T00:00:00.000Z", "name": "n", "recipient": "r", "prompt": "p",
            "media_files": []}
    return {**base, **changes}


@pytest.mark.parametrize("page, expected", [(1, [1, 2, 3]), (2, [4, 5, 6]), (4, [10]), (5, [])])
def test_page_slice(page, expected):
    assert page_slice(list(range(1, 11)), page, 3) == expected


def test_page_slice_refuses_pages_below_one():
    with pytest.raises(ValueError):
        page_slice([1], 0, 10)


def test_page_links():
    url = "http://mock/api/v1/image_requests"
    assert page_links(url, {"page_size": 2}, 1, 2, 5) == (f"{url}?page_size=2&page=2", None)
    assert page_links(url, {"page_size": 2}, 3, 2, 5) == (None, f"{url}?page_size=2&page=2")
    assert page_links(url, {}, 1, 10, 0) == (None, None)
    assert page_links(url, {}, 9, 10, 15)[1] == f"{url}?page=2", "previous of a page past the end is the last page"


@pytest.mark.parametrize("text, day", [("2022/06/07", date(2022, 6, 7)), ("2024-02-29", date(2024, 2, 29))])
def test_input_dates(text, day):
    assert rules.parse_input_date(text, "f") == day
    assert rules.output_date(day) == f"{day.isoformat()}T00:00:00.000Z"


@pytest.mark.parametrize("text", ["2022/02/30", "2023/02/29", "2022/13/01", "07/06/2022"])
def test_impossible_dates_are_unprocessable_and_name_the_field(text):
    with pytest.raises(Unprocessable) as caught:
        rules.parse_input_date(text, "body.content_request.expiration_date")
    assert caught.value.errors[0].field == "body.content_request.expiration_date"


def test_expiry_lasts_through_the_expiration_day():
    assert not rules.is_expired("2026-11-22T00:00:00.000Z", TODAY)
    assert rules.is_expired("2026-11-21T00:00:00.000Z", TODAY)


def test_tokens_are_16_hex_and_distinct():
    tokens = {rules.new_token() for _ in range(200)}
    assert len(tokens) == 200 and all(len(t) == 16 and int(t, 16) >= 0 for t in tokens)
    assert rules.link_for_copy("4c38da5893b1f793") == "/content_requests/4c38da5893b1f793"


def test_cancel_only_from_pending():
    assert rules.cancel(record()) == {"status": "canceled"}
    for status in ("canceled", "completed"):
        with pytest.raises(Conflict):
            rules.cancel(record(status=status))


def test_complete_transitions():
    files = [{"name": "a"}]
    assert rules.complete(record(), files, TODAY) == {"status": "completed", "media_files": files}
    again = rules.complete(record(status="completed", time_type="Multi-Use", media_files=files), files, TODAY)
    assert again["media_files"] == files * 2
    for refused in (record(status="canceled"), record(status="completed"),
                    record(expiration_date="2020-01-01T00:00:00.000Z")):
        with pytest.raises(Conflict):
            rules.complete(refused, files, TODAY)


def test_matcher_filters_by_owner_and_pending_and_searches_case_insensitively():
    assert rules.matcher(1, True, "holiday")(record(name="Holiday Photos"))
    assert rules.matcher(1, True, "video")(record(prompt="Send the VIDEO"))
    assert not rules.matcher(1, True, "absent")(record())
    assert not rules.matcher(1, True, None)(record(status="canceled"))
    assert rules.matcher(1, False, None)(record(status="canceled"))
    assert not rules.matcher(2, True, None)(record())


@pytest.mark.parametrize("page", [1, 2, 3, 7, 40])
@pytest.mark.parametrize("reverse", [False, True])
def test_sorted_page_equals_a_slice_of_the_full_sort(page, reverse):
    items = [(n * 37) % 101 for n in range(200)]  # with repeats
    key = lambda n: n  # noqa: E731
    assert sorted_page(items, key, reverse, page, 5) == page_slice(sorted(items, reverse=reverse), page, 5)
    ascending = [(n // 3, n) for n in range(400)]  # stored order: oldest first, ties broken by the second part
    assert sorted_page(ascending, key, reverse, page, 5) == page_slice(sorted(ascending, reverse=reverse), page, 5)


def test_sort_key_orders_text_case_insensitively_with_id_ties():
    records = [record(id=1, name="b"), record(id=2, name="A"), record(id=3, name="a")]
    assert [r["id"] for r in sorted(records, key=rules.sort_key("name"))] == [2, 3, 1]
    assert [r["id"] for r in sorted(records, key=rules.sort_key("name"), reverse=True)] == [1, 3, 2]


@pytest.mark.parametrize("fmt, pillow", [("png", "PNG"), ("jpg", "JPEG"), ("gif", "GIF")])
def test_placeholder_images_have_the_format_and_size(fmt, pillow):
    content, media_type = placeholder_image("seed", fmt, 48, 30)
    image = Image.open(io.BytesIO(content))
    assert image.format == pillow and image.size == (48, 30) and media_type.startswith("image/")


def test_zip_archive_holds_each_file():
    archive = zipfile.ZipFile(io.BytesIO(zip_archive([("a.png", b"1"), ("b.png", b"22")])))
    assert archive.namelist() == ["a.png", "b.png"] and archive.read("b.png") == b"22"


@pytest.mark.parametrize("schema_name", ["ContentRequestDetail", "ContentRequestWithUser", "ContentRequestList"])
def test_generated_examples_fit_their_schema(schema_name):
    document = BUNDLED.documents["content_requests"]
    spec = document.spec
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    for seed in range(5):
        for prefer_examples in (True, False):
            value = generate(document, spec["components"]["schemas"][schema_name], random.Random(seed),
                             prefer_examples=prefer_examples)
            OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER).validate(value)


@pytest.mark.parametrize("page", [1, 2, 3, 7, 40])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("size", [0, 1, 5, 23])
def test_ordered_page_equals_a_slice_of_the_ordered_items(page, reverse, size):
    items = list(range(size))
    assert ordered_page(items, reverse, page, 5) == page_slice(sorted(items, reverse=reverse), page, 5)


def test_ordered_page_refuses_pages_below_one():
    with pytest.raises(ValueError):
        ordered_page([1], True, 0, 10)

