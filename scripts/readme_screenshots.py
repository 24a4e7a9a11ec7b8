"""Take the README's screenshots (docs/images/*.png) from a running demo system.

    deliverology demo --port 8000 &        # the demo, served
    python scripts/readme_screenshots.py   # --url http://127.0.0.1:8000 by default

It logs in as `analyst` with DELIVEROLOGY_DEMO_PASSWORD (the demo's default password otherwise)
and drives Debian's Chromium through Playwright, 1280 pixels wide.
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

IMAGES = Path(__file__).resolve().parents[1] / "docs" / "images"
WIDTH = 1280
TALLEST = 1500  # pixels: longer pages are cut here, to keep the images small
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--out", type=Path, default=IMAGES)
    args = parser.parse_args()
    password = os.environ.get("DELIVEROLOGY_DEMO_PASSWORD", "deliver-2030")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS
        )
        page = browser.new_page(viewport={"width": WIDTH, "height": 900})
        url = args.url.rstrip("/")
        page.goto(f"{url}/")
        page.get_by_label("Username").fill("analyst")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{url}/")
        page.screenshot(path=str(args.out / "dashboard.png"))
        shoot(page, f"{url}/priorities/early-literacy/", args.out / "priority.png", tallest=2200)
        shoot(page, f"{url}/priorities/early-literacy/diagnostic/", args.out / "diagnostic.png")
        page.goto(f"{url}/sub-targets/")
        page.get_by_role("link", name="Grade 3 reading").first.click()
        literacy = page.url
        shoot(page, literacy, args.out / "sub-targets.png")
        shoot(page, literacy.replace("/sub-targets/", "/course/"), args.out / "course.png")
        browser.close()


def shoot(page: Page, address: str, path: Path, tallest: int = TALLEST) -> None:
    page.goto(address)
    page.wait_for_load_state("networkidle")
    height = min(page.evaluate("document.documentElement.scrollHeight"), tallest)
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": WIDTH, "height": height}
    )
    print(f"{path.name}: {address}")


if __name__ == "__main__":
    main()
