"""The package version, written once: setuptools reads it for the wheel's metadata
(pyproject.toml, ``[tool.setuptools.dynamic]``), ``sim.__version__`` and ``sim --version``
print it, and tests/test_package.py checks that CITATION.cff cites it."""

__version__ = "0.1.0"


def version_line() -> str:
    """What ``sim --version`` prints: ``sim <version>``.

    >>> version_line() == f"sim {__version__}"
    True
    """
    return f"sim {__version__}"
