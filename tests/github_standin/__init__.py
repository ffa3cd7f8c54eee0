"""A local stand-in for the parts of GitHub's REST API that socialops uses.

Real HTTP on 127.0.0.1 (a random port), in-memory state, shaped per GitHub's OpenAPI
description (tests/test_github_standin.py validates every response kind against the committed
extract in tests/fixtures/github-openapi/). Faults can be injected: a dropped response after
the request was carried out, a 403 secondary rate limit with Retry-After, a 5xx.

    with GitHubStandin(token="t0ken") as gh:
        Github(base_url=gh.base_url, auth=Auth.Token("t0ken"))
"""

from .server import Fault, GitHubStandin, Recorded

__all__ = ["Fault", "GitHubStandin", "Recorded"]
