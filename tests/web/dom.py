"""A very small HTML reader for the web tests: enough to find elements by id, tag, class or
attribute and read their text the way a person sees it. Built on the standard library."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Element | None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Element | str] = []

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    @property
    def text(self) -> str:
        """The visible text, with runs of whitespace made single spaces."""
        parts: list[str] = []

        def walk(node: Element) -> None:
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                elif child.tag not in ("script", "style"):
                    walk(child)

        walk(self)
        return " ".join("".join(parts).split())

    def iter(self) -> Iterator[Element]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None,
                 **attrs: str | bool) -> list[Element]:
        """Elements matching ``tag``, a CSS class and attributes (``True``: present at all;
        use ``data_reason=...`` for ``data-reason``)."""
        found = []
        for el in self.iter():
            if tag is not None and el.tag != tag:
                continue
            if class_ is not None and class_ not in el.classes:
                continue
            ok = True
            for name, want in attrs.items():
                name = name.rstrip("_").replace("_", "-")
                if want is True:
                    ok = name in el.attrs
                else:
                    ok = el.attrs.get(name) == want
                if not ok:
                    break
            if ok:
                found.append(el)
        return found

    def find(self, tag: str | None = None, class_: str | None = None,
             **attrs: str | bool) -> Element | None:
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None

    def one(self, tag: str | None = None, class_: str | None = None,
            **attrs: str | bool) -> Element:
        found = self.find_all(tag, class_, **attrs)
        assert len(found) == 1, f"expected one {tag or ''}.{class_ or ''}{attrs}, found {found}"
        return found[0]

    def by_id(self, id_: str) -> Element | None:
        return self.find(id=id_)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document", {}, None)
        self.current = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, dict(attrs), self.current)
        self.current.children.append(el)
        if tag not in _VOID:
            self.current = el

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.current.children.append(Element(tag, dict(attrs), self.current))

    def handle_endtag(self, tag: str) -> None:
        node: Element | None = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data: str) -> None:
        self.current.children.append(data)


def parse(html: str) -> Element:
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root
