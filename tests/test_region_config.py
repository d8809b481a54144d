"""A region is a folder whose region.toml names its member councils' project folders. It is
read and checked as a council's project is: a misspelt setting is named, every problem says
which file and how to fix it, and councils whose folders overlap stop the region (their data
would mix), while one council's unreadable project fails that council alone."""

import pytest

from fostering_scorecard import project
from fostering_scorecard.region import config

def write_region(folder, text: str):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "region.toml").write_text(text)
    return folder


def councils(root, *names):
    """A project for each name (scorecard init), beside the region's folder."""
    for name, code in zip(names, ("886", "887", "845")):
        project.init(root / name, f"{name.title()} Council", code)


def test_a_region_names_its_councils_by_project_folder_relative_to_region_toml(tmp_path):
    councils(tmp_path, "kent", "medway")
    folder = write_region(tmp_path / "south-east", """
[region]
name = "South East fostering hub"
dfe_region = "South East"

[[council]]
project = "../kent"

[[council]]
id = "medway-council"
project = "../medway"
work_queue = "medway-server"
""")
    region = config.load(folder)
    assert region.name == "South East fostering hub" and region.dfe_region == "South East"
    # Defaults: the regional pack beside region.toml, the shared work pool, two councils at once.
    assert region.outputs_dir == folder / "outputs"
    assert (region.work_pool, region.concurrency) == ("fostering-scorecard", 2)
    assert region.concurrency_limit == "scorecard-councils-fostering-scorecard"
    assert region.key_indicators == config.DEFAULT_KEY_INDICATORS
    # An id defaults to the project folder's name; paths are resolved from region.toml's folder.
    assert [(c.id, c.project_dir, c.work_queue) for c in region.councils] == [
        ("kent", tmp_path / "kent", None), ("medway-council", tmp_path / "medway", "medway-server")]
    # region.toml itself may be given instead of its folder.
    assert config.load(folder / "region.toml") == region


@pytest.mark.parametrize("text, problem, fix", [
    ('[region]\nname = "Hub"\nnmae = "typo"\n[[council]]\nproject = "a"\n',
     "[region] has unknown setting(s): nmae", "the settings of [region] are: concurrency, dfe_region, key_indicators, name, outputs, work_pool"),
    ('[region]\nname = "Hub"\n[[council]]\nproject = "a"\nqueue = "q"\n',
     "[[council]] number 1 has unknown setting(s): queue", "the settings of [[council]] are: id, project, work_queue"),
    ('[regions]\nname = "Hub"\n', "unknown section(s): [regions]", "use [region] (once) and [[council]] (once per council)"),
    ('[[council]]\nproject = "a"\n', "[region] is missing", '[region]'),
    ('[region]\nname = ""\n[[council]]\nproject = "a"\n', "[region] name must be text in quotes", 'name = "South East fostering hub"'),
    ('[region]\nname = "Hub"\n', "names no council", "[[council]]"),
    ('[region]\nname = "Hub"\n[[council]]\nid = "a"\n', "[[council]] number 1 has no project", 'project = "../kent"'),
    ('[region]\nname = "Hub"\n[[council]]\nproject = "a"\n[[council]]\nproject = "a"\n',
     "two councils have the id a", 'id = "..."'),
    ('[region]\nname = "Hub"\n[[council]]\nproject = "a"\nid = "x"\n[[council]]\nproject = "a"\nid = "y"\n',
     "councils x and y have the same project folder", "name each council's project once"),
    ('[region]\nname = "Hub"\n[[council]]\nproject = "a"\nid = "Kent County"\n',
     "[[council]] number 1 id may hold only letters, digits, hyphens", 'id = "kent"'),
    ('[region]\nname = "Hub"\nconcurrency = 0\n[[council]]\nproject = "a"\n',
     "[region] concurrency must be a whole number from 1 to 100", "concurrency = 2"),
    ('[region]\nname = "Hub"\nconcurrency = true\n[[council]]\nproject = "a"\n',
     "[region] concurrency must be a whole number from 1 to 100", "concurrency = 2"),
    ('[region]\nname = "Hub"\nwork_pool = "my pool"\n[[council]]\nproject = "a"\n',
     "[region] work_pool may hold only letters, digits, hyphens", 'work_pool = "fostering-scorecard"'),
    ('[region]\nname = "Hub"\nkey_indicators = ["approvals_fytd", "approvals"]\n[[council]]\nproject = "a"\n',
     "[region] key_indicators names indicator(s) that do not exist: approvals", "docs/metrics.md"),
    ('[region]\nname = "Hub"\nkey_indicators = []\n[[council]]\nproject = "a"\n',
     "[region] key_indicators must be a list of indicator ids", "key_indicators = ["),
    ('[region]\nname = "Hub\n', "is not valid TOML", "correct the line named"),
])
def test_a_setting_the_tool_cannot_use_is_named_with_its_fix(tmp_path, text, problem, fix):
    folder = write_region(tmp_path / "region", text)
    with pytest.raises(config.RegionError) as stopped:
        config.load(folder)
    assert stopped.value.file == "region.toml"
    assert problem in stopped.value.problem
    assert fix in stopped.value.fix


def test_a_missing_region_folder_or_file_says_what_to_pass(tmp_path):
    with pytest.raises(config.RegionError, match="the region folder does not exist"):
        config.load(tmp_path / "nowhere")
    with pytest.raises(config.RegionError, match="not found in") as stopped:
        config.load(tmp_path)
    assert "--region DIR" in stopped.value.fix


def test_a_council_whose_project_cannot_be_read_fails_alone(tmp_path):
    councils(tmp_path, "kent")
    folder = write_region(tmp_path / "region", '[region]\nname = "Hub"\n[[council]]\nproject = "../kent"\n[[council]]\nproject = "../gone"\n')
    kent, gone = config.load_councils(config.load(folder))
    assert kent.project is not None and kent.problem is None
    assert gone.project is None
    assert "the project folder does not exist" in gone.problem and "How to fix:" in gone.problem


def test_councils_sharing_an_output_folder_stop_the_region_before_anything_runs(tmp_path):
    councils(tmp_path, "kent", "medway")
    # Medway's project writes into Kent's output folder: their months would mix.
    settings = tmp_path / "medway" / "scorecard.toml"
    settings.write_text(settings.read_text().replace('outputs = "outputs"', 'outputs = "../kent/outputs"'))
    assert 'outputs = "../kent/outputs"' in settings.read_text()
    folder = write_region(tmp_path / "region", '[region]\nname = "Hub"\n[[council]]\nproject = "../kent"\n[[council]]\nproject = "../medway"\n')
    with pytest.raises(config.RegionError) as stopped:
        config.load_councils(config.load(folder))
    assert "councils kent and medway share an output folder" in stopped.value.problem
    assert "councils' data never mix" in stopped.value.fix


def test_the_regional_pack_may_not_be_written_into_a_councils_output_folder(tmp_path):
    councils(tmp_path, "kent")
    folder = write_region(tmp_path / "region", '[region]\nname = "Hub"\noutputs = "../kent/outputs/region"\n[[council]]\nproject = "../kent"\n')
    with pytest.raises(config.RegionError, match="\\[region\\] outputs and council kent's output folder overlap"):
        config.load_councils(config.load(folder))


def test_a_regional_pack_of_a_month_no_council_has_published_is_refused_and_nothing_written(tmp_path, capsys):
    from fostering_scorecard.cli import main

    councils(tmp_path, "kent", "medway")
    folder = write_region(tmp_path / "hub", '[region]\nname = "Hub"\n[[council]]\nproject = "../kent"\n[[council]]\nproject = "../medway"\n')
    assert main(["region", "pack", "--region", str(folder), "--month", "2025-03"]) == 1
    error = capsys.readouterr().err
    assert "no member council of Hub has published 2025-03" in error and "How to fix:" in error
    assert not (folder / "outputs" / "2025-03").exists()


@pytest.mark.parametrize("arguments, problem", [
    (["run", "--local-workers", "-1"], "argument --local-workers: '-1' is not a whole number of 0 or more"),
    (["run", "--concurrency", "0"], "argument --concurrency: '0' is not a whole number of 1 or more"),
    (["worker", "--limit", "two"], "argument --limit: 'two' is not a whole number of 1 or more"),
])
def test_numbers_of_workers_and_councils_at_once_must_be_whole_numbers_in_range(tmp_path, capsys, arguments, problem):
    from fostering_scorecard.cli import main

    action, *options = arguments
    with pytest.raises(SystemExit) as stopped:
        main(["region", action, *(["--region", str(tmp_path)] if action == "run" else []), *options])
    assert stopped.value.code == 2
    assert problem in capsys.readouterr().err


@pytest.mark.parametrize("action", ["run", "pack"])
def test_a_month_that_is_not_yyyy_mm_stops_the_command_before_anything_starts(tmp_path, capsys, action):
    """--month names the regional pack's folder too: '../x' must never reach a path."""
    from fostering_scorecard.cli import main

    councils(tmp_path, "kent")
    folder = write_region(tmp_path / "hub", '[region]\nname = "Hub"\n[[council]]\nproject = "../kent"\n')
    assert main(["region", action, "--region", str(folder), "--month", "../x", *(["--local-workers", "1"] if action == "run" else [])]) == 1
    assert "month must look like YYYY-MM (for example 2020-03), not '../x'" in capsys.readouterr().err
    assert not (folder / "outputs").exists()  # no server was started: its logs would be here
