"""Many councils at once: a region's member councils run as flow runs of one Prefect
deployment on a work pool, and a regional pack compares them.

The modules, each importing only those above it:

    config.py    region.toml: the region, its councils' project folders, the work pool
    figures.py   the regional figures from the councils' published public files (no record
                 ever crosses councils): totals or medians, ranks, England; the tidy CSV
    dispatch.py  the Prefect side: pool, queues, global concurrency limit, deployment, one
                 flow run per council, their outcomes
    local.py     one machine as the whole set-up: a Prefect server and N workers
    charts.py    one SVG chart per key indicator
    render.py    the regional pack: HTML, workbook and PDF, in the council pack's style
    pack.py      the region's month folder, written whole

The council flow the workers run is flows/region.py; the commands are commands_region.py.
"""
