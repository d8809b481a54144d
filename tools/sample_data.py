"""Seeded synthetic extracts for a Kent-sized council (and 10x / 50x bigger ones): the bundled
sample council's data/sample/extracts/ is made by this script.

    python tools/sample_data.py --out data/sample/extracts [--scale council] [--seed N] [--summary]

Writes the six extracts of the tool's data contract (src/fostering_scorecard/national/
extracts.toml: header, episodes, carers, training, allegations, enquiries), with the contract's
file names, columns and column order, an extract.toml describing the extract and
_planted_errors.csv listing the deliberately bad rows. Everything comes from numpy Generators
seeded from `seed`, so the same seed and scale give byte-identical files (`make sample`
re-creates the committed sample). Codes come from the contract too: a code the contract does
not list stops the generator.

How the data is made, in order (one module of tools/sample_council/ each):
The sample covers financial years 2020-21 to 2024-25 and is extracted on 5 April 2025, so that
its latest month (March 2025) falls in the years the DfE benchmarks cover (31 March 2021-2025).
What changes from year to year (arrivals of unaccompanied children, late placement breakdowns,
approvals) is in tools/sample_council/years.py, tuned to Kent's published figures.

1. Children: periods of care arrive at a steady rate from 2002 (a burn-in, so that the
   stock at April 2020 looks like a real stock); each has an exit route (adoption, SGO, home,
   18, other) that fixes its length. Children whose care ended before April 2020 are dropped.
2. Journeys: each period is cut into placements (carers) with a "stable or not" draw per
   placement, then into SSDA903 episodes at placement, placement-type and legal-status
   changes, with the odd temporary placement (T3/T4). The mix is tuned so that the DfE
   stability measures land near Kent's in each year (see stability.stability_check).
3. Households: connected-person households are created for the children placed with
   family and friends; mainstream and short-break households are a stock plus approvals per
   financial year; in-house foster placements are then given a household with a free place.
4. Training, allegations and recruitment enquiries hang off the households.
5. The tables are written as the case system would export them.
6. About 1% of rows are then corrupted or duplicated, and listed in _planted_errors.csv.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from sample_council import contract
from sample_council.children import draw_children
from sample_council.days import EPOCH, EXTRACT, INF, fmt_dates
from sample_council.draws import Draws
from sample_council.episodes import build_journeys, build_short_breaks
from sample_council.households import Households, add_mainstream, allocate_connected, allocate_mainstream
from sample_council.planted_errors import plant_errors, safe_children
from sample_council.records import make_allegations, make_enquiries, make_training
from sample_council.stability import summarise
from sample_council.tables import carers_table, episodes_table, header_table, unique_ids, write_csv

SCALES = {"council": 1, "region": 10, "national": 50}
COUNCIL = "Sample County Council (synthetic, Kent-sized)"
LA_CODE = "886"
EXTRACT_DATE = EPOCH + timedelta(days=EXTRACT)
# Recorded in extract.toml as the extract's source system (with the seed and scale).
SOURCE_SYSTEM = "tools/sample_data.py"
SEED = 20250405  # the committed sample's seed (its extract date)


def generate(out_dir: Path, scale: str = "council", seed: int = SEED) -> dict:
    """Write the sample extract into out_dir; returns data-row counts per file."""
    if scale not in SCALES:
        raise ValueError(f"scale must be one of {sorted(SCALES)}")
    k = SCALES[scale]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(12)]

    kids = draw_children(rng[0], k)
    urns = {"ifa": list(np.char.add("SC", rng[1].integers(400000, 700000, 40).astype(str))),
            "resi": list(np.char.add("SC", rng[1].integers(400000, 700000, 150).astype(str)))}
    J = build_journeys(kids, urns, seed)
    sb_children = build_short_breaks(J, rng[2], Draws(rng[2]), len(kids), k)

    H = Households()
    allocate_connected(J, H, Draws(rng[3]), k)
    add_mainstream(H, rng[4], Draws(rng[4]), k)
    allocate_mainstream(J, H, Draws(rng[5]), urns)

    E = J.episodes()
    child_ids = unique_ids(rng[6], len(kids) + len(sb_children), "C", 6)
    n_hh = len(H) + 200 * k  # and spare ids, for planted unknown households
    all_hh_ids = unique_ids(rng[6], n_hh, "H", 5 if n_hh <= 90_000 else 6)  # 6 digits at national scale
    hh_ids, spare_hh = all_hh_ids[:len(H)], sorted(all_hh_ids[len(H):].tolist())
    hh = pd.DataFrame({"id": hh_ids, "type": H.type, "appr": H.appr, "dereg": H.dereg})

    # One table per extract of the contract, in this order (the order errors are planted in).
    tables = {
        "header": header_table(rng[7], kids, sb_children, child_ids),
        "episodes": episodes_table(E, J, child_ids, hh_ids),
        "carers": carers_table(rng[8], H, hh_ids),
    }
    for name, df in (("training", make_training(rng[9], hh)),
                     ("allegations", make_allegations(rng[10], hh, k)),
                     ("enquiries", make_enquiries(rng[11], hh, k))):
        for c in contract.date_columns(name):
            df[c] = fmt_dates(df[c].to_numpy())
        tables[name] = df
    unmade = sorted(set(contract.extracts()) - set(tables))
    if unmade:
        raise ValueError(f"the data contract lists extracts the generator does not make: {unmade}")

    # Row flags for choosing which rows may be corrupted.
    safe = np.concatenate([safe_children(kids), np.ones(len(sb_children), dtype=bool)])
    ep_child = np.array(E["child"])
    is_sb = ep_child >= len(kids)
    last_of_child = np.r_[ep_child[1:] != ep_child[:-1], True]
    flags = {
        "header": {"safe": safe},
        # only episodes that are a whole period of care on their own: setting one aside
        # leaves no X1 without a next episode, and no gap in care, behind it
        "episodes": {"safe": safe[ep_child] & (np.array(E["rne"]) == "S")
                     & (np.array(E["rec"]) != "X1"),
                     "last_sb": is_sb & last_of_child & (np.array(E["end"]) >= 0)},
        "carers": {"open_hh": np.array(H.dereg) >= INF},
    }
    # Deterministic order: header by CHILD, episodes by CHILD then DECOM, others by their key.
    sort_keys = {"header": (child_ids,),
                 "episodes": (np.array(E["start"]), child_ids[ep_child]),
                 "carers": (hh_ids,)}
    dr_err = Draws(np.random.default_rng(np.random.SeedSequence([seed, 903])))
    planted, counts = [], {}
    for name, df in tables.items():
        extract = contract.extract(name)
        columns = contract.check_table(name, df)
        f = flags.get(name, {})
        if name in sort_keys:
            o = np.lexsort(sort_keys[name])
            df = df.iloc[o].reset_index(drop=True)
            f = {key: v[o] for key, v in f.items()}
        else:
            df = df.sort_values(list(extract.key), kind="stable").reset_index(drop=True)
        df, errs = plant_errors(dr_err, name, df[columns], f, spare_hh)
        planted += [(extract.file, line, col, kind) for line, col, kind in errs]
        write_csv(out_dir / extract.file, columns, df)
        counts[extract.file] = len(df)
    err = pd.DataFrame(planted, columns=["file", "line", "column", "kind"])
    write_csv(out_dir / "_planted_errors.csv", list(err.columns), err)
    counts["_planted_errors.csv"] = len(err)
    (out_dir / "extract.toml").write_text(
        f'council = "{COUNCIL}"\nla_code = "{LA_CODE}"\nextract_date = {EXTRACT_DATE.isoformat()}\n'
        f'source_system = "{SOURCE_SYSTEM} seed {seed} scale {scale}"\n',
        encoding="utf-8", newline="\n")
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python tools/sample_data.py",
                                 description="Write a synthetic, seeded sample extract.")
    ap.add_argument("--out", type=Path, required=True,
                    help="output folder (the bundled sample's is data/sample/extracts)")
    ap.add_argument("--scale", choices=list(SCALES), default="council",
                    help="council (Kent-sized), region (10x) or national (50x)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--summary", action="store_true",
                    help="also print stability and household figures")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    counts = generate(args.out, args.scale, args.seed)
    took = time.perf_counter() - t0
    for name, n in counts.items():
        print(f"{name:22s} {n:>9,d} rows")
    print(f"generated {args.scale} scale (seed {args.seed}) in {took:.1f}s -> {args.out}")
    if args.summary:
        print(json.dumps(summarise(args.out), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
