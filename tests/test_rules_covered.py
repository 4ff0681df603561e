"""Every domain rule of DESIGN §4 (1 to 16) has tests that prove it, marked
`@pytest.mark.rule(n)`: a rule nobody marks is a rule nobody checks."""

import ast
from pathlib import Path

RULES = range(1, 17)
TESTS = Path(__file__).parent


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
