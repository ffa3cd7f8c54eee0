"""Public media addresses for Meta, and the validation warning for private repositories."""

from __future__ import annotations

import pytest

from socialops.core.problems import CODES, WARNING
from socialops.errors import ConfigError
from socialops.networks.media_urls import PROBLEM_CODE, media_url_problem, profile_media_url, public_media_url
from socialops.repository.profiles import Profile
from socialops.validate.engine import validate_repository
from tests.helpers import make_repo

SHA = "0123456789abcdef0123456789abcdef01234567"
GH = {"GITHUB_REPOSITORY": "aurinko/social", "GITHUB_SHA": SHA}


def profile(network="facebook", **raw) -> Profile:
    return Profile(id="p", path="profiles/p.yaml", raw={"id": "p", "network": network, **raw},
                   lines={("network",): 2})


def test_default_is_raw_github_at_the_commit():
    url = public_media_url("content/2026/12/media/talo.jpg", env=GH)
    assert url == f"https://raw.githubusercontent.com/aurinko/social/{SHA}/content/2026/12/media/talo.jpg"


def test_path_parts_are_percent_encoded():
    url = public_media_url("content/media/kahvi ja pulla#1.jpg", env=GH)
    assert url.endswith("/content/media/kahvi%20ja%20pulla%231.jpg")


def test_media_base_url_overrides_per_profile():
    prof = profile(media_base_url="https://cdn.aurinko.example/social/")
    assert profile_media_url(prof, "content/a.jpg", GH) == "https://cdn.aurinko.example/social/content/a.jpg"
    assert profile_media_url(prof, "content/a.jpg", {}) == "https://cdn.aurinko.example/social/content/a.jpg"


def test_no_address_known_says_what_to_set():
    with pytest.raises(ConfigError, match="media_base_url") as info:
        profile_media_url(profile(), "content/a.jpg", {})
    assert info.value.path == "profiles/p.yaml"


@pytest.mark.parametrize("rel", ["../secret.jpg", "content/../../x.jpg", "", "content//a.jpg"])
def test_paths_that_leave_the_repository_are_refused(rel):
    with pytest.raises(ConfigError):
        public_media_url(rel, env=GH)


def test_bad_repository_variables_are_refused():
    with pytest.raises(ConfigError):
        public_media_url("a.jpg", env={"GITHUB_REPOSITORY": "no slash", "GITHUB_SHA": SHA})


def test_warning_only_for_meta_profiles_in_private_repositories_without_base_url():
    private = {"GITHUB_REPOSITORY_VISIBILITY": "private"}
    problem = media_url_problem(profile("instagram"), private)
    assert problem is not None and problem.severity == WARNING and problem.code == PROBLEM_CODE
    assert problem.line == 2 and "media_base_url" in problem.message
    assert media_url_problem(profile("instagram"), {"GITHUB_REPOSITORY_VISIBILITY": "public"}) is None
    assert media_url_problem(profile("instagram"), {}) is None
    assert media_url_problem(profile("instagram", media_base_url="https://cdn.example"), private) is None
    assert media_url_problem(profile("linkedin"), private) is None  # LinkedIn receives the bytes
    assert media_url_problem(profile("sandbox", imitates="instagram"), private) is None
    assert PROBLEM_CODE in CODES


def test_validate_reports_the_warning_in_a_private_repository(tmp_path, monkeypatch):
    root = make_repo(tmp_path / "repo", profiles={
        "cafe-fb": "network: facebook\ntoken_env: CAFE_FB_TOKEN\npage_id: '123'\n",
        "cafe-li": "network: linkedin\ntoken_env: CAFE_LI_TOKEN\norganization_id: '5'\n"}, schedule="timezone: UTC\n")
    monkeypatch.setenv("GITHUB_REPOSITORY_VISIBILITY", "private")
    found = [p for p in validate_repository(root, use_cache=False).problems if p.code == PROBLEM_CODE]
    assert [(p.path, p.line) for p in found] == [("profiles/cafe-fb.yaml", 1)]
    monkeypatch.setenv("GITHUB_REPOSITORY_VISIBILITY", "public")
    assert not [p for p in validate_repository(root, use_cache=False).problems if p.code == PROBLEM_CODE]
