"""Test-run settings shared by every test module."""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

_cache = tempfile.mkdtemp(prefix="budgetcheck-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    # The parsed-rules cache of this run (and of the CLIs it starts) goes to a folder of its own,
    # not the developer's ~/.cache, so a test never reads an entry another checkout wrote.
    os.environ["BUDGETCHECK_CACHE_DIR"] = _cache


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_cache, ignore_errors=True)
