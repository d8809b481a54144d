-- DfE rule: placed for adoption with the current foster carer (A3/A5) means the carer does not
-- change, so the episode's RNE must be S, T or U.
select
    _line,
    'PLACE ' || "PLACE" || ' (placed for adoption with current foster carer) with RNE ' || "RNE"
        || '; it must be S, T or U' as reason,
    "RNE" as value
from valid_episodes
where "PLACE" in ('A3', 'A5') and "RNE" not in ('S', 'T', 'U')
order by _line
