import pytest

from retrieval.errors import DocumentError
from retrieval.documents import load_document, make_doc_id
from tests.conftest import ARTICLE, SHARED


def detect(_text: str) -> str:
    return "de"


def test_bundled_article_is_a_byte_identical_copy():
    shared = SHARED / "corpus" / "nordkorea-truppen-kursk.de.txt"
    if not shared.exists():
        pytest.skip("../shared is not beside this checkout")
    assert ARTICLE.read_bytes() == shared.read_bytes()


def test_text_document_keeps_its_exact_text():
    doc = load_document(ARTICLE, detect_language=detect)
    assert doc.doc_id == "nordkorea-truppen-kursk.de"
    assert doc.text == ARTICLE.read_bytes().decode("utf-8")
    assert doc.title.startswith("Der südkoreanische Geheimdienst erklärte")
    assert doc.lang == "de"


def test_markdown_title_drops_heading_marks(tmp_path):
    path = tmp_path / "Über Kursk!.md"
    path.write_text("# Über Kursk\n\nText hier.\n", encoding="utf-8")
    doc = load_document(path, detect_language=detect)
    assert (doc.doc_id, doc.title) == ("uber-kursk", "Über Kursk")


def test_html_is_reduced_to_article_text(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Flood report</title></head><body><nav>Home | Login</nav>"
        "<article><h1>Flood report</h1><p>The river rose by two metres on Monday, and "
        "about 2,500 residents had to leave their homes in the old town.</p>"
        "<p>The mayor thanked the volunteers who filled sandbags through the night.</p>"
        "</article><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    doc = load_document(path, detect_language=detect)
    assert "about 2,500 residents had to leave their homes" in doc.text
    assert "Login" not in doc.text and "Copyright" not in doc.text
    assert doc.title == "Flood report"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.txt", None, "does not exist"),
        ("a.pdf", b"%PDF", "unsupported file type .pdf"),
        ("latin1.txt", "Käse".encode("latin-1"), "is not UTF-8 text"),
        ("empty.txt", b"  \n ", "holds no text"),
    ],
)
def test_bad_documents_name_the_problem(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(DocumentError, match=message):
        load_document(path, detect_language=detect)


def test_doc_ids_are_slugs():
    from pathlib import Path

    assert make_doc_id(Path("Nord Korea: Truppen.HTML")) == "nord-korea-truppen"
