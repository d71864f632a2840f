"""build/index.html, opened in a real browser as a reader on a phone would."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from browser import browser_page, serve


def test_download_page_links_resolve_and_it_reads_well_on_a_phone(demo_build: Path, tmp_path: Path) -> None:
    with serve(demo_build) as base, browser_page() as page:
        page.goto(base + "index.html")
        assert page.get_attribute("html", "lang") == "fr"
        assert page.inner_text("h1") == "612 rencontres sur les réseaux sociaux"
        assert page.locator("h2").all_inner_texts() == ["Tome 1", "Tome 2"]
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
        assert len(hrefs) == 6  # two formats per tome, SHA256SUMS, manifest.json
        for href in hrefs:
            response = page.request.get(href)
            assert response.status == 200, href
            assert response.body() == (demo_build / href.rsplit("/", 1)[1]).read_bytes()
        images = page.eval_on_selector_all("img", "imgs => imgs.map(i => [i.naturalWidth, i.alt])")
        assert len(images) == 2 and all(width > 0 and alt.startswith("Couverture") for width, alt in images)
        # readable on a 390-pixel-wide phone: nothing wider than the screen
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        # checksums on the page are those of the files
        text = page.inner_text("body")
        for line in (demo_build / "SHA256SUMS").read_text().splitlines():
            assert line.split()[0] in text.replace("\n", "")
        shot = tmp_path / "download-page.png"
        page.screenshot(path=str(shot), full_page=True)
    image = Image.open(shot)
    assert image.size[0] == 390 and image.size[1] > 844
    assert len(image.convert("RGB").getcolors(maxcolors=1 << 20)) > 50  # a rendered page, not blank
