"""docs/api.md is the reference generated from the notebook API's docstrings, up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sim.api
from sim.api.doc import markdown, render

ROOT = Path(__file__).resolve().parents[1]


def test_committed_reference_is_up_to_date():
    assert (ROOT / "docs" / "api.md").read_text() == render(), \
        "docs/api.md is stale: regenerate it with  python -m sim.api.doc > docs/api.md"


def test_every_public_name_has_a_section_and_a_docstring():
    text = render()
    for name in sim.api.__all__:
        obj = getattr(sim.api, name)
        assert obj.__doc__, name
        if name != "ConfigError":
            assert f"sim.api.{name}" in text, name


def test_the_command_prints_the_reference():
    out = subprocess.run([sys.executable, "-m", "sim.api.doc"], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout == render()


def test_numpy_sections_and_literal_blocks_become_markdown():
    doc = """Do it.

    Example::

        x = 1

    Parameters
    ----------
    name : str
        What it is.
    """
    assert markdown(doc) == ("Do it.\n\nExample:\n\n```python\nx = 1\n```\n\n**Parameters**\n\n"
                             "- `name` : str\n  What it is.\n")
