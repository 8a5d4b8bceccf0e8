"""The stand-in's file uploads: the three steps of ``files_upload_v2``, each checked as Slack checks it."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.files import PNG_MAGIC
from bot.sandbox.standin import SlackStandIn


@pytest.fixture
def standin():
    with SlackStandIn(team_id="TX") as running:
        yield running


@pytest.fixture
def client(standin):
    return WebClient(token="xoxb-1", base_url=standin.url)


def test_an_upload_keeps_its_bytes_and_where_it_was_shared(standin, client):
    picture = PNG_MAGIC + b"rest of a picture"

    answer = client.files_upload_v2(
        channel="D1", content=picture, filename="f.png", title="A chart", initial_comment="hi"
    )

    (uploaded,) = standin.files.uploaded
    assert (uploaded.content, uploaded.channel, uploaded.initial_comment, uploaded.title) == (
        picture,
        "D1",
        "hi",
        "A chart",
    )
    assert answer["file"]["id"] == uploaded.id and answer["file"]["mimetype"] == "image/png"
    assert answer["file"]["ims"] == ["D1"] and answer["file"]["size"] == len(picture)
    assert standin.files.shared_into("D1") == [uploaded] and standin.files.shared_into(None) == []


def test_an_upload_url_needs_a_name_and_a_length(client):
    with pytest.raises(SlackApiError) as refused:
        client.api_call("files.getUploadURLExternal", params={"filename": "f.png"})
    assert refused.value.response["error"] == "invalid_arguments"


def test_bytes_of_another_length_than_declared_are_refused(standin, client):
    url = client.files_getUploadURLExternal(filename="f.png", length=10)["upload_url"]

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=b"short", method="POST"))
    assert refused.value.code == 400


def test_a_file_never_uploaded_cannot_be_completed(standin, client):
    file_id = client.files_getUploadURLExternal(filename="f.png", length=3)["file_id"]

    with pytest.raises(SlackApiError) as refused:
        client.files_completeUploadExternal(files=[{"id": file_id, "title": "t"}], channel_id="D1")
    assert refused.value.response["error"] == "file_not_found"
    assert standin.files.uploaded == []
