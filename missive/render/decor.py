"""The flowables of a letter that are not text: images (a Figure with its alternate
description, or an artifact when the letter says an image is decorative) and the rule
under the letterhead (an artifact), each marked as PDF/UA-1 asks (7.1, 7.3)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from reportlab.platypus import HRFlowable, Image

from missive.errors import RenderError
from missive.render import marked, tagging
from missive.render import reportlab_seam as seam
from missive.render.structure import Node, Role, StructureTree, Tag


class Figure(Image):
    """An image: a `Figure` with `alt` in the structure tree, or (no `alt`) an artifact."""

    def __init__(self, path: Path, height: float, alt: str | None) -> None:
        try:
            probe = Image(str(path))
            ratio = probe.imageWidth / probe.imageHeight if probe.imageHeight else 1.0
        except Exception as exc:  # ReportLab and Pillow raise many kinds for an unreadable image
            raise RenderError(f"cannot read the image {path}: {type(exc).__name__}") from exc
        super().__init__(str(path), width=height * ratio, height=height)
        self.node: Node | None = None if alt is None else Node(Tag(Role.FIGURE, alt=alt))
        self.in_grid = False

    def register(self, tree: StructureTree) -> None:
        if self.node is not None:
            tree.ensure(self.node)
            tree.mark(self.node)

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:  # noqa: N802, N803
        tree = tagging.tree_of(canvas)
        if tree is not None and not self.in_grid:
            self.register(tree)
        base: Any = super()
        base.drawOn(canvas, x, y, _sW)

    def draw(self) -> None:
        code = seam.page_code(self.canv)
        if self.node is None:
            code.append(marked.begin_artifact(marked.Artifact.LAYOUT))
        else:
            code.append(marked.begin(Role.FIGURE.value))
        super().draw()
        code.append(marked.END)


class Rule(HRFlowable):
    """A horizontal rule: typography, an artifact."""

    def draw(self) -> None:
        code = seam.page_code(self.canv)
        code.append(marked.begin_artifact(marked.Artifact.LAYOUT))
        super().draw()
        code.append(marked.END)
