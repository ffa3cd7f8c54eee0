"""The Graph API contract check itself (tests/contract): Meta's SDK refuses what it does not declare, and the
recorder sees every request and every key read from the answers."""

from __future__ import annotations

import httpx

from tests.contract import graph_sdk
from tests.contract.plugin import Exchange, judge


def problems(method, path, params, universe=graph_sdk.UNIVERSE):
    return graph_sdk.check_request(method, path, params, universe).problems


def test_declared_edges_params_and_enums_pass():
    assert problems("POST", ["104", "photos"], {"url": "https://x/a.jpg", "alt_text_custom": "A", "published": "false"}) == []
    assert problems("POST", ["1784", "media"], {"image_url": "https://x/a.jpg", "alt_text": "A", "caption": "c"}) == []
    assert problems("POST", ["104", "video_reels"], {"upload_phase": "start"}) == []
    assert problems("POST", ["104", "feed"], {"message": "m", "attached_media[0]": '{"media_fbid": "1"}'}) == []
    assert problems("POST", ["104", "live_videos"], {"status": "SCHEDULED_UNPUBLISHED",
                                                     "event_params": '{"start_time": 1764950400}'}) == []


def test_an_undeclared_parameter_enum_value_edge_or_field_is_refused():
    assert problems("POST", ["104", "photos"], {"url": "u", "alt_text_customs": "A"}) == [
        "POST Page/photos has no parameter 'alt_text_customs'"]
    assert problems("POST", ["104", "video_stories"], {"upload_phase": "start"}) == [
        "POST Page/video_stories: 'upload_phase=start' is not one of ['FINISH', 'START']"]
    assert problems("POST", ["104", "tweets"], {}) == ["no Page or Instagram object has the edge POST /{id}/tweets"]
    assert problems("GET", ["104"], {"fields": "id,name,favourite_colour"}, graph_sdk.REALMS["facebook"]) == [
        "Page has no field or edge 'favourite_colour'"]
    assert problems("POST", ["104", "live_videos"], {"event_params": "1764950400"}) == [
        "POST Page/live_videos: 'event_params' takes a JSON object, not '1764950400'"]
    assert problems("POST", ["1784", "media_publish"], {"creation_id": "abc"}) == [
        "POST IGUser/media_publish: 'creation_id' takes a number, not 'abc'"]


def test_nested_field_expansions_and_edges_as_fields_are_checked():
    fields = "id,text,username,timestamp,hidden,from{id,username},replies{id,text,hidden}"
    assert problems("GET", ["1790", "comments"], {"fields": fields}) == []
    assert problems("GET", ["1790", "comments"], {"fields": "id,replies{id,colour}"}, graph_sdk.REALMS["instagram"]) == [
        "IGComment has no field or edge 'colour'"]
    assert problems("GET", ["104_1"], {"fields": "shares,comments.limit(0).summary(true)"}) == []


def test_what_only_the_reference_documents_passes_and_names_its_source():
    verdict = graph_sdk.check_request("GET", ["1784", "insights"], {
        "metric": "follower_demographics", "period": "lifetime", "metric_type": "total_value",
        "timeframe": "this_month", "breakdown": "age,gender"}, graph_sdk.REALMS["instagram"])
    assert verdict.problems == [] and verdict.documented == graph_sdk.INSIGHTS_DOC
    assert problems("GET", ["1784", "insights"], {"metric": "impressions2"}, graph_sdk.REALMS["instagram"])


def test_reads_of_undeclared_fields_are_found():
    edge = graph_sdk.check_request("GET", ["1789"], {"fields": "status_code,status"}).edges[0]
    assert graph_sdk.read_problems(edge, {("status_code",), ("status",)}, 200) == []
    assert graph_sdk.read_problems(edge, {("error_message",)}, 200) == [
        "GET ShadowIGMediaBuilder: the adapter read 'error_message' of a ShadowIGMediaBuilder, which the SDK does "
        "not declare"]
    assert graph_sdk.read_problems(edge, {("anything",)}, 400) == []  # Meta's error envelope
    listing = graph_sdk.check_request("GET", ["104", "published_posts"], {"fields": "id,message"}).edges[0]
    assert graph_sdk.read_problems(listing, {("data", "[]", "message"), ("paging", "next")}, 200) == []
    assert graph_sdk.read_problems(listing, {("data", "[]", "caption")}, 200) == [
        "GET Page/published_posts: the adapter read 'caption' of a PagePost, which the SDK does not declare"]
    photo = graph_sdk.check_request("POST", ["104", "photos"], {"url": "u"}).edges[0]
    assert graph_sdk.read_problems(photo, {("id",), ("post_id",)}, 200) == []  # post_id: Meta's reference


def test_an_id_seen_answering_only_instagram_edges_is_judged_by_instagram_types():
    exchanges = [Exchange("GET", ["1784"], {"fields": "followers_count,follows_count,media_count"}, 200),
                 Exchange("GET", ["1784", "insights"], {"metric": "views,colour", "period": "day"}, 200)]
    assert judge(exchanges) == ["GET /1784/insights: GET IGUser/insights: 'metric=colour' is not one of "
                                f"{sorted(graph_sdk.sdk_class('IGUser').get_edge('insights').enums['metric_enum'])}"]


def test_the_recorder_sees_requests_and_the_keys_read(graph_contract):
    def answer(request):
        return httpx.Response(200, json={"id": "1", "status_code": "FINISHED", "data": [{"id": "2"}]})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        body = client.get("https://graph.facebook.com/v26.0/1789", params={"fields": "status_code"}).json()
        assert body.get("status_code") == "FINISHED" and [e["id"] for e in body["data"]] == ["2"]
        client.post("https://graph.facebook.com/v26.0/1784/media", data={"image_url": "u", "caption": "c"})
        client.get("https://example.org/v26.0/elsewhere")  # not Graph: not recorded
    first, second = graph_contract
    assert (first.method, first.path, first.params, first.status) == ("GET", ["1789"], {"fields": "status_code"}, 200)
    assert first.reads == {("status_code",), ("data",), ("data", "[]", "id")}
    assert second.params == {"image_url": "u", "caption": "c"} and len(graph_contract) == 2
    graph_contract.clear()  # the check at the end of this test has nothing to judge


# --- LinkedIn: the Rest.li 2.0 wire format of LinkedIn's official client ------------------------------------------

LI_HEADERS = {"Authorization": "Bearer t", "LinkedIn-Version": "202606", "X-Restli-Protocol-Version": "2.0.0"}


def test_restli_encoding_of_keys_lists_and_records_as_linkedins_client_writes_it():
    from tests.contract import restli

    assert restli.request_problems("GET", "/rest/images/urn%3Ali%3Aimage%3AD4E10", "", LI_HEADERS) == []
    assert restli.request_problems(
        "GET", "/rest/organizationalEntityFollowerStatistics",
        "q=organizationalEntity&organizationalEntity=urn%3Ali%3Aorganization%3A1"
        "&timeIntervals=(timeRange:(start:1,end:2),timeGranularityType:DAY)&shares=List(urn%3Ali%3Ashare%3A7)",
        LI_HEADERS) == []
    assert restli.request_problems("GET", "/rest/images/urn:li:image:D4E10", "", LI_HEADERS) == [
        "the path key 'urn:li:image:D4E10' is written 'urn%3Ali%3Aimage%3AD4E10' by LinkedIn's client (Rest.li 2.0)"]
    assert restli.request_problems("GET", "/rest/x", "shares=List(urn:li:share:7)", LI_HEADERS) == [
        "the query value of shares 'List(urn:li:share:7)' is written 'List(urn%3Ali%3Ashare%3A7)' by LinkedIn's "
        "client (Rest.li 2.0)"]
    assert restli.request_problems("POST", "/rest/posts", "q=author", {**LI_HEADERS, "X-Restli-Protocol-Version": "1"}) == [
        "header x-restli-protocol-version is '1', LinkedIn's client sends '2.0.0'",
        "a finder (q=) is a GET in Rest.li, not POST"]
    assert restli.request_problems("GET", "/rest/images", "action=initializeUpload", {"Authorization": "Bearer t"})[1:] \
        == ["a versioned call needs LinkedIn-Version: YYYYMM and Authorization: Bearer",
            "an action (action=) is a POST in Rest.li, not GET"]


def test_the_recorder_judges_every_linkedin_request():
    from tests.contract.plugin import _record_linkedin

    found: list[str] = []
    _record_linkedin(httpx.Request("GET", "https://api.linkedin.com/rest/images/urn:li:image:1", headers=LI_HEADERS),
                     found)
    _record_linkedin(httpx.Request("GET", "https://example.org/rest/images/urn:li:image:1"), found)
    assert found == ["GET /rest/images/urn:li:image:1: the path key 'urn:li:image:1' is written "
                     "'urn%3Ali%3Aimage%3A1' by LinkedIn's client (Rest.li 2.0)"]
