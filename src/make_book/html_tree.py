"""The print HTML parsed in C. WeasyPrint parses HTML with tinyhtml5, in pure Python: a twentieth of a
chunk's layout, and more than that of a TOC's. The HTML make-book writes for print is well-formed XML
too, and for such a document HTML's parsing rules build the same tree as an XML parser but for where
whitespace goes around <head> and <body>; expat (the standard library's) builds it, and those rules
are applied after. A document that is not well-formed (a stylesheet's or a user's HTML) gets None:
WeasyPrint parses it itself."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.parsers import expat

import cssselect2
from weasyprint import HTML, _find_base_url


def parse_html(html: str) -> ET.Element | None:
    """The tree tinyhtml5 would build (namespace_html_elements=False) for this document, or None when
    it is not one whose tree an XML parser can give: not well-formed, with a comment, CDATA or a
    processing instruction, or not <html> holding <head> (which HTML adds when it is missing) then <body>."""
    if "<!--" in html or "<![" in html or "<?" in html:
        return None  # comments HTML keeps in the tree, CDATA and processing instructions it reads otherwise
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()  # no namespaces: `epub:type` stays one name, as HTML has it
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = builder.start, builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(html, True)
    except expat.ExpatError:
        return None
    root = builder.close()
    if root.tag == "html" and [child.tag for child in root] == ["body"]:
        root.insert(0, ET.Element("head"))
    end = html.rfind("</html>")
    if root.tag != "html" or [child.tag for child in root] != ["head", "body"] or end < 0:
        return None
    head, body = root
    after = (body.tail or "") + html[end + len("</html>"):]
    if any(text.strip() for text in (root.text or "", head.tail or "", after)):
        return None  # text HTML would move into a body of its own making
    root.text = None  # whitespace before <head> is dropped
    if after:  # whitespace after </body> and </html> goes at the end of the body
        if len(body):
            body[-1].tail = (body[-1].tail or "") + after
        else:
            body.text = (body.text or "") + after
        body.tail = None
    return root


class ParsedHTML(HTML):
    """WeasyPrint's HTML document from a tree already parsed (`parse_html`): what its own constructor
    sets once tinyhtml5 has parsed the string (WeasyPrint 70)."""

    def __init__(self, root: ET.Element, base_url: str, url_fetcher: object) -> None:
        self.base_url, self.url_fetcher, self.media_type = _find_base_url(root, base_url), url_fetcher, "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element
