-- DfE rule: a period of care cannot start or end with a temporary placement (T0-T4). The first
-- episode of a period has RNE S; the last ends with a reason other than X1.
select
    _line,
    'temporary placement ' || "PLACE" || case
        when "RNE" = 'S' then ' on the first episode of a period of care (RNE S)'
        else ' on the last episode of a period of care (REC ' || "REC" || ')' end as reason,
    "PLACE" as value
from valid_episodes
where "PLACE" in ('T0', 'T1', 'T2', 'T3', 'T4')
  and ("RNE" = 'S' or ("REC" is not null and "REC" <> 'X1'))
order by _line
