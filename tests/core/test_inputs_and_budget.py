"""gdssm.core's input side: strict JSON, the budget (sizes, estimates, one-line refusals), the record of what a
command has in flight (temporaries, created folders) and output checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from gdssm.core import atomic, budget
from gdssm.core.errors import BadInput
from gdssm.core.strict_json import loads_strict, read_json_file
from gdssm.core.validation import parse_int, require_writable_file, require_writable_folder


@pytest.mark.parametrize("text, says", [
    ('{"a": 1, "a": 2}', "duplicate key 'a'"), ("[NaN]", "NaN is not a JSON number"),
    ("[Infinity]", "Infinity is not a JSON number"), ("[-Infinity]", "-Infinity is not a JSON number"),
    ("[1e400]", "does not fit a double"), ("[" + "1" * 40 + "]", "an integer with 40 digits"),
    ("[" * 100 + "]" * 100, "deeper than 32 levels"), ("[" * 100000 + "]" * 100000, "deeper than 32 levels"),
    ("{'a': 1}", "is not valid JSON"), ("", "is not valid JSON"), ('["\x00"]', "NUL character"),
])
def test_strict_json_refuses_what_python_would_accept_or_choke_on(text: str, says: str) -> None:
    with pytest.raises(BadInput, match=None) as err:
        loads_strict(text, "file f")
    assert says in str(err.value) and str(err.value).startswith("file f")


def test_strict_json_reads_data_and_refuses_big_and_binary_files(tmp_path: Path) -> None:
    assert loads_strict('{"a": [1, 2.5, "x", null, true]}', "f") == {"a": [1, 2.5, "x", None, True]}
    assert loads_strict(b"\xef\xbb\xbf[1]", "f") == [1]
    with pytest.raises(BadInput, match=r"is not UTF-8 text \(byte 0xff at offset 1\)"):
        loads_strict(b"[\xff]", "f")
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (2 << 20))
    with pytest.raises(BadInput, match=r"is 2\.0 MiB; at most 1 MiB is read"):
        read_json_file(big, "thing", max_bytes=1 << 20)
    with pytest.raises(BadInput, match="thing not found"):
        read_json_file(tmp_path / "none.json", "thing")
    with pytest.raises(BadInput, match="is a folder, not a file"):
        read_json_file(tmp_path, "thing")


@pytest.mark.parametrize("text, value", [("4G", 4 << 30), ("4GiB", 4 << 30), ("512M", 512 << 20), ("1.5G", 3 << 29),
                                         ("2T", 2 << 40), ("1048576", 1 << 20)])
def test_memory_sizes(text: str, value: int) -> None:
    assert budget.parse_size(text) == value


@pytest.mark.parametrize("text, value", [("90", 90.0), ("90s", 90.0), ("30min", 1800.0), ("2h", 7200.0),
                                         ("1d", 86400.0)])
def test_durations(text: str, value: float) -> None:
    assert budget.parse_duration(text) == value


@pytest.mark.parametrize("text", ["lots", "-1G", "1k", "4 XB", "1e9", ""])
def test_bad_memory_sizes(text: str) -> None:
    with pytest.raises(BadInput):
        budget.parse_size(text)


def test_a_refusal_names_the_sizes_the_need_the_budget_and_the_option() -> None:
    with pytest.raises(BadInput) as err:
        budget.require(budget.derive_cost("one-step", 1000000, 1, 4))
    line = str(err.value)
    assert line.startswith("derive at f = 1000000, m = 1 needs about ") and "PiB of memory" in line
    assert line.endswith("the memory budget is 4 GiB (raise it with --max-memory)")
    with budget.using(budget.Budget(memory=2**60)), pytest.raises(BadInput, match="raise it with --max-time"):
        budget.require(budget.derive_cost("one-step", 1000000, 1, 4))
    assert budget.require(budget.derive_cost("one-step", 2, 1, 4)).bytes < 2**30


def test_the_estimates_grow_with_every_size_that_costs() -> None:
    small = budget.property_check_cost(2, 1, 10, 1, 10)
    assert budget.property_check_cost(2, 1, 10**4, 1, 10).seconds > 100 * small.seconds
    assert budget.property_check_cost(2, 1, 10**9, 1, 10).bytes > 50 * 2**30
    assert budget.report_cost(2, 1, 3, 10**5).seconds > 10 * 3600
    assert budget.train_cost("p", 10, 10, 10, (1,), 12000, 64, 10**8).bytes > 80 * 2**30
    assert budget.train_cost("p", 10, 10, 10, (1,), 12000, 64, 10**4).seconds < 600  # the default run fits
    assert budget.format_bytes(4 << 30) == "4 GiB" and budget.format_seconds(7200) == "2 h"


def test_parse_int_names_the_quantity_and_quotes_the_text() -> None:
    assert parse_int("seed", " 7 ") == 7
    with pytest.raises(BadInput, match="seed must be an integer >= 0, got '-1'"):
        parse_int("seed", "-1")
    with pytest.raises(BadInput, match="examples must be an integer >= 1, got 'x'"):
        parse_int("examples", "x", 1)


def test_outputs_are_checked_by_a_real_probe(tmp_path: Path) -> None:
    assert require_writable_file(tmp_path / "a" / "b.json") == tmp_path / "a" / "b.json"
    assert not (tmp_path / "a").exists() and list(tmp_path.iterdir()) == []  # the probe leaves nothing
    for bad, says in ((tmp_path, "it is a folder"), (Path("/proc/nowhere/x"), "not writable"), ("", "empty")):
        with pytest.raises(BadInput, match=says):
            require_writable_file(bad)
    (tmp_path / "file").write_text("x")
    with pytest.raises(BadInput, match="it is a file, not a folder"):
        require_writable_folder(tmp_path / "file")


def test_a_command_record_removes_its_folders_and_temporaries(tmp_path: Path) -> None:
    with atomic.tracking():
        atomic.make_folders(tmp_path / "a" / "b")
        (tmp_path / "a" / "b" / "partial").write_text("x")
        staging = atomic.temporary_folder(tmp_path / "c", ".stage-")
        (staging / "f").write_text("x")
        atomic.discard(everything=False)  # a refusal: only empty created folders go, staging always
        assert (tmp_path / "a" / "b" / "partial").exists() and not staging.exists()
    with atomic.tracking():
        atomic.make_folders(tmp_path / "d" / "e")
        (tmp_path / "d" / "e" / "partial").write_text("x")
        atomic.discard(everything=True)  # Ctrl-C: everything this command created
        assert not (tmp_path / "d").exists() and (tmp_path / "a").exists()


def test_writing_onto_a_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="it is a folder; name a file"):
        atomic.write_text(tmp_path, "x")
