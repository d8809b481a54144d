"""A council's project: the folder a council owns (settings, targets, mappings, extracts,
outputs), apart from the tool and its national definitions."""

import pytest
from builders import SAMPLE_PROJECT

from fostering_scorecard import cli, definitions, project
from fostering_scorecard.project import ProjectError


def write_project(folder, settings: str = "", targets: str = "", name: str = "Rotherham Metropolitan Borough Council", la_code: str = "372"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scorecard.toml").write_text(f'[council]\nname = "{name}"\nla_code = "{la_code}"\n{settings}')
    (folder / "targets.toml").write_text(targets)
    return folder


def test_init_writes_a_project_whose_every_option_is_the_national_default(tmp_path, capsys):
    assert cli.main(["init", str(tmp_path / "rotherham"), "--name", "Rotherham Metropolitan Borough Council", "--la-code", "372"]) == 0
    assert "scorecard run" in capsys.readouterr().out
    folder = tmp_path / "rotherham"
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "extracts", "mappings", "scorecard.toml", "targets.toml"]
    loaded = project.load(folder)
    defaults = definitions.load().council_defaults
    assert loaded.settings.council_name == "Rotherham Metropolitan Borough Council" and loaded.settings.la_code == "372"
    assert loaded.settings.count_temporary_placements is defaults["stability"]["count_temporary_placements"]
    assert loaded.settings.trend_months == defaults["pack"]["trend_months"]
    assert loaded.settings.neighbours == ()
    assert all(metric.targets == () for metric in loaded.metrics)  # no targets until the council sets them
    assert loaded.extracts_dir == folder.resolve() / "extracts" and loaded.outputs_dir == folder.resolve() / "outputs"


def test_every_option_of_the_template_is_commented_with_its_default():
    """Uncommenting any line of a new project's scorecard.toml changes nothing: each shows the default."""
    template = (project.resources.template_dir("project") / "scorecard.toml").read_text()
    defaults = definitions.load().council_defaults
    for section, options in defaults.items():
        for name, value in options.items():
            written = project._toml_value(value)
            assert f"# {name} = {written}" in template, f"[{section}] {name} is not in the template with its default {written}"


def test_init_refuses_a_folder_that_holds_something(tmp_path, capsys):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    assert cli.main(["init", str(tmp_path / "taken"), "--name", "A Council", "--la-code", "372"]) == 1
    assert "not an empty folder" in capsys.readouterr().err
    assert (tmp_path / "taken" / "notes.txt").read_text() == "mine"


def test_a_project_is_found_from_any_folder_inside_it(tmp_path):
    folder = write_project(tmp_path / "council")
    (folder / "extracts" / "2020-04").mkdir(parents=True)
    assert project.find(folder / "extracts" / "2020-04") == folder.resolve()
    with pytest.raises(ProjectError, match="no scorecard project"):
        project.find(tmp_path)


def test_targets_are_the_councils_and_attach_to_the_national_definitions(tmp_path):
    folder = write_project(tmp_path / "council", targets='[approvals_fytd]\nsource = "plan"\n"2019-20" = { target = 20, tolerance = 0.1 }\n')
    loaded = project.load(folder)
    approvals = next(m for m in loaded.metrics if m.id == "approvals_fytd")
    assert approvals.target_for("2019-20").value == 20 and approvals.target_for("2018-19") is None
    assert approvals.title == next(m for m in definitions.load().metrics if m.id == "approvals_fytd").title
    assert definitions.load().metrics[0].targets == ()  # the national registry itself holds no target


def test_the_sample_councils_targets_are_in_its_project():
    sample = project.load(SAMPLE_PROJECT)
    approvals = next(m for m in sample.metrics if m.id == "approvals_fytd")
    # Kent's plans (150, then 120), the 120 carried forward for the sample's years 2020-21 to 2024-25.
    assert [(t.year, t.value) for t in approvals.targets] == [("2018-19", 150), ("2019-20", 120), ("2020-21", 120), ("2021-22", 120),
                                                             ("2022-23", 120), ("2023-24", 120), ("2024-25", 120)]
    assert sample.settings.council_name == "Sample County Council" and sample.settings.la_code == "886"
    assert [name for name, _ in sample.config_files()] == ["scorecard.toml", "targets.toml", "mappings/example_lcs.toml"]


@pytest.mark.parametrize(
    "settings, targets, words",
    [
        ("[pack]\ntrend_month = 24\n", "", "[pack] has unknown setting(s): trend_month"),
        ("[colours]\nred = 1\n", "", "unknown section [colours]"),
        ("[stability]\ncount_temporary_placements = \"no\"\n", "", "must be true or false"),
        ("[pack]\ntrend_months = 36\n", "", "trend_months must be from 13 to 24"),
        ("", '[approval_fytd]\n"2019-20" = { target = 20, tolerance = 0.1 }\n', "[approval_fytd] is not an indicator"),
        ("", '[approvals_fytd]\n"2019-21" = { target = 20, tolerance = 0.1 }\n', "is not a financial year"),
        ("", '[approvals_fytd]\n"2019-20" = { target = 20 }\n', "must give a target and a tolerance"),
        ("", '[approvals_fytd]\n"2019-20" = { target = 20, tolerance = 10 }\n', "tolerance a share from 0 to 1"),
        ("[pack\n", "", "is not valid TOML"),
    ],
)
def test_a_mistake_in_a_project_file_is_named_with_the_fix(tmp_path, settings, targets, words):
    folder = write_project(tmp_path / "council", settings=settings, targets=targets)
    with pytest.raises(ProjectError) as error:
        project.load(folder)
    assert words in str(error.value) and "How to fix" in str(error.value)


def test_a_missing_or_wrong_la_code_is_refused(tmp_path):
    with pytest.raises(ProjectError, match="three-digit DfE LA code"):
        project.load(write_project(tmp_path / "a", la_code="Kent"))


def test_the_command_says_how_to_make_a_project_when_there_is_none(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "--no-prefect"]) == 1
    err = capsys.readouterr().err
    assert "no scorecard project" in err and "scorecard init" in err and "Traceback" not in err
