"""The dashboard in a real browser: Debian's headless Chromium driven by Selenium (no browser download).

What a person sees: posts in the right calendar cells, mock-ups with their text and images, charts drawn
from the CSVs, no console errors, no serious accessibility violation (axe-core), a page that works by
keyboard. Screenshots of the calendar and a post page are kept in build/test-artifacts/site/ (CI uploads
that folder). Without Chromium and its driver the tests skip, or fail when CI is set.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from socialops.site.build import build_site
from socialops.state.publications import Event, Ledger
from tests.helpers import write
from tests.servers.fixtures import require
from tests.site_support import NOW, site_repo

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent.parent / "build" / "test-artifacts" / "site"


def chromium() -> tuple[str | None, str | None]:
    """The browser and its driver: Debian's chromium and chromium-driver, or the Chrome that GitHub's runners
    carry (its driver's folder in CHROMEWEBDRIVER)."""
    browser = shutil.which("chromium") or shutil.which("google-chrome")
    folder = os.environ.get("CHROMEWEBDRIVER")
    driver = shutil.which("chromedriver") or (shutil.which("chromedriver", path=folder) if folder else None)
    return browser, driver


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = site_repo(tmp_path_factory.mktemp("repo") / "repo")
    Ledger(root).append([Event(dt.datetime(2026, 11, 18, 7, 0, tzinfo=dt.UTC), "late-night", "cafe-insta",
                               "published", attempt=1, key="k", remote_id="1", url="https://instagram.com/p/1")])
    write(root / "metrics/followers.csv", "date,profile,network,followers,follows,posts,gained,lost\n" + "".join(
        f"2026-11-{day:02d},cafe-masto,mastodon,{100 + day * 3},,,,\n" for day in range(10, 20)))
    write(root / "metrics/posts.csv", """\
        profile,post_id,network,type,pillar,published_at,url,remote_id,status,impressions,reach,views,likes,comments,shares,quotes,saves,clicks,engagement,engagement_rate,rate_base,updated
        cafe-insta,late-night,instagram,image,menu,2026-11-18T07:00:00Z,https://instagram.com/p/1,1,live,400,,,30,4,,,2,,36,0.09,reach,2026-11-19T00:00:00Z
        """)
    out = tmp_path_factory.mktemp("site")
    build_site(root, out, now=NOW, brand="Cafe Aurinko")
    return out


@pytest.fixture(scope="module")
def browser():
    binary, driver_path = chromium()
    require(None if binary and driver_path else "chromium or chromedriver is not installed (apt-get install "
            "chromium chromium-driver)", "headless Chromium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def open_page(browser, site: Path, rel: str) -> None:
    browser.get((site / rel).as_uri())
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert errors == [], f"console errors on {rel}: {errors}"


def cell_text(browser, day: int) -> str:
    from selenium.webdriver.common.by import By

    for cell in browser.find_elements(By.CSS_SELECTOR, "table.month td:not(.other)"):
        if cell.find_element(By.CSS_SELECTOR, ".day").text == str(day):
            return cell.text
    raise AssertionError(f"no cell for day {day}")


def screenshot(browser, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    assert browser.save_screenshot(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return path


def test_the_calendar_shows_the_months_posts_in_the_right_cells(browser, site):
    open_page(browser, site, "calendar/2026-12.html")
    assert "23:30 planned · cafe-masto" in cell_text(browser, 1) and "Late night menu" in cell_text(browser, 1)
    assert "Late night menu" not in cell_text(browser, 2)
    assert "Story of the market" in cell_text(browser, 3)
    screenshot(browser, "calendar-2026-12.png")
    open_page(browser, site, "calendar/2026-11.html")
    assert "09:00 published · cafe-insta" in cell_text(browser, 18)
    assert "09:00 empty slot · cafe-masto" in cell_text(browser, 23)


def test_a_post_page_shows_the_mockups_with_text_and_images(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "posts/late-night.html")
    cards = browser.find_elements(By.CSS_SELECTOR, "article.mockup")
    assert len(cards) == 2
    assert all("Yömenu" in card.text for card in cards)
    images = browser.find_elements(By.CSS_SELECTOR, "article.mockup img")
    assert len(images) == 2
    assert all(browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image)
               for image in images)
    assert "Published" in cards[1].text and "on the network" in cards[1].text
    # Mastodon makes the link clickable, Instagram shows it as text
    assert len(cards[0].find_elements(By.CSS_SELECTOR, ".text a")) == 1
    assert cards[1].find_elements(By.CSS_SELECTOR, ".text a") == []
    screenshot(browser, "post-late-night.png")


def test_the_charts_draw_from_the_csvs(browser, site):
    from selenium.webdriver.common.by import By

    open_page(browser, site, "metrics.html")
    points = browser.find_elements(By.CSS_SELECTOR, "svg circle.point")
    assert len(points) == 10  # one per row of followers.csv
    assert all(point.size["width"] > 0 for point in points)
    titles = [point.find_element(By.TAG_NAME, "title").get_attribute("textContent") for point in points]
    assert "cafe-masto, 2026-11-19: 157 followers" in titles
    bars = browser.find_elements(By.CSS_SELECTOR, "svg rect.bar")
    assert bars and all(bar.size["width"] > 0 for bar in bars)


def test_the_pages_work_by_keyboard(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    open_page(browser, site, "index.html")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    focused = browser.switch_to.active_element
    assert focused.text == "Skip to content" and focused.is_displayed()
    focused.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#main")


@pytest.mark.parametrize("rel", ["index.html", "calendar/2026-12.html", "posts/late-night.html", "metrics.html",
                                 "plan.html", "report.html"])
def test_no_serious_accessibility_violation(browser, site, rel):
    from axe_selenium_python import Axe

    open_page(browser, site, rel)
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    serious = [(v["id"], v["help"], len(v["nodes"])) for v in results["violations"]
               if v.get("impact") in ("serious", "critical")]
    assert serious == []

