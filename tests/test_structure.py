"""The shape of the code, checked: the package imports in one direction (no cycles, lazy imports
inside functions included), nothing reads the repository at run time, the flows hold no steps
of their own, and a long module says why it is one piece."""

import ast
from pathlib import Path

from builders import REPOSITORY

from fostering_scorecard import resources

PACKAGE = "fostering_scorecard"
SOURCE = REPOSITORY / "src" / PACKAGE
FLOWS = REPOSITORY / "flows"


def package_modules() -> dict[str, Path]:
    """Module name -> file, for the package and the flows mapped into it."""
    modules = {}
    for root, prefix in ((SOURCE, PACKAGE), (FLOWS, f"{PACKAGE}.flows")):
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join([prefix, *parts])] = path
    return modules


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """Package modules that this module imports anywhere in its body (functions too)."""
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # `from X import y` imports the submodule X.y when there is one, else a name of X.
            targets = [f"{module}.{alias.name}" for alias in node.names]
        for target in targets:
            # The longest known module the import names.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = package_modules()
    known = set(modules)
    # Importing a submodule runs its package's __init__ first, but that is Python's edge, not a
    # dependency between the two modules: only written imports count.
    return {name: imports_of(name, path, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, groups, counter = {}, {}, [], set(), [], [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def test_the_cycle_finder_finds_a_planted_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_inside_the_package():
    found = cycles(import_graph())
    assert found == [], "modules that import each other in a circle: " + "; ".join(" <-> ".join(c) for c in found)


def test_nothing_in_the_package_reads_the_repository_root():
    for name, path in package_modules().items():
        text = path.read_text(encoding="utf-8")
        assert "parents[" not in text and "PROJECT_ROOT" not in text, f"{name} looks for files above the package"


def test_the_flows_hold_no_steps_of_their_own():
    """The flows call the run spine; the steps and their order are written in run.py only."""
    tree = ast.parse((FLOWS / "monthly_scorecard.py").read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(PACKAGE) for alias in node.names}
    assert imported <= {"pack", "run", "month_of", "load"}, imported
    calls = {node.func.attr for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id == "run"}
    assert {"run_month", "backfill"} <= calls
    steps = {"prepare", "read_extracts", "validate", "compute", "publish_month", "check_extracts", "produce_month", "write_month_files"}
    assert not calls & steps, f"the flows call steps of the spine themselves: {sorted(calls & steps)}"


def test_a_long_module_says_why_it_is_one_piece():
    for name, path in package_modules().items():
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > 400:
            docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
            assert "one piece" in docstring.lower(), f"{name} has {lines} lines: say at its top why it is one piece"


def test_the_tools_own_files_are_found_through_the_package():
    assert (resources.sql_dir() / "staging").is_dir()
    assert sorted(p.name for p in resources.expectations_dir().glob("*.json"))
    assert resources.national_file("metrics.toml").is_file()
    assert resources.reference_file("README.md").is_file()
    names = [name for name, _ in resources.package_files()]
    assert "sql/staging/stg_carers.sql" in names and "national/metrics.toml" in names and "flows/monthly_scorecard.py" in names
    assert not any(name.endswith(".pyc") for name in names)
