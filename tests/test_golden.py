"""Golden test: a fresh build of tests/sites/small equals tests/sites/small/expected/,
byte for byte. After an intended change of the output, run

    python tests/regenerate_golden.py

and review `git diff tests/sites/small/expected` before committing it."""

from __future__ import annotations

import difflib
import json

import pytest

from regenerate_golden import EXPECTED, GOLDEN, MANIFEST, manifest

HOW = ("If this change of the output is intended, regenerate the golden files with\n"
       "    python tests/regenerate_golden.py\n"
       "and review `git diff tests/sites/small/expected` before committing.")


def _readable(rel: str, data: bytes) -> list[str]:
    text = data.decode("utf-8", errors="replace")
    if rel.endswith(".json"):
        try:
            text = json.dumps(json.loads(text), ensure_ascii=False, indent=1)
        except ValueError:
            pass
    return text.splitlines()


def _diff(rel: str, expected: bytes, actual: bytes, limit: int = 40) -> str:
    lines = list(difflib.unified_diff(_readable(rel, expected), _readable(rel, actual),
                                      f"expected/{rel}", f"built/{rel}", lineterm="", n=1))
    if not lines:  # same text, different bytes (line ends, escaping, trailing newline)
        return f"{rel}: same text but different bytes ({len(expected)} vs {len(actual)} bytes)"
    more = f"\n… {len(lines) - limit} more diff lines" if len(lines) > limit else ""
    return "\n".join(lines[:limit]) + more


def test_golden_files_exist():
    missing = [rel for rel in [MANIFEST, *GOLDEN] if not (EXPECTED / rel).is_file()]
    assert not missing, f"golden files missing: {missing}\n{HOW}"


def test_the_output_has_exactly_the_expected_files(small_site):
    _, output = small_site
    expected = (EXPECTED / MANIFEST).read_text(encoding="utf-8")
    actual = manifest(output)
    if expected != actual:
        diff = "\n".join(difflib.unified_diff(expected.splitlines(), actual.splitlines(),
                                              "expected/files.txt", "built", lineterm="", n=0))
        pytest.fail(f"the set of output files changed:\n{diff}\n\n{HOW}", pytrace=False)


@pytest.mark.parametrize("rel", GOLDEN)
def test_output_file_matches_golden_byte_for_byte(small_site, rel):
    _, output = small_site
    assert (output / rel).is_file(), f"{rel} was not built\n{HOW}"
    expected = (EXPECTED / rel).read_bytes()
    actual = (output / rel).read_bytes()
    if expected != actual:
        pytest.fail(f"{rel} differs from the golden file:\n{_diff(rel, expected, actual)}\n\n{HOW}",
                    pytrace=False)
