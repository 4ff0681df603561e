"""Every domain rule, DESIGN §4's (1 to 16) and those docs/rules.md adds after them, has tests
that prove it, marked `@pytest.mark.rule(n)`: a rule nobody marks is a rule nobody checks."""

import ast
import re
from pathlib import Path

TESTS = Path(__file__).parent
ADDED_RULES = TESTS.parent / "docs" / "rules.md"


def added_rules(text: str) -> list[int]:
    """The numbers of the rules docs/rules.md adds: its numbered items."""
    return [int(number) for number in re.findall(r"^(\d+)\. ", text, flags=re.M)]


RULES = [*range(1, 17), *added_rules(ADDED_RULES.read_text())]


def _rule_numbers(node: ast.AST) -> list[int]:
    """The numbers of a `pytest.mark.rule(...)` call, or nothing for anything else."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "rule"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    ):
        return [
            arg.value
            for arg in node.args
            if isinstance(arg, ast.Constant) and isinstance(arg.value, int)
        ]
    return []


def marked_rules(folder: Path = TESTS) -> dict[int, list[str]]:
    """Each rule number and the tests marked with it, read from the test modules' source."""
    seen: dict[int, list[str]] = {}
    for path in sorted(folder.rglob("test_*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                where = f"{path.relative_to(folder)}::{node.name}"
                for decorator in node.decorator_list:
                    for number in _rule_numbers(decorator):
                        seen.setdefault(number, []).append(where)
            elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "pytestmark"
                for target in node.targets
            ):
                for call in ast.walk(node.value):
                    for number in _rule_numbers(call):
                        seen.setdefault(number, []).append(str(path.relative_to(folder)))
    return seen


def test_every_rule_of_the_design_has_tests_marked_with_it():
    seen = marked_rules()
    assert [rule for rule in RULES if rule not in seen] == []


def test_no_test_is_marked_with_a_rule_the_design_does_not_have():
    seen = marked_rules()
    assert sorted(set(seen) - set(RULES)) == []


def test_the_added_rules_continue_the_designs_numbering():
    assert list(range(1, len(RULES) + 1)) == RULES
    assert len(RULES) > 16


def test_the_rule_mark_takes_several_rules_and_a_module_mark_counts_too(tmp_path):
    (tmp_path / "test_example.py").write_text(
        "import pytest\n\n\n@pytest.mark.rule(8, 16)\ndef test_one():\n    pass\n"
    )
    (tmp_path / "test_module.py").write_text(
        "import pytest\n\npytestmark = [pytest.mark.django_db, pytest.mark.rule(3)]\n"
    )
    assert marked_rules(tmp_path) == {
        8: ["test_example.py::test_one"],
        16: ["test_example.py::test_one"],
        3: ["test_module.py"],
    }
